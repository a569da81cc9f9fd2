"""Texts as the model sees them: one encoding, used by `preprocess` for training and evaluation
and stored in the model folder, so that `predict` encodes a text exactly as `evaluate` did."""

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from datasets import Dataset, DatasetDict, Features, List, Value
from transformers import BatchEncoding, PreTrainedTokenizerBase

from mltc.errors import PipelineError
from mltc.fileio import write_json

ENCODING_FILE = "text_encoding.json"


@dataclass(frozen=True)
class TextEncoding:
    """Texts are tokenized as they stand and truncated at `max_length` tokens (no padding:
    batches are padded when collated)."""

    max_length: int

    def encode(self, tokenizer: PreTrainedTokenizerBase, texts: Sequence[str]) -> BatchEncoding:
        return tokenizer(list(texts), truncation=True, max_length=self.max_length)

    def count_truncated(self, tokenizer: PreTrainedTokenizerBase, texts: Sequence[str]) -> int:
        """How many texts are longer than `max_length` tokens (one token more tells)."""
        longer = tokenizer(
            list(texts), truncation=True, max_length=self.max_length + 1, return_length=True
        )["length"]
        return int(np.sum(np.asarray(longer) > self.max_length))

    def save(self, model_dir: Path) -> None:
        write_json(Path(model_dir) / ENCODING_FILE, asdict(self))

    @classmethod
    def load(cls, model_dir: Path) -> "TextEncoding":
        path = Path(model_dir) / ENCODING_FILE
        if not path.is_file():
            raise PipelineError(
                f"{model_dir} has no {ENCODING_FILE}: it was not saved by this pipeline's train "
                "stage, so how its texts were encoded is unknown (re-run dvc repro)"
            )
        return cls(**json.loads(path.read_text(encoding="utf-8")))


def tokenize_split(
    dataset: Dataset, tokenizer: PreTrainedTokenizerBase, encoding: TextEncoding, desc: str
) -> Dataset:
    """Token ids of `text`, `labels` as float32 when the split has labels; keeps `id`."""
    sample = encoding.encode(tokenizer, ["x"])
    features = {"id": Value("string"), **{name: List(Value("int32")) for name in sample}}
    if "labels" in dataset.column_names:
        features["labels"] = List(Value("float32"))

    def encode(batch: dict) -> dict:
        encoded = dict(encoding.encode(tokenizer, batch["text"]))
        if "labels" in batch:
            encoded["labels"] = np.asarray(batch["labels"], dtype=np.float32)
        return encoded

    return dataset.map(
        encode,
        batched=True,
        remove_columns=[
            column for column in dataset.column_names if column not in ("id", "labels")
        ],
        features=Features(features),
        desc=desc,
    )


def tokenize_splits(
    raw: DatasetDict, tokenizer: PreTrainedTokenizerBase, encoding: TextEncoding
) -> DatasetDict:
    return DatasetDict(
        {
            split: tokenize_split(data, tokenizer, encoding, f"tokenize {split}")
            for split, data in raw.items()
        }
    )
