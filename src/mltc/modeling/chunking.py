"""How a large set of texts is cut for scoring (a light module: `predict` imports it before
torch, and the ONNX runtime without it).

Texts are encoded, length-sorted and scored CHUNK_TEXTS at a time, so memory stays bounded for
any number of texts; `evaluate`, `predict` and the ONNX export cut at the same rows and batch
them the same way, so that their probabilities agree. A text read as several windows
(preprocess.long_texts: windows) is scored window by window, and its windows pooled here.
"""

from collections.abc import Iterator, Mapping, Sequence

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


def flatten_windows(
    encodings: Mapping[str, Sequence[Sequence[Sequence[int]]]],
) -> tuple[dict[str, list[Sequence[int]]], np.ndarray]:
    """Texts' windows (each text's token lists, window by window) as one row per window, and
    each text's number of windows."""
    counts = np.asarray([len(windows) for windows in encodings["input_ids"]], dtype=np.int64)
    flat = {name: [window for windows in values for window in windows]
            for name, values in encodings.items()}  # fmt: skip
    return flat, counts


def pool_windows(window_probs: np.ndarray, counts: np.ndarray, pooling: str) -> np.ndarray:
    """Each text's probabilities from its windows' (rows in text order, `counts` a text): their
    maximum (the same as the sigmoid of the largest logit), or their mean."""
    if len(counts) == 0:
        return window_probs[:0]
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    if pooling == "max":
        return np.maximum.reduceat(window_probs, starts, axis=0)
    if pooling == "mean":
        sums = np.add.reduceat(window_probs, starts, axis=0)
        return (sums / counts[:, None].astype(np.float32)).astype(np.float32)
    raise ValueError(f"pooling={pooling!r}: expected max or mean")
