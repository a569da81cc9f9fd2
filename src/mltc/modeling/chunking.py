"""How a large set of texts is cut for scoring (a light module: `predict` imports it before
torch).

Texts are encoded, length-sorted and scored CHUNK_TEXTS at a time, so memory stays bounded for
any number of texts; `evaluate` and `predict` cut at the same rows, so that their probabilities
agree to the bit.
"""

from collections.abc import Iterator
from typing import Protocol, TypeVar

CHUNK_TEXTS = 8192

Rows = TypeVar("Rows", bound="Sliceable")


class Sliceable(Protocol):
    def __len__(self) -> int: ...
    def __getitem__(self, rows: slice, /): ...


def in_chunks(rows: Rows) -> Iterator[Rows]:
    """Consecutive slices of CHUNK_TEXTS rows (texts, or a tokenized split's rows)."""
    return (rows[start : start + CHUNK_TEXTS] for start in range(0, len(rows), CHUNK_TEXTS))
