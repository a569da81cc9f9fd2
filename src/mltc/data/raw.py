"""The uniform raw splits that `download` writes and every later stage reads.

One Parquet file per split: `id`, `text`, and for a labelled split `labels`, a 0/1 list per text
in the order of `labels.json`.
"""

from collections.abc import Sequence

import numpy as np
import pandas as pd

from mltc import paths
from mltc.data.labels import LabelSchema
from mltc.errors import PipelineError

SPLIT_ALIASES = {"dev": "validation", "valid": "validation", "val": "validation"}


def split_name(name: str) -> str | None:
    """train, validation or test for a split's own name (dev, valid and val mean validation)."""
    name = str(name).strip().lower()
    name = SPLIT_ALIASES.get(name, name)
    return name if name in paths.SPLITS else None


def available_splits() -> list[str]:
    return [split for split in paths.SPLITS if paths.raw_split(split).is_file()]


def read_split(split: str, columns: Sequence[str] | None = None) -> pd.DataFrame:
    path = paths.raw_split(split)
    if not path.is_file():
        raise PipelineError(f"missing {path}: run dvc repro download")
    return pd.read_parquet(path, columns=list(columns) if columns else None)


def gold_matrix(frame: pd.DataFrame, schema: LabelSchema, split: str) -> np.ndarray | None:
    """The (texts x labels) 0/1 matrix of a split, checked against labels.json, or None when
    the split has no labels."""
    if "labels" not in frame.columns:
        return None
    gold = np.stack(frame["labels"].to_numpy()).astype(np.int8)
    schema.check_label_count(gold.shape[1], str(paths.raw_split(split)))
    return gold
