"""Splits tokenized for a model (`preprocess`), and the columns read back from them."""

import numpy as np
import pyarrow
import pyarrow.compute
from datasets import Dataset, DatasetDict, Features, List, Value
from transformers import PreTrainedTokenizerBase

from mltc.core.split_files import label_rows
from mltc.core.text import TextEncoding

TRUNCATED = "truncated"  # a column while tokenizing: the text was longer than max_length


def tokenize_split(
    dataset: Dataset,
    tokenizer: PreTrainedTokenizerBase,
    encoding: TextEncoding,
    desc: str,
    num_proc: int | None = None,
) -> tuple[Dataset, int]:
    """Token ids of `text` (with windows, a list of windows a text), `labels` as float32 when the
    split has labels; keeps `id`. Also the number of texts truncated (cut). Batch by batch (`datasets.map`, in `num_proc` processes): a split
    read from Arrow files is never held in memory whole."""
    sample = encoding.encode(tokenizer, ["x"])
    tokens = List(Value("int32")) if encoding.windows is None else List(List(Value("int32")))
    features = {"id": Value("string"), **{name: tokens for name in sample}}
    if "labels" in dataset.column_names:
        features["labels"] = List(Value("float32"))
    features[TRUNCATED] = Value("bool")

    def encode(batch: dict) -> dict:
        encoded = dict(encoding.encode(tokenizer, batch["text"]))
        encoded[TRUNCATED] = encoding.too_long(tokenizer, batch["text"])
        if "labels" in batch:
            encoded["labels"] = np.asarray(batch["labels"], dtype=np.float32)
        return encoded

    encoded = dataset.map(
        encode,
        batched=True,
        remove_columns=[
            column for column in dataset.column_names if column not in ("id", "labels")
        ],
        features=Features(features),
        num_proc=num_proc if num_proc and num_proc > 1 and len(dataset) > 1 else None,
        desc=desc,
    )
    truncated = pyarrow.compute.sum(arrow_column(encoded, TRUNCATED)).as_py() or 0
    return encoded.remove_columns(TRUNCATED), int(truncated)


def tokenize_splits(
    raw: DatasetDict,
    tokenizer: PreTrainedTokenizerBase,
    encoding: TextEncoding,
    num_proc: int | None = None,
) -> tuple[DatasetDict, dict[str, int]]:
    """Every split tokenized, and how many texts of each were truncated."""
    results = {
        split: tokenize_split(data, tokenizer, encoding, f"tokenize {split}", num_proc)
        for split, data in raw.items()
    }
    processed = DatasetDict({split: data for split, (data, _) in results.items()})
    return processed, {split: truncated for split, (_, truncated) in results.items()}


def label_matrix(dataset: Dataset) -> np.ndarray:
    """A tokenized split's labels as a float32 (texts x labels) array, read from the Arrow column
    without a Python object per value."""
    return label_rows(arrow_column(dataset, "labels"), len(dataset), np.float32)


def arrow_column(dataset: Dataset, name: str) -> pyarrow.ChunkedArray:
    """One column in the dataset's row order, as Arrow data (no Python object per value)."""
    return dataset.with_format("arrow")[name]
