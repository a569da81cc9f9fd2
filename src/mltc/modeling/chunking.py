"""How a large set of texts is cut for scoring (a light module: `predict` imports it before
torch).

Texts are encoded, length-sorted and scored CHUNK_TEXTS at a time, so memory stays bounded for
any number of texts; `evaluate` and `predict` cut at the same rows, so that their probabilities
agree to the bit.
"""

CHUNK_TEXTS = 8192


def chunk_starts(count: int) -> range:
    """The first row of each chunk of `count` texts."""
    return range(0, count, CHUNK_TEXTS)
