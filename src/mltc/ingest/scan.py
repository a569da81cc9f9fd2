"""The first pass over the data: `scan` reads every chunk once and checks every row, reads the
labels in their format and fixes the label list, keeping only ids and counts; nothing is written
before it has passed. `chunks` then gives each split's ids, texts and 0/1 label matrix chunk by
chunk (the checks passed)."""

from collections.abc import Iterator
from dataclasses import dataclass

from mltc.core import paths
from mltc.core.errors import PipelineError
from mltc.core.labels import LabelSchema, Layout
from mltc.core.split_files import Split
from mltc.ingest import label_formats
from mltc.ingest.checks import (
    IdRegister,
    check_texts,
    empty_split,
    fixed_label_names,
    label_lists,
    raw_labels,
    rows_counted_from,
    texts_and_ids,
)
from mltc.ingest.config import DataConfig
from mltc.ingest.label_formats import ResolvedLabels
from mltc.ingest.sources import Columns, SourceSplit, read_source
from mltc.ingest.stratify import split_off_size


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
    split_of_id: dict[str, tuple[str, str, int]]  # every id read -> its split, source and row


def scan(config: DataConfig) -> Scanned:
    """Read every row once and check it; keep ids, counts and label names, not the texts."""
    sources, columns, layout = read_source(config)
    train = sources["train"]
    first = next(train.read(), None)
    if first is None or len(first) == 0:
        raise empty_split(train.name)
    reserved = [c for c in (columns.id, columns.text, config.split_column) if c is not None]
    resolved = label_formats.resolve(columns.labels, first, reserved, train.name)
    names_by_id = (
        label_formats.read_names_file(columns.labels.names_file)
        if columns.labels.names_file is not None
        else None
    )
    fixed_names = fixed_label_names(columns.labels, resolved, names_by_id)
    ids, found, labelled, notes, kept_rows = IdRegister(), set(), [], [], {}
    for split, source in sources.items():
        texts = empty = 0
        first_empty = None
        for chunk, before in source.numbered():
            with rows_counted_from(before, source.name):
                chunk_ids, _, keep = texts_and_ids(chunk, source.name, split, columns, before)
                named = label_lists(chunk, resolved, source.name, split, columns, names_by_id)
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
        check_texts(source.name, split, texts, empty, first_empty, config, notes)
        kept_rows[split] = texts - empty
    split_off = splits_to_split_off(config, sources, kept_rows["train"])
    label_names = list(fixed_names) if fixed_names is not None else sorted(map(str, found))
    schema = LabelSchema(
        label_names=tuple(label_names),
        labelled_splits=tuple(s for s in paths.SPLITS if s in labelled or s in split_off),
        layout=output_layout(layout, resolved, columns, names_by_id is not None),
    )
    return Scanned(
        config, sources, columns, resolved, names_by_id, schema, split_off, notes, ids.seen
    )


def chunks(scanned: Scanned) -> Iterator[tuple[str, Split]]:
    """Each source split's kept rows, chunk by chunk, as ids, texts and a 0/1 label matrix (the
    checks passed in `scan`)."""
    names = scanned.schema.label_names
    for split, source in scanned.sources.items():
        for chunk, before in source.numbered():
            ids, texts, keep = texts_and_ids(chunk, source.name, split, scanned.columns, before)
            if scanned.resolved.format == "columns":
                gold = raw_labels(
                    chunk, scanned.resolved, source.name, split, scanned.columns.labels
                )
            else:
                named = label_lists(
                    chunk, scanned.resolved, source.name, split, scanned.columns,
                    scanned.names_by_id,
                )  # fmt: skip
                gold = (
                    None
                    if named is None
                    else label_formats.matrix_from_lists(named, names, source.name)
                )
            yield split, Split(ids[keep], texts[keep], None if gold is None else gold[keep])


def output_layout(
    layout: Layout, resolved: ResolvedLabels, columns: Columns, label_ids: bool
) -> Layout:
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


def splits_to_split_off(config: DataConfig, sources: dict, train_rows: int) -> tuple[str, ...]:
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
