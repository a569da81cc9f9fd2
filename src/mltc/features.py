"""Raw splits in, model inputs out: token ids (no padding) and a float32 label matrix."""

from collections.abc import Sequence

import pandas as pd
from datasets import Dataset, DatasetDict, Features, List, Value
from transformers import PreTrainedTokenizerBase

from mltc import paths
from mltc.errors import PipelineError
from mltc.labels import LabelSchema, label_matrix


def load_raw_splits(splits: Sequence[str] = paths.SPLITS) -> DatasetDict:
    """The uniform-schema splits written by the download stage."""
    missing = [
        str(paths.raw_split(split)) for split in splits if not paths.raw_split(split).is_file()
    ]
    if missing:
        raise PipelineError(f"missing split file(s) {', '.join(missing)}: run dvc repro download")
    return DatasetDict(
        {
            split: Dataset.from_pandas(
                pd.read_parquet(paths.raw_split(split)), preserve_index=False
            )
            for split in splits
        }
    )


def tokenize_splits(
    raw: DatasetDict, tokenizer: PreTrainedTokenizerBase, max_length: int, schema: LabelSchema
) -> DatasetDict:
    """Tokenize `text` (truncated, unpadded: batches are padded when collated) and build `labels`.

    Keeps `id`; drops the text and the per-label columns.
    """
    label_names = list(schema.label_names)

    def encode(batch: dict) -> dict:
        encoded = tokenizer(batch["text"], truncation=True, max_length=max_length)
        encoded["labels"] = label_matrix(batch, label_names)
        return dict(encoded)

    tokenized = {}
    for split, dataset in raw.items():
        missing = [name for name in label_names if name not in dataset.column_names]
        if missing:
            raise PipelineError(f"split '{split}' has no column for label(s) {missing}")
        sample = tokenizer("x", truncation=True, max_length=max_length)
        features = Features(
            {
                "id": Value("string"),
                **{name: List(Value("int32")) for name in sample},
                "labels": List(Value("float32")),
            }
        )
        tokenized[split] = dataset.map(
            encode,
            batched=True,
            remove_columns=[c for c in dataset.column_names if c != "id"],
            features=features,
            desc=f"tokenize {split}",
        )
    return DatasetDict(tokenized)
