"""From whatever the params point at to the pipeline's uniform splits.

A source gives tables (one per split it has); this module checks every row, reads the labels in
their format, fixes the label list, splits off the splits that are missing (iterative
stratification) and returns `id`, `text` and a 0/1 label matrix per split, plus the label
contract. Every check runs before anything is written.
"""

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mltc import paths
from mltc.data import hub, label_formats, semeval
from mltc.data.label_formats import LabelSpec, ResolvedLabels
from mltc.data.labels import LabelSchema, Layout
from mltc.data.raw import split_name
from mltc.data.readers import file_format, read_table
from mltc.data.splits import stratified_split
from mltc.errors import PipelineError
from mltc.params import DataConfig


@dataclass(frozen=True)
class Columns:
    """Where a source's tables keep ids, texts and labels."""

    id: str | None
    text: str
    labels: LabelSpec


@dataclass
class Split:
    ids: np.ndarray  # str
    texts: np.ndarray  # str
    gold: np.ndarray | None  # int8 (texts x labels), None for an unlabelled test split

    def take(self, rows: np.ndarray) -> "Split":
        return Split(
            self.ids[rows], self.texts[rows], None if self.gold is None else self.gold[rows]
        )

    def frame(self) -> pd.DataFrame:
        """The uniform raw schema: id, text and (when labelled) a 0/1 list per text."""
        frame = pd.DataFrame({"id": self.ids, "text": self.texts})
        if self.gold is not None:
            frame["labels"] = list(self.gold)
        return frame


@dataclass
class LoadedData:
    splits: dict[str, Split]
    schema: LabelSchema
    notes: list[str]  # what was dropped or split off, for the stage's log


def load(config: DataConfig) -> LoadedData:
    tables, sources, columns, layout = read_source(config)
    notes: list[str] = []
    reserved = [c for c in (columns.id, columns.text, config.split_column) if c is not None]
    resolved = label_formats.resolve(columns.labels, tables["train"], reserved, sources["train"])
    names_by_id = (
        label_formats.read_names_file(columns.labels.names_file)
        if columns.labels.names_file is not None
        else None
    )
    texts_and_ids = {
        split: _texts_and_ids(tables[split], sources[split], split, columns, config, notes)
        for split in tables
    }
    raw_labels = {  # read from every row, so that errors name the row as in the file
        split: _kept(
            _raw_labels(table, resolved, sources[split], split, columns.labels),
            texts_and_ids[split][2],
        )
        for split, table in tables.items()
    }
    label_names = _label_names(columns.labels, resolved, raw_labels, names_by_id)
    splits = {}
    for split, (ids, texts, _) in texts_and_ids.items():
        gold = raw_labels[split]
        if gold is not None and not isinstance(gold, np.ndarray):
            named = (
                label_formats.names_from_ids(gold, names_by_id, sources[split])
                if names_by_id is not None
                else _names(gold, sources[split])
            )
            gold = label_formats.matrix_from_lists(named, label_names, sources[split])
        splits[split] = Split(ids, texts, gold)
    _check_unique_ids(splits, sources)
    _split_off_missing(splits, config, notes)
    if config.max_rows is not None:
        splits = {
            split: data.take(np.arange(min(config.max_rows, len(data.ids))))
            for split, data in splits.items()
        }
    splits = {split: splits[split] for split in paths.SPLITS if split in splits}
    _warn_unseen_labels(splits["train"].gold, label_names)
    schema = LabelSchema(
        label_names=tuple(label_names),
        labelled_splits=tuple(
            split for split in paths.SPLITS if split in splits and splits[split].gold is not None
        ),
        layout=_layout(layout, resolved, columns, names_by_id is not None),
    )
    return LoadedData(splits, schema, notes)


def read_source(
    config: DataConfig,
) -> tuple[dict[str, pd.DataFrame], dict[str, str], Columns, Layout]:
    """Tables by split, a name for each (for messages), their columns, and the input layout."""
    if config.source == "semeval":
        tables, label_spec = semeval.read_release(config.path, config.language)
        sources = {
            split: str(semeval.release_file(config.path, config.language, split))
            for split in tables
        }
        return (
            tables,
            sources,
            Columns(semeval.ID_COLUMN, semeval.TEXT_COLUMN, label_spec),
            semeval.LAYOUT,
        )
    columns = Columns(config.id_column, config.text_column, config.labels)
    if config.source == "hub":
        tables = hub.read_hub(
            config.hub_dataset, config.hub_config, config.hub_data_dir, config.hub_revision
        )
        sources = {split: f"{config.hub_dataset} ({split})" for split in tables}
        return tables, sources, columns, Layout(file_format="parquet")
    files = _split_files(config)
    fmt = file_format(next(iter(files.values())), config.file_format)
    tables, sources = {}, {}
    for split, path in files.items():
        table = read_table(path, fmt, config.header)
        if config.split_column is None:
            tables[split], sources[split] = table, str(path)
            continue
        if config.split_column not in table.columns:
            raise PipelineError(
                f"{path}: no split column '{config.split_column}'; columns are "
                f"{list(table.columns)} (set data.files.split_column)"
            )
        named = table[config.split_column].map(split_name)
        if named.isna().any():
            row = int(named.isna().to_numpy().nonzero()[0][0])
            raise PipelineError(
                f"{path}, row {row + 1}: split '{table[config.split_column].iloc[row]}' is not "
                "train, validation (dev) or test"
            )
        for name in paths.SPLITS:
            part = table[(named == name).to_numpy()].reset_index(drop=True)
            if len(part):
                tables[name], sources[name] = (
                    part,
                    f"{path} (the rows with {config.split_column}={name})",
                )
        if "train" not in tables:
            raise PipelineError(f"{path}: no row has {config.split_column}=train")
    layout = Layout(file_format=fmt, header=config.header)
    return tables, sources, columns, layout


def _split_files(config: DataConfig) -> dict[str, Path]:
    path = config.path
    if path.is_file():
        return {"train": path}
    if not path.is_dir():
        raise PipelineError(f"data.path={str(path)!r}: no such file or folder")
    if config.split_column is not None:
        raise PipelineError(
            f"data.files.split_column is set, so data.path must be one file, not the folder {path}"
        )
    files = {split: path / name for split, name in config.files.items() if name is not None}
    if "train" not in files:
        raise PipelineError("data.files.train is null: the training file is required")
    for split, file in files.items():
        if not file.is_file():
            raise PipelineError(f"data.files.{split}: {file}: no such file")
    return files


def _texts_and_ids(
    table: pd.DataFrame, source: str, split: str, columns: Columns, config: DataConfig,
    notes: list[str],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Checked ids and texts of the rows kept, and which rows those are."""
    if len(table) == 0:
        raise PipelineError(f"{source}: no rows (an empty split); add texts or leave the file out")
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
    empty = (texts.str.strip() == "").to_numpy()
    keep = ~empty
    if empty.any():
        if config.empty_text == "error":
            raise PipelineError(
                f"{source}, row {int(empty.nonzero()[0][0]) + 1}: the text is empty "
                f"({int(empty.sum())} such row(s)); remove them, or set data.empty_text=drop"
            )
        notes.append(f"{split}: dropped {int(empty.sum())} empty text(s) from {source}")
        if not keep.any():
            raise PipelineError(f"{source}: every text is empty")
    if columns.id is None:
        ids = np.array([f"{split}-{row + 1}" for row in range(len(table))], dtype=object)
    else:
        id_values = table[columns.id]
        missing = id_values.isna().to_numpy() | (id_values.astype(str).str.strip() == "").to_numpy()
        if missing.any():
            raise label_formats.missing_value(source, int(missing.nonzero()[0][0]), columns.id)
        ids = id_values.astype(str).to_numpy(dtype=object)
        repeated = pd.Series(ids).duplicated(keep=False).to_numpy()
        if repeated.any():
            value = ids[repeated.nonzero()[0][0]]
            rows = [int(row) + 1 for row in (ids == value).nonzero()[0]]
            raise PipelineError(
                f"{source}: id {value!r} appears in rows {rows}; every id must be unique"
            )
    return ids[keep], texts.to_numpy(dtype=object)[keep], keep


def _raw_labels(
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


def _kept(labels: np.ndarray | list | None, keep: np.ndarray) -> np.ndarray | list | None:
    """The labels of the rows kept (an empty text may have been dropped)."""
    if labels is None or isinstance(labels, np.ndarray):
        return None if labels is None else labels[keep]
    return [row for row, kept in zip(labels, keep, strict=True) if kept]


def _names(rows: list[list], source: str) -> list[list[str]]:
    for row, labels in enumerate(rows):
        for label in labels:
            if not isinstance(label, str):
                raise PipelineError(
                    f"{source}, row {row + 1}: label {label!r} is not a name; for integer label "
                    "ids set data.labels.names_file"
                )
    return rows


def _label_names(
    spec: LabelSpec, resolved: ResolvedLabels, raw_labels: dict, names_by_id: tuple[str, ...] | None
) -> list[str]:
    """A given list fixes the labels and their order; else the label columns, or the names found
    in the data, sorted."""
    if names_by_id is not None:
        return list(names_by_id)
    if resolved.format == "columns":
        return list(resolved.columns)
    if spec.names is not None:
        return list(spec.names)
    found = {
        label
        for rows in raw_labels.values()
        if rows is not None
        for labels in rows
        for label in labels
    }
    return sorted(str(label) for label in found)


def _check_unique_ids(splits: dict[str, Split], sources: dict[str, str]) -> None:
    seen: dict[str, str] = {}
    for split, data in splits.items():
        for text_id in data.ids:
            if text_id in seen and seen[text_id] != split:
                raise PipelineError(
                    f"id {text_id!r} is in both {sources[seen[text_id]]} and {sources[split]}: a text "
                    "in two splits leaks between training and evaluation"
                )
            seen.setdefault(text_id, split)


def _split_off_missing(splits: dict[str, Split], config: DataConfig, notes: list[str]) -> None:
    """Test (when asked) and validation split off train by iterative stratification; fractions
    are of the training data as read."""
    removed = 0.0
    wanted = [("test", config.test_fraction), ("validation", config.validation_fraction)]
    for split, fraction in wanted:
        if split in splits or fraction == 0:
            continue
        train = splits["train"]
        kept, split_off = stratified_split(train.gold, fraction / (1 - removed), config.split_seed)
        splits[split], splits["train"] = train.take(split_off), train.take(kept)
        removed += fraction
        notes.append(
            f"{split}: {len(split_off)} texts split off train (stratified, seed {config.split_seed})"
        )
    if "validation" not in splits:
        raise PipelineError(
            "there is no validation split: give one (data.files.validation) or set "
            "data.split.validation to the fraction of train to split off"
        )


def _warn_unseen_labels(train_gold: np.ndarray, label_names: list[str]) -> None:
    unseen = [
        name for name, count in zip(label_names, train_gold.sum(axis=0), strict=True) if count == 0
    ]
    if unseen:
        warnings.warn(
            f"label(s) {unseen} never occur in train: the model cannot learn them", stacklevel=2
        )


def _layout(layout: Layout, resolved: ResolvedLabels, columns: Columns, label_ids: bool) -> Layout:
    return Layout(
        kind=layout.kind,
        file_format=layout.file_format,
        header=layout.header,
        id_column=columns.id or "id",
        text_column=columns.text,
        label_format=resolved.format,
        label_column=resolved.columns[0] if resolved.format != "columns" else "labels",
        delimiter=columns.labels.delimiter,
        label_ids=label_ids,
    )
