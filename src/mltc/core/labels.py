"""The label contract: one ordered label list, written by `download` and checked by every stage.

`data/raw/labels.json` holds the label names (their order is the order of every probability
column), the splits that carry labels, and the input's layout, so that test predictions can be
written back in the input's own format.
"""

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from mltc.core.errors import PipelineError
from mltc.core.files import read_json, write_json

# how a text's labels are joined in one field of the files a person edits: the audit's
# label_issues.csv writes them so, a relabel file (data.corrections.relabel) is read so
LABEL_LIST_SEPARATOR = ";"


def join_labels(names: Sequence[str]) -> str:
    return LABEL_LIST_SEPARATOR.join(names)


def split_labels(field: str) -> list[str]:
    """The label names of one field; an empty field is a text without labels."""
    return [name.strip() for name in str(field).split(LABEL_LIST_SEPARATOR) if name.strip()]


@dataclass(frozen=True)
class Layout:
    """How the input stores texts and labels; predictions are written back the same way."""

    kind: str = "table"  # table, or semeval (the official E-c files)
    file_format: str = "parquet"  # csv, tsv, jsonl or parquet
    header: bool = True
    id_column: str = "id"
    text_column: str = "text"
    label_format: str = "columns"  # columns (one 0/1 column per label), list, or delimited
    label_column: str = "labels"  # list and delimited: the column holding a text's labels
    delimiter: str = " "  # delimited: between two labels
    label_ids: bool = False  # labels written as integer ids (their position in label_names)


@dataclass(frozen=True)
class LabelSchema:
    label_names: tuple[str, ...]
    labelled_splits: tuple[str, ...] = ("train", "validation", "test")
    layout: Layout = field(default_factory=Layout)

    def __post_init__(self) -> None:
        if not self.label_names:
            raise PipelineError(
                "the label list is empty: a multi-label task needs at least 1 label"
            )
        duplicates = sorted({name for name in self.label_names if self.label_names.count(name) > 1})
        if duplicates:
            raise PipelineError(f"duplicate label names {duplicates}: every label must be unique")
        blank = [name for name in self.label_names if not isinstance(name, str) or not name.strip()]
        if blank:
            raise PipelineError(f"label names {blank} are blank: every label needs a name")

    @property
    def id2label(self) -> dict[int, str]:
        return dict(enumerate(self.label_names))

    @property
    def label2id(self) -> dict[str, int]:
        return {name: index for index, name in enumerate(self.label_names)}

    def is_labelled(self, split: str) -> bool:
        return split in self.labelled_splits

    def save(self, path: Path) -> None:
        payload = asdict(self)
        payload["label_names"] = list(self.label_names)
        payload["labelled_splits"] = list(self.labelled_splits)
        write_json(path, payload)

    @classmethod
    def load(cls, path: Path) -> "LabelSchema":
        if not Path(path).is_file():
            raise PipelineError(
                f"{path} is missing: run the download stage first (dvc repro download)"
            )
        payload = read_json(path)
        return cls(
            label_names=tuple(payload["label_names"]),
            labelled_splits=tuple(payload.get("labelled_splits", ("train", "validation", "test"))),
            layout=Layout(**payload.get("layout", {})),
        )

    def check_same_labels(self, other: Sequence[str], source: str, remedy: str) -> None:
        """Fail when `other` is not this label list in this order, showing the difference."""
        check_same_labels(list(self.label_names), list(other), source, remedy)

    def check_label_count(self, count: int, source: str) -> None:
        """Fail when data prepared for another label list reaches a stage."""
        if count != len(self.label_names):
            raise PipelineError(
                f"{source} has {count} labels, labels.json {len(self.label_names)}: run dvc repro"
            )

    def check_model_labels(self, id2label: Mapping[int, str], source: str) -> None:
        """Fail when a model's label order differs from the data's: its outputs would be mislabelled."""
        self.check_same_labels(
            model_label_names(id2label), source, "re-run the train stage on this data (dvc repro)"
        )


def check_same_labels(expected: list[str], found: list[str], source: str, remedy: str) -> None:
    """One message for every label-set mismatch: what is missing, what is extra, or the order."""
    if found == expected:
        return
    missing = [name for name in expected if name not in found]
    extra = [name for name in found if name not in expected]
    if missing or extra:
        difference = f"missing {missing}, extra {extra}"
    else:
        difference = f"same labels in another order: {found} instead of {expected}"
    raise PipelineError(
        f"{source} has other labels than the data ({len(found)} against {len(expected)}: "
        f"{difference}): {remedy}"
    )


def model_label_names(id2label: Mapping[int, str]) -> list[str]:
    """A model config's labels in output order (its id2label keys may be ints or strings)."""
    return [id2label[index] for index in sorted(id2label, key=int)]
