"""Row and label checks: every id, text and label of a chunk checked, with errors that name the
file, the row (counted from the start of its split) and the column."""

import warnings
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pandas as pd

from mltc.core.errors import PipelineError
from mltc.core.stats import LabelTally
from mltc.ingest import label_formats
from mltc.ingest.config import DataConfig
from mltc.ingest.label_formats import LabelSpec, ResolvedLabels
from mltc.ingest.sources import Columns


def texts_and_ids(
    table: pd.DataFrame, source: str, split: str, columns: Columns, before: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ids and texts of every row of a chunk, and which rows to keep (not empty); `before` rows
    of the split came before it."""
    for column in (columns.text, columns.id):
        if column is not None and column not in table.columns:
            what = "text" if column == columns.text else "id"
            raise PipelineError(
                f"{source}: no {what} column '{column}'; columns are {list(table.columns)} "
                f"(set data.columns.{what})"
            )
    texts = table[columns.text]
    missing = texts.isna().to_numpy()
    if missing.any():
        raise label_formats.missing_value(source, int(missing.nonzero()[0][0]), columns.text)
    texts = texts.astype(str)
    keep = ~(texts.str.strip() == "").to_numpy()
    if columns.id is None:
        rows = range(before + 1, before + len(table) + 1)
        ids = np.array([f"{split}-{row}" for row in rows], dtype=object)
    else:
        id_values = table[columns.id]
        missing = id_values.isna().to_numpy() | (id_values.astype(str).str.strip() == "").to_numpy()
        if missing.any():
            raise label_formats.missing_value(source, int(missing.nonzero()[0][0]), columns.id)
        ids = id_values.astype(str).to_numpy(dtype=object)
    return ids, texts.to_numpy(dtype=object), keep


def check_texts(
    source: str, split: str, texts: int, empty: int, first_empty: int | None,
    config: DataConfig, notes: list[str],
) -> None:  # fmt: skip
    if texts == 0:
        raise empty_split(source)
    if not empty:
        return
    if config.empty_text == "error":
        raise PipelineError(
            f"{source}, row {first_empty + 1}: the text is empty ({empty} such row(s)); remove "
            "them, or set data.empty_text=drop"
        )
    if empty == texts:
        raise PipelineError(f"{source}: every text is empty")
    notes.append(f"{split}: dropped {empty} empty text(s) from {source}")


def empty_split(source: str) -> PipelineError:
    return PipelineError(f"{source}: no rows (an empty split); add texts or leave the file out")


class IdRegister:
    """Every id seen, to refuse one that repeats in a split or appears in two splits."""

    def __init__(self) -> None:
        self.seen: dict[str, tuple[str, str, int]] = {}  # id -> split, source, row
        self.counts: dict[str, int] = defaultdict(int)
        self.repeated: tuple[str, str, list[int]] | None = None  # id, source, its rows

    def add(self, ids: np.ndarray, split: str, source: str, before: int) -> None:
        for row, text_id in enumerate(ids, start=before + 1):
            if self.repeated is not None and text_id == self.repeated[0]:
                self.repeated[2].append(row)
            elif text_id in self.seen:
                first_split, first_source, first_row = self.seen[text_id]
                if first_split != split:
                    raise PipelineError(
                        f"id {text_id!r} is in both {first_source} and {source}: a text in two "
                        "splits leaks between training and evaluation"
                    )
                if self.repeated is None:
                    self.repeated = (text_id, source, [first_row, row])
            else:
                self.seen[text_id] = (split, source, row)
        self.counts[split] += len(ids)

    def check_split(self) -> None:
        """After a split's last chunk: its first repeated id, with every row that holds it."""
        if self.repeated is not None:
            text_id, source, rows = self.repeated
            raise PipelineError(
                f"{source}: id {text_id!r} appears in rows {rows}; every id must be unique"
            )


@contextmanager
def rows_counted_from(before: int, source: str) -> Iterator[None]:
    """An error about a chunk names its row as counted from the start of the split."""
    try:
        yield
    except PipelineError as error:
        prefix, message = f"{source}, row ", str(error)
        if before == 0 or not message.startswith(prefix):
            raise
        number, rest = message[len(prefix) :].split(":", 1)
        raise PipelineError(f"{prefix}{int(number) + before}:{rest}") from error


def raw_labels(
    table: pd.DataFrame, resolved: ResolvedLabels, source: str, split: str, spec: LabelSpec
) -> np.ndarray | list[list] | None:
    """A 0/1 matrix (columns format), label lists (list/delimited), or None for unlabelled test."""
    if not resolved.present_in(table):
        if split == "test":
            return None
        raise PipelineError(
            f"{source}: no label column(s) {list(resolved.columns)}; only a test split may come "
            "without labels"
        )
    if resolved.format == "columns":
        missing = [column for column in resolved.columns if column not in table.columns]
        if missing:
            raise PipelineError(
                f"{source}: no label column(s) {missing}; the training data has them"
            )
        return np.stack(
            [label_formats.zero_one(table[column], source, column) for column in resolved.columns],
            axis=1,
        ).astype(np.int8)
    column = resolved.columns[0]
    return label_formats.label_lists(table[column], resolved.format, spec.delimiter, source, column)


def label_lists(
    table: pd.DataFrame, resolved: ResolvedLabels, source: str, split: str, columns: Columns,
    names_by_id: tuple[str, ...] | None,
) -> list[list[str]] | None:  # fmt: skip
    """Each row's label names (list and delimited formats), or None for an unlabelled split; for
    the columns format, the 0/1 columns are checked and None is returned."""
    labels = raw_labels(table, resolved, source, split, columns.labels)
    if labels is None or isinstance(labels, np.ndarray):
        return None
    if names_by_id is not None:
        return label_formats.names_from_ids(labels, names_by_id, source)
    return names_only(labels, source)


def names_only(rows: list[list], source: str) -> list[list[str]]:
    for row, labels in enumerate(rows):
        for label in labels:
            if not isinstance(label, str):
                raise PipelineError(
                    f"{source}, row {row + 1}: label {label!r} is not a name; for integer label "
                    "ids set data.labels.names_file"
                )
    return rows


def fixed_label_names(
    spec: LabelSpec, resolved: ResolvedLabels, names_by_id: tuple[str, ...] | None
) -> tuple[str, ...] | None:
    """A names file, the label columns or `labels.names` fix the labels and their order; None:
    they are the names found in the data, sorted."""
    if names_by_id is not None:
        return tuple(names_by_id)
    if resolved.format == "columns":
        return tuple(resolved.columns)
    return spec.names


def warn_unseen_labels(train: LabelTally, label_names: tuple[str, ...]) -> None:
    unseen = [
        name for name, count in zip(label_names, train.label_counts, strict=True) if count == 0
    ]
    if unseen:
        warnings.warn(
            f"label(s) {unseen} never occur in train: the model cannot learn them", stacklevel=2
        )
