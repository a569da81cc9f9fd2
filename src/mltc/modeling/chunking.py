"""How a large set of texts is cut for scoring (a light module: `predict` imports it before
torch).

Texts are encoded, length-sorted and scored CHUNK_TEXTS at a time, so memory stays bounded for
any number of texts; `evaluate` and `predict` cut at the same rows, so that their probabilities
agree to the bit.
"""

from collections.abc import Iterator

CHUNK_TEXTS = 8192


def in_chunks(rows) -> Iterator:
    """Consecutive slices of CHUNK_TEXTS rows of anything with len() and slicing: a list of
    texts, or a tokenized split (a slice of a Dataset is a dict of columns)."""
    return (rows[start : start + CHUNK_TEXTS] for start in range(0, len(rows), CHUNK_TEXTS))
