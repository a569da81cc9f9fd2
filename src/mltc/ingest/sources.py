"""Sources: each split of what the params point at (the SemEval release, your files, one file with
a split column, the Hub) as tables read in chunks of CHUNK_ROWS rows, and where their ids, texts
and labels are."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from mltc.core import paths
from mltc.core.errors import PipelineError
from mltc.core.labels import Layout
from mltc.core.split_files import split_name
from mltc.core.tables import file_format, read_table_chunks
from mltc.ingest import hub, semeval
from mltc.ingest.config import DataConfig
from mltc.ingest.label_formats import LabelSpec

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
