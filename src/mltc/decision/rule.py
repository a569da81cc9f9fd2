"""The decision rule shipped with a model: per-label thresholds and the min_labels fallback,
in `thresholds.json` of the classifier folder."""

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mltc.core.errors import PipelineError
from mltc.core.files import read_json, write_json
from mltc.core.labels import check_same_labels
from mltc.core.metrics import DEFAULT_THRESHOLD
from mltc.decision.threshold_range import THRESHOLD_RANGE, valid_threshold

THRESHOLDS_FILE = "thresholds.json"


@dataclass(frozen=True)
class DecisionRule:
    thresholds_by_label: dict[str, float]
    min_labels: int = 0
    strategy: str = "fixed"
    objective: str | None = None

    def thresholds(self, label_names: Sequence[str]) -> np.ndarray:
        check_same_labels(
            sorted(label_names),
            sorted(self.thresholds_by_label),
            f"the decision rule ({THRESHOLDS_FILE})",
            "the thresholds were tuned for another model: re-run dvc repro tune_thresholds",
        )
        return np.array([self.thresholds_by_label[name] for name in label_names])

    def to_dict(self) -> dict:
        return {
            "thresholds": self.thresholds_by_label,
            "min_labels": self.min_labels,
            "threshold_strategy": self.strategy,
            "threshold_objective": self.objective,
        }

    @classmethod
    def fixed(
        cls, label_names: Sequence[str], threshold: float = DEFAULT_THRESHOLD
    ) -> "DecisionRule":
        return cls({name: threshold for name in label_names})


def save(model_dir: Path, rule: DecisionRule, details: dict | None = None) -> None:
    """Write thresholds.json: the rule, and `details` (how it was tuned) beside it."""
    write_json(Path(model_dir) / THRESHOLDS_FILE, {**rule.to_dict(), **(details or {})})


def load(model_dir: Path, label_names: Sequence[str]) -> DecisionRule:
    """The model's tuned rule; a model without one gets 0.5 for every label, with a warning."""
    path = Path(model_dir) / THRESHOLDS_FILE
    if not path.is_file():
        warnings.warn(
            f"{path} not found: using threshold {DEFAULT_THRESHOLD} for every label "
            "(run dvc repro tune_thresholds to tune them)",
            stacklevel=2,
        )
        return DecisionRule.fixed(label_names)
    payload = read_json(path)
    thresholds = payload.get("thresholds") if isinstance(payload, dict) else None
    valid = (
        isinstance(thresholds, dict)
        and all(valid_threshold(value) for value in thresholds.values())
        and payload.get("min_labels", 0) in (0, 1)
        and not isinstance(payload.get("min_labels", 0), bool)
    )
    if not valid:
        low, high = THRESHOLD_RANGE
        raise PipelineError(
            f"{path} is damaged: expected thresholds (a number in [{low}, {high}] per label) and "
            "min_labels (0 or 1): re-run dvc repro tune_thresholds, or restore it with dvc checkout"
        )
    return DecisionRule(
        thresholds_by_label={name: float(value) for name, value in thresholds.items()},
        min_labels=int(payload.get("min_labels", 0)),
        strategy=str(payload.get("threshold_strategy", "fixed")),
        objective=payload.get("threshold_objective"),
    )
