"""Labels as the input stores them, read into a 0/1 (texts x labels) matrix.

Three layouts:
- columns: one 0/1 (or true/false) column per label; the label names are the column names;
- list: one column holding a list of label names (JSONL arrays, Parquet lists), or of integer ids;
- delimited: one column of label names, or integer ids, joined by a delimiter ("" = no label).
Integer ids need a label-names file: line 1 names id 0, line 2 id 1, and so on.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mltc.core.errors import PipelineError

LABEL_FORMATS = ("auto", "columns", "list", "delimited")
TRUE_VALUES = frozenset({"1", "true", "1.0"})
FALSE_VALUES = frozenset({"0", "false", "0.0"})


@dataclass(frozen=True)
class LabelSpec:
    """`data.labels` of params.yaml."""

    format: str = "auto"
    columns: tuple[str, ...] | None = None  # columns: the label columns (None: all the others)
    column: str = "labels"  # list / delimited: the column holding the labels
    delimiter: str = " "
    names: tuple[str, ...] | None = None  # fixes the label set and its order
    names_file: Path | None = None  # integer ids: one label name a line, line 1 = id 0


@dataclass(frozen=True)
class ResolvedLabels:
    """The layout found in the training table: which columns hold the labels, and how."""

    format: str  # columns, list or delimited
    columns: tuple[str, ...]  # the label columns (columns), or the one label column

    def present_in(self, frame: pd.DataFrame) -> bool:
        """Whether `frame` carries labels at all (a test split may come without)."""
        return any(column in frame.columns for column in self.columns)


def read_names_file(path: Path) -> tuple[str, ...]:
    """Label names, one a line (blank lines skipped); line 1 names id 0."""
    if not Path(path).is_file():
        raise PipelineError(f"data.labels.names_file={str(path)!r}: no such file")
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as error:
        raise PipelineError(f"{path}: not UTF-8 ({error.reason}); save it as UTF-8") from error
    names = tuple(line.strip() for line in lines if line.strip())
    if not names:
        raise PipelineError(f"{path}: no label names (one name a line)")
    return names


def resolve(
    spec: LabelSpec, frame: pd.DataFrame, reserved: Sequence[str], source: str
) -> ResolvedLabels:
    """Which columns of the training table hold the labels; `auto` decides from the data."""
    fmt = spec.format
    if fmt == "auto":
        if spec.columns is not None:
            fmt = "columns"
        elif spec.column in frame.columns:
            values = frame[spec.column].dropna()
            first = values.iloc[0] if len(values) else ""
            fmt = "list" if isinstance(first, list | tuple | np.ndarray) else "delimited"
        else:
            fmt = "columns"
    if fmt != "columns":
        if spec.column not in frame.columns:
            raise PipelineError(
                f"{source}: no label column '{spec.column}'; columns are {list(frame.columns)} "
                "(set data.labels.column)"
            )
        return ResolvedLabels(fmt, (spec.column,))
    columns = spec.columns or spec.names
    if columns is None:
        columns = tuple(column for column in frame.columns if column not in reserved)
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise PipelineError(
            f"{source}: no label column(s) {missing}; columns are {list(frame.columns)} "
            "(set data.labels.columns, or data.labels.format and data.labels.column)"
        )
    if not columns:
        raise PipelineError(
            f"{source}: no label columns besides the id and text columns; columns are "
            f"{list(frame.columns)} (set data.labels.format and data.labels.column)"
        )
    return ResolvedLabels("columns", tuple(columns))


def zero_one(values: pd.Series, source: str, column: str) -> np.ndarray:
    """A 0/1 or true/false column as int8; anything else is an error naming the row."""
    if pd.api.types.is_bool_dtype(values):
        return values.to_numpy().astype(np.int8)
    text = values.astype(str).str.strip().str.lower()
    missing = values.isna().to_numpy() | (text == "").to_numpy()
    if missing.any():
        raise missing_value(source, int(missing.nonzero()[0][0]), column)
    ones = text.isin(TRUE_VALUES).to_numpy()
    bad = ~(ones | text.isin(FALSE_VALUES).to_numpy())
    if bad.any():
        row = int(bad.nonzero()[0][0])
        raise PipelineError(
            f"{source}, row {row + 1}: label column '{column}' holds {values.iloc[row]!r}; "
            "expected 0, 1, true or false"
        )
    return ones.astype(np.int8)


def missing_value(source: str, row: int, column: str) -> PipelineError:
    return PipelineError(
        f"{source}, row {row + 1}: column '{column}' has no value; fill it in or remove the row"
    )


def label_lists(
    values: pd.Series, fmt: str, delimiter: str, source: str, column: str
) -> list[list]:
    """Each row's labels (names, or ids as they stand) from a list or delimited column."""
    rows = []
    for row, value in enumerate(values.tolist()):
        if fmt == "list":
            if isinstance(value, np.ndarray):
                value = value.tolist()
            if not isinstance(value, list | tuple):
                if value is None or (isinstance(value, float) and np.isnan(value)):
                    raise missing_value(source, row, column)
                raise PipelineError(
                    f"{source}, row {row + 1}: column '{column}' holds {value!r}, not a list of "
                    "labels (for names joined by a delimiter set data.labels.format=delimited)"
                )
            rows.append(list(value))
        else:
            if not isinstance(value, str):
                if value is None or (isinstance(value, float) and np.isnan(value)):
                    raise missing_value(source, row, column)
                value = str(value)
            rows.append([token.strip() for token in value.split(delimiter) if token.strip()])
    return rows


def names_from_ids(rows: list[list], names: Sequence[str], source: str) -> list[list[str]]:
    """Integer label ids to names; an id that is not an integer in range is an error."""
    converted = []
    for row, labels in enumerate(rows):
        names_of_row = []
        for label in labels:
            try:
                index = int(label)
                if str(label).strip() not in (str(index), f"{index}.0") or not 0 <= index < len(
                    names
                ):
                    raise ValueError
            except (TypeError, ValueError):
                raise PipelineError(
                    f"{source}, row {row + 1}: label id {label!r} is not one of 0..{len(names) - 1} "
                    "(the lines of data.labels.names_file)"
                ) from None
            names_of_row.append(names[index])
        converted.append(names_of_row)
    return converted


def matrix_from_lists(rows: list[list[str]], label_names: Sequence[str], source: str) -> np.ndarray:
    """Name lists to a 0/1 matrix in `label_names` order; an unknown name is an error."""
    index_of = {name: index for index, name in enumerate(label_names)}
    matrix = np.zeros((len(rows), len(label_names)), dtype=np.int8)
    for row, labels in enumerate(rows):
        for label in labels:
            if label not in index_of:
                raise PipelineError(
                    f"{source}, row {row + 1}: unknown label {label!r}; the labels are "
                    f"{list(label_names)} (from data.labels.names or the names file)"
                )
            matrix[row, index_of[label]] = 1
    return matrix
