"""From whatever the params point at to the pipeline's uniform splits.

A source gives tables (one per split it has), read in chunks of CHUNK_ROWS rows. `scan` reads
every chunk once and checks every row, reads the labels in their format and fixes the label list,
keeping only ids and counts; nothing is written before it has passed. `chunks` then gives each
split's `id`, `text` and 0/1 label matrix chunk by chunk, and `write_raw` writes them (splitting
off missing splits by iterative stratification) with memory bounded by the chunk size, the ids
and, when a split is split off, train's label matrix (a byte per text and label). `load` gives
the same splits in memory.
"""

import warnings
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mltc import paths
from mltc.data import hub, label_formats, raw, semeval
from mltc.data.label_formats import LabelSpec, ResolvedLabels
from mltc.data.labels import LabelSchema, Layout
from mltc.data.raw import Split, split_name
from mltc.data.readers import file_format, read_table_chunks
from mltc.data.splits import split_off_size, stratified_split
from mltc.data.stats import LabelTally
from mltc.errors import PipelineError
from mltc.params import DataConfig

CHUNK_ROWS = 50_000  # rows read, checked and written at a time


@dataclass(frozen=True)
class Columns:
    """Where a source's tables keep ids, texts and labels."""

    id: str | None
    text: str
    labels: LabelSpec


@dataclass(frozen=True)
class SourceSplit:
    """One split as the source gives it: a name for messages, and its rows chunk by chunk."""

    name: str
    read: Callable[[], Iterator[pd.DataFrame]]  # a fresh pass over the rows at each call

    def numbered(self) -> Iterator[tuple[pd.DataFrame, int]]:
        """Each chunk with the number of rows before it."""
        before = 0
        for chunk in self.read():
            yield chunk, before
            before += len(chunk)


@dataclass
class Scanned:
    """What `scan` found: the sources, how to read their labels, the label contract, and the
    splits to split off train."""

    config: DataConfig
    sources: dict[str, SourceSplit]
    columns: Columns
    resolved: ResolvedLabels
    names_by_id: tuple[str, ...] | None
    schema: LabelSchema
    split_off: tuple[str, ...]  # test and/or validation, split off train in this order
    notes: list[str]  # what was dropped, for the stage's log


@dataclass
class LoadedData:
    splits: dict[str, Split]
    schema: LabelSchema
    notes: list[str]  # what was dropped or split off, for the stage's log


def scan(config: DataConfig) -> Scanned:
    """Read every row once and check it; keep ids, counts and label names, not the texts."""
    sources, columns, layout = read_source(config)
    train = sources["train"]
    first = next(train.read(), None)
    if first is None or len(first) == 0:
        raise _empty_split(train.name)
    reserved = [c for c in (columns.id, columns.text, config.split_column) if c is not None]
    resolved = label_formats.resolve(columns.labels, first, reserved, train.name)
    names_by_id = (
        label_formats.read_names_file(columns.labels.names_file)
        if columns.labels.names_file is not None
        else None
    )
    fixed_names = _fixed_label_names(columns.labels, resolved, names_by_id)
    ids, found, labelled, notes, kept_rows = _IdRegister(), set(), [], [], {}
    for split, source in sources.items():
        texts = empty = 0
        first_empty = None
        for chunk, before in source.numbered():
            with _rows_counted_from(before, source.name):
                chunk_ids, _, keep = _texts_and_ids(chunk, source.name, split, columns, before)
                named = _label_lists(chunk, resolved, source.name, split, columns, names_by_id)
                if named is not None and fixed_names is not None:
                    label_formats.matrix_from_lists(named, fixed_names, source.name)
            ids.add(chunk_ids, split, source.name, before)
            if named is not None and fixed_names is None:
                found.update(
                    label for row, kept in zip(named, keep, strict=True) if kept for label in row
                )
            if before == 0 and resolved.present_in(chunk):
                labelled.append(split)
            texts += len(chunk)
            if not keep.all():
                first_empty = (
                    before + int((~keep).nonzero()[0][0]) if first_empty is None else first_empty
                )
                empty += int((~keep).sum())
        ids.check_split()
        _check_texts(source.name, split, texts, empty, first_empty, config, notes)
        kept_rows[split] = texts - empty
    split_off = _splits_to_split_off(config, sources, kept_rows["train"])
    label_names = list(fixed_names) if fixed_names is not None else sorted(map(str, found))
    schema = LabelSchema(
        label_names=tuple(label_names),
        labelled_splits=tuple(s for s in paths.SPLITS if s in labelled or s in split_off),
        layout=_layout(layout, resolved, columns, names_by_id is not None),
    )
    return Scanned(config, sources, columns, resolved, names_by_id, schema, split_off, notes)


def chunks(scanned: Scanned) -> Iterator[tuple[str, Split]]:
    """Each source split's kept rows, chunk by chunk, as ids, texts and a 0/1 label matrix (the
    checks passed in `scan`)."""
    names = scanned.schema.label_names
    for split, source in scanned.sources.items():
        for chunk, before in source.numbered():
            ids, texts, keep = _texts_and_ids(chunk, source.name, split, scanned.columns, before)
            if scanned.resolved.format == "columns":
                gold = _raw_labels(
                    chunk, scanned.resolved, source.name, split, scanned.columns.labels
                )
            else:
                named = _label_lists(
                    chunk, scanned.resolved, source.name, split, scanned.columns,
                    scanned.names_by_id,
                )  # fmt: skip
                gold = (
                    None
                    if named is None
                    else label_formats.matrix_from_lists(named, names, source.name)
                )
            yield split, Split(ids[keep], texts[keep], None if gold is None else gold[keep])


def load(config: DataConfig) -> LoadedData:
    """Every split in memory (for small data and tests; the download stage uses write_raw)."""
    scanned = scan(config)
    parts: dict[str, list[Split]] = defaultdict(list)
    for split, part in chunks(scanned):
        parts[split].append(part)
    splits = {split: Split.concat(found) for split, found in parts.items()}
    notes = list(scanned.notes)
    if scanned.split_off:
        assignment, split_notes = split_off_train(splits["train"].gold, scanned)
        notes += split_notes
        splits |= {split: splits["train"].take(rows) for split, rows in assignment.items()}
    if config.max_rows is not None:
        splits = {
            split: data.take(np.arange(min(config.max_rows, len(data.ids))))
            for split, data in splits.items()
        }
    splits = {split: splits[split] for split in paths.SPLITS if split in splits}
    warn_unseen_labels(LabelTally.of(splits["train"].gold), scanned.schema.label_names)
    return LoadedData(splits, scanned.schema, notes)


def write_raw(scanned: Scanned, folder: Path) -> tuple[dict[str, LabelTally], list[str]]:
    """The splits as `data/raw` holds them, written chunk by chunk into `folder`; what each
    holds (texts, label counts) and notes for the log."""
    notes = list(scanned.notes)
    with raw.SplitWriters(folder, scanned.config.max_rows) as writers:
        if not scanned.split_off:
            for split, part in chunks(scanned):
                writers.write(split, part)
        else:
            unsplit = folder / ".train-before-split-off.parquet"
            train_gold = []
            with raw.SplitWriters(folder, None, {"train": unsplit}) as train_writer:
                for split, part in chunks(scanned):
                    if split == "train":
                        train_writer.write(split, part)
                        train_gold.append(part.gold)
                    else:
                        writers.write(split, part)
            assignment, split_notes = split_off_train(np.concatenate(train_gold), scanned)
            notes += split_notes
            destination = np.empty(sum(len(gold) for gold in train_gold), dtype=object)
            for split, rows in assignment.items():
                destination[rows] = split
            for before, part in raw.read_chunks(unsplit, CHUNK_ROWS):
                for split in assignment:
                    writers.write(
                        split, part.take(destination[before : before + len(part.ids)] == split)
                    )
            unsplit.unlink()
    warn_unseen_labels(writers.tallies["train"], scanned.schema.label_names)
    return writers.tallies, notes


def split_off_train(
    train_gold: np.ndarray, scanned: Scanned
) -> tuple[dict[str, np.ndarray], list[str]]:
    """The train rows of each split after test (when asked) and validation are split off train by
    iterative stratification; fractions are of the training data as read."""
    config = scanned.config
    rows, assignment, notes, removed = np.arange(len(train_gold)), {}, [], 0.0
    fractions = {"test": config.test_fraction, "validation": config.validation_fraction}
    for split in scanned.split_off:
        kept, split_off = stratified_split(
            train_gold[rows], fractions[split] / (1 - removed), config.split_seed
        )
        assignment[split], rows = rows[split_off], rows[kept]
        removed += fractions[split]
        notes.append(
            f"{split}: {len(split_off)} texts split off train (stratified, seed {config.split_seed})"
        )
    assignment["train"] = rows
    return assignment, notes


def _splits_to_split_off(config: DataConfig, sources: dict, train_rows: int) -> tuple[str, ...]:
    """Which missing splits come off train; checked here, before anything is read twice."""
    wanted = [("test", config.test_fraction), ("validation", config.validation_fraction)]
    split_off, removed, rows = [], 0.0, train_rows
    for split, fraction in wanted:
        if split in sources or fraction == 0:
            continue
        held_out = split_off_size(rows, fraction / (1 - removed))
        split_off.append(split)
        rows, removed = rows - held_out, removed + fraction
    if "validation" not in sources and "validation" not in split_off:
        raise PipelineError(
            "there is no validation split: give one (data.files.validation) or set "
            "data.split.validation to the fraction of train to split off"
        )
    return tuple(split_off)


def read_source(config: DataConfig) -> tuple[dict[str, SourceSplit], Columns, Layout]:
    """Each split's rows (in chunks) with a name for messages, their columns, and the layout."""
    if config.source == "semeval":
        tables, label_spec = semeval.read_release(config.path, config.language)
        sources = {
            split: _in_memory(str(semeval.release_file(config.path, config.language, split)), table)
            for split, table in tables.items()
        }
        return (
            sources,
            Columns(semeval.ID_COLUMN, semeval.TEXT_COLUMN, label_spec),
            semeval.LAYOUT,
        )
    columns = Columns(config.id_column, config.text_column, config.labels)
    if config.source == "hub":
        tables = hub.read_hub(
            config.hub_dataset, config.hub_config, config.hub_data_dir, config.hub_revision
        )
        sources = {
            split: _in_memory(f"{config.hub_dataset} ({split})", table)
            for split, table in tables.items()
        }
        return sources, columns, Layout(file_format="parquet")
    files = _split_files(config)
    fmt = file_format(next(iter(files.values())), config.file_format)

    def reader(path: Path) -> Callable[[], Iterator[pd.DataFrame]]:
        return lambda: read_table_chunks(path, CHUNK_ROWS, fmt, config.header)

    if config.split_column is None:
        sources = {split: SourceSplit(str(path), reader(path)) for split, path in files.items()}
    else:
        sources = _sources_by_split_column(
            files["train"], reader(files["train"]), config.split_column
        )
    return sources, columns, Layout(file_format=fmt, header=config.header)


def _in_memory(name: str, table: pd.DataFrame) -> SourceSplit:
    return SourceSplit(name, lambda: iter([table]))


def _sources_by_split_column(
    path: Path, read: Callable[[], Iterator[pd.DataFrame]], column: str
) -> dict[str, SourceSplit]:
    """One file whose `column` names each row's split: one source per split found."""
    found = set()
    before = 0
    for chunk in read():
        found.update(_split_names(chunk, path, column, before))
        before += len(chunk)
    if "train" not in found:
        raise PipelineError(f"{path}: no row has {column}=train")

    def rows_of(name: str) -> Callable[[], Iterator[pd.DataFrame]]:
        def chunks_of_split() -> Iterator[pd.DataFrame]:
            for chunk in read():
                part = chunk[(chunk[column].map(split_name) == name).to_numpy()]
                if len(part):
                    yield part.reset_index(drop=True)

        return chunks_of_split

    return {
        name: SourceSplit(f"{path} (the rows with {column}={name})", rows_of(name))
        for name in paths.SPLITS
        if name in found
    }


def _split_names(chunk: pd.DataFrame, path: Path, column: str, before: int) -> set[str]:
    if column not in chunk.columns:
        raise PipelineError(
            f"{path}: no split column '{column}'; columns are {list(chunk.columns)} "
            "(set data.files.split_column)"
        )
    named = chunk[column].map(split_name)
    if named.isna().any():
        row = int(named.isna().to_numpy().nonzero()[0][0])
        raise PipelineError(
            f"{path}, row {before + row + 1}: split '{chunk[column].iloc[row]}' is not "
            "train, validation (dev) or test"
        )
    return set(named)


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


def _check_texts(
    source: str, split: str, texts: int, empty: int, first_empty: int | None,
    config: DataConfig, notes: list[str],
) -> None:  # fmt: skip
    if texts == 0:
        raise _empty_split(source)
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


def _empty_split(source: str) -> PipelineError:
    return PipelineError(f"{source}: no rows (an empty split); add texts or leave the file out")


class _IdRegister:
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
def _rows_counted_from(before: int, source: str) -> Iterator[None]:
    """An error about a chunk names its row as counted from the start of the split."""
    try:
        yield
    except PipelineError as error:
        prefix, message = f"{source}, row ", str(error)
        if before == 0 or not message.startswith(prefix):
            raise
        number, rest = message[len(prefix) :].split(":", 1)
        raise PipelineError(f"{prefix}{int(number) + before}:{rest}") from error


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


def _label_lists(
    table: pd.DataFrame, resolved: ResolvedLabels, source: str, split: str, columns: Columns,
    names_by_id: tuple[str, ...] | None,
) -> list[list[str]] | None:  # fmt: skip
    """Each row's label names (list and delimited formats), or None for an unlabelled split; for
    the columns format, the 0/1 columns are checked and None is returned."""
    labels = _raw_labels(table, resolved, source, split, columns.labels)
    if labels is None or isinstance(labels, np.ndarray):
        return None
    if names_by_id is not None:
        return label_formats.names_from_ids(labels, names_by_id, source)
    return _names(labels, source)


def _names(rows: list[list], source: str) -> list[list[str]]:
    for row, labels in enumerate(rows):
        for label in labels:
            if not isinstance(label, str):
                raise PipelineError(
                    f"{source}, row {row + 1}: label {label!r} is not a name; for integer label "
                    "ids set data.labels.names_file"
                )
    return rows


def _fixed_label_names(
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
