"""Typed, validated views of params.yaml sections.

Every check runs before any expensive work and fails with one line naming the param.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mltc.errors import PipelineError
from mltc.registry import ModelSpec
from mltc.semeval import LANGUAGE_CODES

DATA_SOURCES = ("local", "hub")
BEST_MODEL_METRICS = ("micro_f1", "macro_f1", "jaccard", "loss")
PRECISIONS = ("auto", "fp32", "bf16", "fp16")
SAMPLING_STRATEGIES = ("group_by_length", "random")


def _section(params: dict[str, Any], name: str) -> dict[str, Any]:
    section = params.get(name)
    if not isinstance(section, dict):
        raise PipelineError(f"params.yaml has no section '{name}'")
    return section


def _choice(section: str, key: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise PipelineError(f"{section}.{key}={value!r}: allowed values are {', '.join(allowed)}")
    return value


def _positive_int(section: str, key: str, value: Any, allow_none: bool = False) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        hint = "a positive integer" + (" or null" if allow_none else "")
        raise PipelineError(f"{section}.{key}={value!r}: expected {hint}")
    return value


def _positive_float(section: str, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise PipelineError(f"{section}.{key}={value!r}: expected a number > 0")
    return float(value)


def _fraction(section: str, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1:
        raise PipelineError(f"{section}.{key}={value!r}: expected a number in [0, 1)")
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
            max_rows=_positive_int(
                "download", "max_rows", section.get("max_rows"), allow_none=True
            ),
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
        return cls(max_length=_positive_int("preprocess", "max_length", section.get("max_length")))

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
    precision: str
    logging_steps: int
    seed: int

    @classmethod
    def from_params(cls, params: dict[str, Any], spec: ModelSpec) -> "TrainConfig":
        section = _section(params, "train")

        def or_default(key: str) -> Any:
            value = section.get(key)
            return getattr(spec, key) if value is None else value

        seed = section.get("seed")
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise PipelineError(f"train.seed={seed!r}: expected an integer >= 0")
        weight_decay = section.get("weight_decay")
        if (
            isinstance(weight_decay, bool)
            or not isinstance(weight_decay, int | float)
            or weight_decay < 0
        ):
            raise PipelineError(f"train.weight_decay={weight_decay!r}: expected a number >= 0")
        return cls(
            learning_rate=_positive_float("train", "learning_rate", or_default("learning_rate")),
            batch_size=_positive_int("train", "batch_size", or_default("batch_size")),
            epochs=_positive_int("train", "epochs", or_default("epochs")),
            eval_batch_size=_positive_int(
                "train", "eval_batch_size", section.get("eval_batch_size")
            ),
            weight_decay=float(weight_decay),
            warmup_ratio=_fraction("train", "warmup_ratio", section.get("warmup_ratio")),
            metric_for_best_model=_choice(
                "train",
                "metric_for_best_model",
                section.get("metric_for_best_model"),
                BEST_MODEL_METRICS,
            ),
            early_stopping_patience=_positive_int(
                "train",
                "early_stopping_patience",
                section.get("early_stopping_patience"),
                allow_none=True,
            ),
            sampling_strategy=_choice(
                "train", "sampling_strategy", section.get("sampling_strategy"), SAMPLING_STRATEGIES
            ),
            precision=_choice("train", "precision", section.get("precision"), PRECISIONS),
            logging_steps=_positive_int("train", "logging_steps", section.get("logging_steps")),
            seed=seed,
        )


@dataclass(frozen=True)
class EvaluateConfig:
    batch_size: int

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> "EvaluateConfig":
        section = _section(params, "evaluate")
        return cls(batch_size=_positive_int("evaluate", "batch_size", section.get("batch_size")))
