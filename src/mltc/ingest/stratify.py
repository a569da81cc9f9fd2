"""Validation and test split off a training set by iterative stratification (Sechidis et al.,
2011, via the `iterative-stratification` package), so that rare labels land in every split."""

import numpy as np
from iterstrat.ml_stratifiers import MultilabelStratifiedShuffleSplit

from mltc.core.errors import PipelineError


def stratified_split(gold: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Row indices (kept, split off), the split-off part about `fraction` of the rows, each
    label's positives shared out in proportion. Deterministic for a given seed."""
    rows = len(gold)
    held_out = split_off_size(rows, fraction)
    splitter = MultilabelStratifiedShuffleSplit(n_splits=1, test_size=held_out, random_state=seed)
    kept, split_off = next(splitter.split(np.zeros(rows), gold))
    return np.sort(kept), np.sort(split_off)


def split_off_size(rows: int, fraction: float) -> int:
    """How many of `rows` texts a split of `fraction` takes; an error when a split would be empty."""
    held_out = round(rows * fraction)
    if held_out < 1 or held_out >= rows:
        raise PipelineError(
            f"cannot split {fraction:.0%} of {rows} texts off the training data: that leaves an "
            "empty split (add data, change data.split, or give the split as its own file)"
        )
    return held_out
