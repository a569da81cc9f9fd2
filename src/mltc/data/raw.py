"""The uniform raw splits that `download` writes and every later stage reads.

One Parquet file per split: `id`, `text`, and for a labelled split `labels`, a 0/1 list per text
in the order of `labels.json`.
"""

from collections.abc import Sequence

import numpy as np
import pandas as pd

from mltc import paths
from mltc.errors import PipelineError


def available_splits() -> list[str]:
    return [split for split in paths.SPLITS if paths.raw_split(split).is_file()]


def read_split(split: str, columns: Sequence[str] | None = None) -> pd.DataFrame:
    path = paths.raw_split(split)
    if not path.is_file():
        raise PipelineError(f"missing {path}: run dvc repro download")
    return pd.read_parquet(path, columns=list(columns) if columns else None)


def gold_matrix(frame: pd.DataFrame) -> np.ndarray | None:
    """The (texts x labels) 0/1 matrix of a split, or None when the split has no labels."""
    if "labels" not in frame.columns:
        return None
    return np.stack(frame["labels"].to_numpy()).astype(np.int8)
