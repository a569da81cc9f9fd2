"""How a large set of texts is cut for scoring (a light module: `predict` imports it before
torch, and the ONNX runtime without it).

Texts are encoded, length-sorted and scored CHUNK_TEXTS at a time, so memory stays bounded for
any number of texts; `evaluate`, `predict` and the ONNX export cut at the same rows and batch
them the same way, so that their probabilities agree.
"""

from collections.abc import Iterator, Sequence

import numpy as np

CHUNK_TEXTS = 8192


def in_chunks(rows) -> Iterator:
    """Consecutive slices of CHUNK_TEXTS rows of anything with len() and slicing: a list of
    texts, or a tokenized split (a slice of a Dataset is a dict of columns)."""
    return (rows[start : start + CHUNK_TEXTS] for start in range(0, len(rows), CHUNK_TEXTS))


def longest_first_batches(lengths: Sequence[int], batch_size: int) -> list[np.ndarray]:
    """Row numbers, batch by batch: the longest texts first (ties in input order), so that each
    batch is padded only to texts of similar length."""
    order = np.argsort(-np.asarray(lengths, dtype=np.int64), kind="stable")
    return [order[start : start + batch_size] for start in range(0, len(order), batch_size)]
