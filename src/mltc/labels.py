"""The label contract: one ordered label list, written by `download` and read by every stage."""

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from mltc.errors import PipelineError
from mltc.fileio import read_json, write_json


@dataclass(frozen=True)
class LabelSchema:
    """Ordered label names plus the source's own column names (for outputs in the input layout)."""

    label_names: tuple[str, ...]
    id_column: str = "id"
    text_column: str = "text"

    def __post_init__(self) -> None:
        if not self.label_names:
            raise PipelineError(
                "the label list is empty: a multi-label task needs at least 1 label"
            )
        duplicates = sorted({name for name in self.label_names if self.label_names.count(name) > 1})
        if duplicates:
            raise PipelineError(f"duplicate label names {duplicates}: every label must be unique")
        clash = {"id", "text"} & set(self.label_names)
        if clash:
            raise PipelineError(f"label names {sorted(clash)} clash with the columns id/text")

    @property
    def id2label(self) -> dict[int, str]:
        return dict(enumerate(self.label_names))

    @property
    def label2id(self) -> dict[str, int]:
        return {name: index for index, name in enumerate(self.label_names)}

    def save(self, path: Path) -> None:
        write_json(path, {**asdict(self), "label_names": list(self.label_names)})

    @classmethod
    def load(cls, path: Path) -> "LabelSchema":
        if not Path(path).is_file():
            raise PipelineError(
                f"{path} is missing: run the download stage first (dvc repro download)"
            )
        payload = read_json(path)
        return cls(
            label_names=tuple(payload["label_names"]),
            id_column=payload.get("id_column", "id"),
            text_column=payload.get("text_column", "text"),
        )

    def check_model_labels(self, id2label: Mapping[int, str], source: str) -> None:
        """Fail when a model's label order differs from the data's: its outputs would be mislabelled."""
        model_labels = model_label_names(id2label)
        if model_labels != list(self.label_names):
            raise PipelineError(
                f"{source} predicts labels {model_labels} but the data has {list(self.label_names)}: "
                "re-run the train stage on this data (dvc repro train)"
            )


def model_label_names(id2label: Mapping[int, str]) -> list[str]:
    """A model config's labels in output order (its id2label keys may be ints or strings)."""
    return [id2label[index] for index in sorted(id2label, key=int)]


def label_matrix(columns: Mapping[str, Sequence[int]], label_names: Sequence[str]) -> np.ndarray:
    """Stack per-label 0/1 columns into a float32 (rows x labels) matrix in the contract's order."""
    return np.stack([np.asarray(columns[name], dtype=np.float32) for name in label_names], axis=1)
