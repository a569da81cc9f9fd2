"""Typed, validated views of params.yaml sections.

Every check runs before any expensive work and fails with one line naming the param.
"""

from collections.abc import Callable
from dataclasses import dataclass
from itertools import product
from pathlib import Path
from typing import Any

from mltc.errors import PipelineError
from mltc.registry import ModelSpec
from mltc.semeval import LANGUAGE_CODES

DATA_SOURCES = ("local", "hub")
BEST_MODEL_METRICS = ("micro_f1", "macro_f1", "jaccard", "loss")
PRECISIONS = ("auto", "fp32", "bf16", "fp16")  # auto: bf16 where native (see mltc.hardware)
SAMPLING_STRATEGIES = ("group_by_length", "random")
# the fused kernel does the AdamW update in one pass over each tensor (CPU and GPU), same maths
OPTIMIZERS = ("adamw_torch_fused", "adamw_torch")
THRESHOLD_STRATEGIES = ("global", "per_label")
THRESHOLD_OBJECTIVES = ("micro_f1", "macro_f1", "jaccard")


def _section(params: dict[str, Any], name: str) -> dict[str, Any]:
    section = params.get(name)
    if not isinstance(section, dict):
        raise PipelineError(f"params.yaml has no section '{name}'")
    return section


def _choice(section: str, key: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise PipelineError(f"{section}.{key}={value!r}: allowed values are {', '.join(allowed)}")
    return value


def _integer(
    section: str, key: str, value: Any, minimum: int = 1, allow_none: bool = False
) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        hint = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise PipelineError(
            f"{section}.{key}={value!r}: expected {hint}{' or null' if allow_none else ''}"
        )
    return value


def _number(
    section: str,
    key: str,
    value: Any,
    valid: Callable[[float], bool],
    expected: str,
    allow_none: bool = False,
) -> float | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not valid(value):
        raise PipelineError(
            f"{section}.{key}={value!r}: expected {expected}{' or null' if allow_none else ''}"
        )
    return float(value)


@dataclass(frozen=True)
class DownloadConfig:
    source: str
    local_dir: Path
    language: str
    hub_dataset: str
    hub_revision: str
    max_rows: int | None

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> "DownloadConfig":
        section = _section(params, "download")
        config = cls(
            source=_choice("download", "source", section.get("source"), DATA_SOURCES),
            local_dir=Path(str(section.get("local_dir"))),
            language=_choice(
                "download", "language", section.get("language"), tuple(LANGUAGE_CODES)
            ),
            hub_dataset=str(section.get("hub_dataset")),
            hub_revision=str(section.get("hub_revision")),
            max_rows=_integer("download", "max_rows", section.get("max_rows"), allow_none=True),
        )
        if config.source == "local" and not config.local_dir.is_dir():
            raise PipelineError(
                f"download.local_dir={str(config.local_dir)!r} does not exist: point it at a copy of the "
                "official SemEval-2018 Task 1 release, or set download.source=hub"
            )
        return config


@dataclass(frozen=True)
class PreprocessConfig:
    max_length: int

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> "PreprocessConfig":
        section = _section(params, "preprocess")
        return cls(max_length=_integer("preprocess", "max_length", section.get("max_length")))

    def check_model_limit(self, model_limit: int, model: str) -> None:
        if self.max_length > model_limit:
            raise PipelineError(
                f"preprocess.max_length={self.max_length} exceeds model={model}'s limit of "
                f"{model_limit} tokens: allowed values are 1..{model_limit}"
            )


@dataclass(frozen=True)
class TrainConfig:
    """Trainer hyperparameters; null learning_rate/batch_size/epochs take the model's defaults."""

    learning_rate: float
    batch_size: int
    epochs: int
    eval_batch_size: int
    weight_decay: float
    warmup_ratio: float
    metric_for_best_model: str
    early_stopping_patience: int | None
    sampling_strategy: str
    optimizer: str
    dropout: float | None
    precision: str
    logging_steps: int
    seed: int

    @classmethod
    def from_params(cls, params: dict[str, Any], spec: ModelSpec) -> "TrainConfig":
        section = _section(params, "train")

        def get(key: str) -> Any:
            value = section.get(key)
            return getattr(spec, key) if value is None and hasattr(spec, key) else value

        return cls(
            learning_rate=_number(
                "train", "learning_rate", get("learning_rate"), lambda v: v > 0, "a number > 0"
            ),
            batch_size=_integer("train", "batch_size", get("batch_size")),
            epochs=_integer("train", "epochs", get("epochs")),
            eval_batch_size=_integer("train", "eval_batch_size", get("eval_batch_size")),
            weight_decay=_number(
                "train", "weight_decay", get("weight_decay"), lambda v: v >= 0, "a number >= 0"
            ),
            warmup_ratio=_number(
                "train",
                "warmup_ratio",
                get("warmup_ratio"),
                lambda v: 0 <= v < 1,
                "a number in [0, 1)",
            ),
            metric_for_best_model=_choice(
                "train", "metric_for_best_model", get("metric_for_best_model"), BEST_MODEL_METRICS
            ),
            early_stopping_patience=_integer(
                "train", "early_stopping_patience", get("early_stopping_patience"), allow_none=True
            ),
            sampling_strategy=_choice(
                "train", "sampling_strategy", get("sampling_strategy"), SAMPLING_STRATEGIES
            ),
            optimizer=_choice("train", "optimizer", get("optimizer"), OPTIMIZERS),
            dropout=_number(
                "train",
                "dropout",
                get("dropout"),
                lambda v: 0 <= v < 1,
                "a number in [0, 1)",
                allow_none=True,
            ),
            precision=_choice("train", "precision", get("precision"), PRECISIONS),
            logging_steps=_integer("train", "logging_steps", get("logging_steps")),
            seed=_integer("train", "seed", get("seed"), minimum=0),
        )


@dataclass(frozen=True)
class EvaluateConfig:
    batch_size: int
    precision: str

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> "EvaluateConfig":
        section = _section(params, "evaluate")
        return cls(
            batch_size=_integer("evaluate", "batch_size", section.get("batch_size")),
            precision=_choice("evaluate", "precision", section.get("precision"), PRECISIONS),
        )


@dataclass(frozen=True)
class BaselineConfig:
    c_grid: tuple[float, ...]  # inverse regularisation strengths tried, chosen on validation
    seed: int

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> "BaselineConfig":
        section = _section(params, "baseline")
        grid = section.get("c_grid")
        if not isinstance(grid, list) or not grid:
            raise PipelineError(f"baseline.c_grid={grid!r}: expected a list of numbers > 0")
        return cls(
            c_grid=tuple(
                _number("baseline", "c_grid", c, lambda v: v > 0, "numbers > 0") for c in grid
            ),
            seed=_integer("baseline", "seed", section.get("seed"), minimum=0),
        )


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

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> "TuningConfig":
        name = "tune_thresholds"
        section = _section(params, name)
        min_labels = section.get("min_labels")
        if min_labels not in (0, 1, "auto") or isinstance(min_labels, bool):
            raise PipelineError(f"{name}.min_labels={min_labels!r}: allowed values are 0, 1, auto")
        return cls(
            strategy=_choice(
                name, "strategy", section.get("strategy"), (*THRESHOLD_STRATEGIES, "auto")
            ),
            objective=_choice(name, "objective", section.get("objective"), THRESHOLD_OBJECTIVES),
            min_labels=min_labels,
            grid_step=_number(
                name,
                "grid_step",
                section.get("grid_step"),
                lambda v: 0 < v <= 0.5,
                "a number in (0, 0.5]",
            ),
            shrinkage=_number(
                name,
                "shrinkage",
                section.get("shrinkage"),
                lambda v: 0 <= v <= 1,
                "a number in [0, 1]",
            ),
            cv_folds=_integer(name, "cv_folds", section.get("cv_folds"), minimum=2),
            seed=_integer(name, "seed", section.get("seed"), minimum=0),
        )

    def candidates(self) -> list[tuple[str, int]]:
        """(strategy, min_labels) pairs to compare, simplest first."""
        strategies = THRESHOLD_STRATEGIES if self.strategy == "auto" else (self.strategy,)
        fallbacks = (0, 1) if self.min_labels == "auto" else (int(self.min_labels),)
        return list(product(strategies, fallbacks))
