"""Texts as the model sees them: one encoding, used by `preprocess` for training and evaluation
and stored in the model folder, so that `predict` encodes a text exactly as `evaluate` did."""

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pyarrow
import pyarrow.compute
from datasets import Dataset, DatasetDict, Features, List, Value
from transformers import BatchEncoding, PreTrainedTokenizerBase

from mltc.core.errors import PipelineError
from mltc.core.files import read_json, write_json
from mltc.data.split_files import label_rows

ENCODING_FILE = "text_encoding.json"
TRUNCATED = "truncated"  # a column while tokenizing: the text was longer than max_length


@dataclass(frozen=True)
class TextEncoding:
    """Texts are tokenized as they stand and truncated at `max_length` tokens (no padding:
    batches are padded when collated). With `label_names` (train.label_aware), the names come
    first as a segment of their own and the text second; only the text is truncated."""

    max_length: int
    label_names: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.label_names is not None:  # a tuple, also when read back from JSON
            object.__setattr__(self, "label_names", tuple(self.label_names))

    @property
    def label_prompt(self) -> str | None:
        """The first segment: the label names, separated by spaces (underscores read as spaces)."""
        return None if self.label_names is None else " ".join(self.label_prompt_words())

    def encode(
        self,
        tokenizer: PreTrainedTokenizerBase,
        texts: Sequence[str],
        max_length: int | None = None,
    ) -> BatchEncoding:
        max_length = max_length or self.max_length
        if self.label_prompt is None:
            return tokenizer(list(texts), truncation=True, max_length=max_length)
        prompts = [self.label_prompt] * len(texts)
        return tokenizer(prompts, list(texts), truncation="only_second", max_length=max_length)

    def too_long(self, tokenizer: PreTrainedTokenizerBase, texts: Sequence[str]) -> list[bool]:
        """Which texts are longer than `max_length` tokens allow, and so truncated (one token
        more tells)."""
        lengths = [
            len(ids) for ids in self.encode(tokenizer, texts, self.max_length + 1)["input_ids"]
        ]
        return [length > self.max_length for length in lengths]

    def label_positions(self, tokenizer: PreTrainedTokenizerBase) -> list[list[int]] | None:
        """Where each label's name lies in every input: its token positions, label by label
        (None without label names); an error naming `preprocess.max_length` when the names leave
        no room for a text."""
        if self.label_names is None:
            return None
        sample = tokenizer(self.label_prompt, "x")
        if len(sample["input_ids"]) > self.max_length:
            raise PipelineError(
                f"preprocess.max_length={self.max_length} leaves no room for the text after the "
                f"{len(self.label_names)} label names ({len(sample['input_ids']) - 1} tokens with "
                "the markers): raise it, or set train.label_aware: false"
            )
        positions, start = [], 0
        for name in self.label_prompt_words():
            tokens = {
                sample.char_to_token(char, sequence_index=0)
                for char in range(start, start + len(name))
            }
            positions.append(sorted(token for token in tokens if token is not None))
            start += len(name) + 1
        return positions

    def label_prompt_words(self) -> list[str]:
        return [name.replace("_", " ") for name in self.label_names or ()]

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
        payload = read_json(path)
        if not isinstance(payload, dict):
            payload = {"not": "a mapping"}
        max_length, names = payload.get("max_length"), payload.get("label_names")
        if (
            set(payload) - {"max_length", "label_names"}
            or isinstance(max_length, bool)
            or not isinstance(max_length, int)
            or max_length < 1
            or not (
                names is None
                or (isinstance(names, list) and all(isinstance(n, str) for n in names))
            )
        ):
            raise PipelineError(
                f"{path} is damaged: expected max_length (a positive integer) and label_names "
                "(a list of names or null): restore it with dvc checkout, or re-run dvc repro"
            )
        return cls(max_length, None if names is None else tuple(names))

    @classmethod
    def for_model(cls, max_length: int, label_aware: bool, label_names: Sequence[str]):
        """The encoding a member trains with: its label names first when it is label-aware."""
        return cls(max_length, tuple(label_names) if label_aware else None)


def tokenize_split(
    dataset: Dataset,
    tokenizer: PreTrainedTokenizerBase,
    encoding: TextEncoding,
    desc: str,
    num_proc: int | None = None,
) -> tuple[Dataset, int]:
    """Token ids of `text`, `labels` as float32 when the split has labels; keeps `id`. Also the
    number of texts truncated. Batch by batch (`datasets.map`, in `num_proc` processes): a split
    read from Arrow files is never held in memory whole."""
    sample = encoding.encode(tokenizer, ["x"])
    features = {"id": Value("string"), **{name: List(Value("int32")) for name in sample}}
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
