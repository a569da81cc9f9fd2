"""Saved probabilities (what `evaluate` and `baseline` write), read back with their checks."""

from pathlib import Path

import numpy as np

from mltc.core import paths
from mltc.core.errors import PipelineError
from mltc.core.labels import LabelSchema


def load_probs(folder: Path, schema: LabelSchema, test_ids: list[str] | None) -> dict[str, dict]:
    """Saved probabilities by split, checked against the label list and the test split."""
    saved = {}
    for split in paths.EVALUATED_SPLITS:
        path = paths.probs_file(split, folder)
        if split == "test" and test_ids is None:
            continue
        if not path.is_file():
            raise PipelineError(f"missing {path}: run dvc repro")
        saved[split] = dict(np.load(path))
        schema.check_same_labels(
            saved[split]["label_names"].tolist(), str(path), "run dvc repro to recompute it"
        )
    if test_ids is not None and saved["test"]["ids"].tolist() != test_ids:
        raise PipelineError(
            f"{paths.probs_file('test', folder)} is out of step with {paths.raw_split('test')}: run dvc repro"
        )
    return saved
