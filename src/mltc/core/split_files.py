"""The uniform raw splits that `download` writes and every later stage reads.

One Parquet file per split: `id`, `text`, and for a labelled split `labels`, a 0/1 list per text
in the order of `labels.json`.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from datasets import Dataset

from mltc.core import paths
from mltc.core.errors import PipelineError
from mltc.core.labels import LabelSchema
from mltc.core.stats import LabelTally

SPLIT_ALIASES = {"dev": "validation", "valid": "validation", "val": "validation"}


def split_name(name: str) -> str | None:
    """train, validation or test for a split's own name (dev, valid and val mean validation)."""
    name = str(name).strip().lower()
    name = SPLIT_ALIASES.get(name, name)
    return name if name in paths.SPLITS else None


def available_splits() -> list[str]:
    return [split for split in paths.SPLITS if paths.raw_split(split).is_file()]


def _existing(split: str) -> Path:
    path = paths.raw_split(split)
    if not path.is_file():
        raise PipelineError(f"missing {path}: run dvc repro download")
    return path


def read_split(split: str, columns: Sequence[str] | None = None) -> pd.DataFrame:
    return pd.read_parquet(_existing(split), columns=list(columns) if columns else None)


def split_dataset(split: str, cache_dir: Path) -> Dataset:
    """A split as an Arrow-backed Dataset: converted batch by batch into `cache_dir` and read
    from there memory-mapped, so that a split of any size is never in memory whole."""
    return Dataset.from_parquet(str(_existing(split)), cache_dir=str(cache_dir))


def label_count(dataset: Dataset) -> int | None:
    """The number of labels of a split's rows (download writes the same for every row)."""
    if "labels" not in dataset.column_names or len(dataset) == 0:
        return None
    return len(dataset[0]["labels"])


def gold_matrix(frame: pd.DataFrame, schema: LabelSchema, split: str) -> np.ndarray | None:
    """The (texts x labels) 0/1 matrix of a split, checked against labels.json, or None when
    the split has no labels."""
    if "labels" not in frame.columns:
        return None
    gold = np.stack(frame["labels"].to_numpy()).astype(np.int8)
    schema.check_label_count(gold.shape[1], str(paths.raw_split(split)))
    return gold


def split_table(ids: np.ndarray, texts: np.ndarray, gold: np.ndarray | None) -> pa.Table:
    """Rows in the raw schema: id, text and (when labelled) a list of 0/1 int8 per text."""
    columns = {"id": pa.array(ids, pa.string()), "text": pa.array(texts, pa.string())}
    if gold is not None:
        gold = np.ascontiguousarray(gold, dtype=np.int8)
        offsets = np.arange(len(gold) + 1, dtype=np.int32) * gold.shape[1]
        columns["labels"] = pa.ListArray.from_arrays(offsets, pa.array(gold.ravel()))
    return pa.table(columns)


def label_rows(column: pa.Array | pa.ChunkedArray, texts: int, dtype: type) -> np.ndarray:
    """A labels column (a list per text) as a (texts x labels) matrix, read from Arrow without a
    Python object per value."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    values = column.flatten().to_numpy(zero_copy_only=False)
    return values.astype(dtype, copy=False).reshape(texts, -1)


def read_chunks(path: Path, rows: int) -> Iterator[tuple[int, "Split"]]:
    """A raw split file back in chunks of `rows`, each with the number of rows before it."""
    before = 0
    for batch in pq.ParquetFile(path).iter_batches(batch_size=rows):
        part = Split.from_arrow(batch)
        yield before, part
        before += len(part.ids)


@dataclass
class Split:
    """A split's rows: ids, texts and the 0/1 label matrix (None for an unlabelled split)."""

    ids: np.ndarray  # str
    texts: np.ndarray  # str
    gold: np.ndarray | None  # int8 (texts x labels)

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

    @classmethod
    def concat(cls, parts: list["Split"]) -> "Split":
        gold = [part.gold for part in parts]
        return cls(
            np.concatenate([part.ids for part in parts]),
            np.concatenate([part.texts for part in parts]),
            None if gold[0] is None else np.concatenate(gold),
        )

    @classmethod
    def from_arrow(cls, batch: pa.RecordBatch) -> "Split":
        ids = batch.column("id").to_numpy(zero_copy_only=False)
        texts = batch.column("text").to_numpy(zero_copy_only=False)
        gold = None
        if "labels" in batch.schema.names:
            gold = label_rows(batch.column("labels"), len(ids), np.int8)
        return cls(ids, texts, gold)


class SplitWriters:
    """Writes rows of each split to `<folder>/<split>.parquet` as they come (or to the files
    given), keeping the first `max_rows` of each split, and tallies what each file holds."""

    def __init__(self, folder: Path, max_rows: int | None, files: dict[str, Path] | None = None):
        self.folder, self.max_rows, self.files = Path(folder), max_rows, files or {}
        self.writers: dict[str, pq.ParquetWriter] = {}
        self.tallies: dict[str, LabelTally] = {}

    def write(self, split: str, rows: Split) -> None:
        tally = self.tallies.setdefault(split, LabelTally())
        room = len(rows.ids) if self.max_rows is None else self.max_rows - tally.texts
        if room <= 0 and split in self.writers:
            return
        keep = slice(0, max(room, 0))
        gold = None if rows.gold is None else rows.gold[keep]
        table = split_table(rows.ids[keep], rows.texts[keep], gold)
        if split not in self.writers:
            path = self.files.get(split, self.folder / f"{split}.parquet")
            self.writers[split] = pq.ParquetWriter(path, table.schema)
        self.writers[split].write_table(table)
        tally.add(len(table), gold)

    def __enter__(self) -> "SplitWriters":
        return self

    def __exit__(self, *exc) -> None:
        for writer in self.writers.values():
            writer.close()
