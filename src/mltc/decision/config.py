"""`tune_thresholds` of params.yaml: how the decision rule is tuned on validation."""

from dataclasses import dataclass
from itertools import product
from typing import Any

from mltc.core.errors import PipelineError
from mltc.core.validation import integer, number, one_of, params_section

THRESHOLD_STRATEGIES = ("global", "per_label")


THRESHOLD_OBJECTIVES = ("micro_f1", "macro_f1", "jaccard")


@dataclass(frozen=True)
class TuningConfig:
    """How decision thresholds are tuned on validation; `auto` choices go by cross-validation."""

    strategy: str  # global, per_label, or auto
    objective: str
    min_labels: int | str  # 0, 1, or auto
    grid_step: float
    shrinkage: float
    cv_folds: int
    seed: int
    min_support: int = (
        0  # per_label: a label with fewer validation positives keeps the global threshold
    )

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> "TuningConfig":
        name = "tune_thresholds"
        section = params_section(params, name)
        min_labels = section.get("min_labels")
        if min_labels not in (0, 1, "auto") or isinstance(min_labels, bool):
            raise PipelineError(f"{name}.min_labels={min_labels!r}: allowed values are 0, 1, auto")
        return cls(
            strategy=one_of(
                name, "strategy", section.get("strategy"), (*THRESHOLD_STRATEGIES, "auto")
            ),
            objective=one_of(name, "objective", section.get("objective"), THRESHOLD_OBJECTIVES),
            min_labels=min_labels,
            grid_step=number(
                name,
                "grid_step",
                section.get("grid_step"),
                lambda v: 0 < v <= 0.5,
                "a number in (0, 0.5]",
            ),
            shrinkage=number(
                name,
                "shrinkage",
                section.get("shrinkage"),
                lambda v: 0 <= v <= 1,
                "a number in [0, 1]",
            ),
            cv_folds=integer(name, "cv_folds", section.get("cv_folds"), minimum=2),
            seed=integer(name, "seed", section.get("seed"), minimum=0),
            min_support=integer(name, "min_support", section.get("min_support", 0), minimum=0),
        )

    def candidates(self) -> list[tuple[str, int]]:
        """(strategy, min_labels) pairs to compare, simplest first."""
        strategies = THRESHOLD_STRATEGIES if self.strategy == "auto" else (self.strategy,)
        fallbacks = (0, 1) if self.min_labels == "auto" else (int(self.min_labels),)
        return list(product(strategies, fallbacks))
