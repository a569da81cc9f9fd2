"""Typed, validated views of params.yaml sections.

Every check runs before any expensive work and fails with one line naming the param.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, fields
from itertools import product
from pathlib import Path
from typing import Any

from mltc.data.label_formats import LABEL_FORMATS, LabelSpec
from mltc.data.readers import FILE_FORMATS
from mltc.data.semeval import LANGUAGE_CODES
from mltc.errors import PipelineError
from mltc.modeling.registry import ModelSpec

BEST_MODEL_METRICS = ("micro_f1", "macro_f1", "jaccard", "loss")
PRECISIONS = (
    "auto",
    "fp32",
    "bf16",
    "fp16",
)  # auto: bf16 where native (see mltc.modeling.hardware)
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


def _flag(section: str, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise PipelineError(f"{section}.{key}={value!r}: expected true or false")
    return value


def label_aware(params: dict[str, Any]) -> bool:
    """train.label_aware: the label names go first in every input (mltc.modeling.label_aware);
    read by preprocess, which writes the inputs, and by train, which builds the head."""
    return _flag("train", "label_aware", params.get("train", {}).get("label_aware", False))


DATA_SOURCES = ("semeval", "files", "hub")
EMPTY_TEXT_ACTIONS = ("error", "drop")


def _optional_str(section: str, key: str, value: Any) -> str | None:
    """A string param that may be null; numbers (column positions) become strings."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise PipelineError(f"{section}.{key}={value!r}: expected a name or null")
    return str(value)


def _names(section: str, key: str, value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not value:
        raise PipelineError(f"{section}.{key}={value!r}: expected a list of names or null")
    return tuple(str(name) for name in value)


@dataclass(frozen=True)
class DataConfig:
    """`data` of params.yaml: where the texts and labels are and how to read them."""

    source: str
    path: Path
    language: str
    files: dict[str, str | None]
    file_format: str
    header: bool
    split_column: str | None
    hub_dataset: str | None
    hub_config: str | None
    hub_data_dir: str | None
    hub_revision: str | None
    id_column: str | None
    text_column: str
    labels: LabelSpec
    validation_fraction: float
    test_fraction: float
    split_seed: int
    empty_text: str
    max_rows: int | None

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> "DataConfig":
        section = _section(params, "data")

        def sub(name: str) -> dict[str, Any]:
            value = section.get(name) or {}
            if not isinstance(value, dict):
                raise PipelineError(f"data.{name}: expected a mapping, got {value!r}")
            return value

        files, hub, columns, labels, split = (
            sub(name) for name in ("files", "hub", "columns", "labels", "split")
        )
        header = _flag("data.files", "header", files.get("header", True))
        names_file = _optional_str("data.labels", "names_file", labels.get("names_file"))
        delimiter = labels.get("delimiter", " ")
        if not isinstance(delimiter, str) or not delimiter:
            raise PipelineError(f"data.labels.delimiter={delimiter!r}: expected a non-empty string")

        def fraction(split_name: str) -> float:
            """The share of the training data split off as `split_name` when it is missing."""
            value = split.get(split_name, 0.1)
            return _number(
                "data.split", split_name, value, lambda v: 0 <= v < 1, "a number in [0, 1)"
            )

        text_column = _optional_str("data.columns", "text", columns.get("text", "text"))
        if text_column is None:
            raise PipelineError("data.columns.text is null: name the column that holds the texts")
        config = cls(
            source=_choice("data", "source", section.get("source"), DATA_SOURCES),
            path=Path(str(section.get("path"))),
            language=_choice(
                "data.semeval",
                "language",
                sub("semeval").get("language", "English"),
                tuple(LANGUAGE_CODES),
            ),
            files={
                split: _optional_str("data.files", split, files.get(split))
                for split in ("train", "validation", "test")
            },
            file_format=_choice(
                "data.files", "format", files.get("format", "auto"), ("auto", *FILE_FORMATS)
            ),
            header=header,
            split_column=_optional_str("data.files", "split_column", files.get("split_column")),
            hub_dataset=_optional_str("data.hub", "dataset", hub.get("dataset")),
            hub_config=_optional_str("data.hub", "config", hub.get("config")),
            hub_data_dir=_optional_str("data.hub", "data_dir", hub.get("data_dir")),
            hub_revision=_optional_str("data.hub", "revision", hub.get("revision")),
            id_column=_optional_str("data.columns", "id", columns.get("id")),
            text_column=text_column,
            labels=LabelSpec(
                format=_choice(
                    "data.labels", "format", labels.get("format", "auto"), LABEL_FORMATS
                ),
                columns=_names("data.labels", "columns", labels.get("columns")),
                column=str(labels.get("column", "labels")),
                delimiter=delimiter,
                names=_names("data.labels", "names", labels.get("names")),
                names_file=Path(names_file) if names_file else None,
            ),
            validation_fraction=fraction("validation"),
            test_fraction=fraction("test"),
            split_seed=_integer("data.split", "seed", split.get("seed", 42), minimum=0),
            empty_text=_choice(
                "data", "empty_text", section.get("empty_text", "error"), EMPTY_TEXT_ACTIONS
            ),
            max_rows=_integer("data", "max_rows", section.get("max_rows"), allow_none=True),
        )
        if config.validation_fraction + config.test_fraction >= 1:
            raise PipelineError(
                f"data.split.validation + data.split.test = "
                f"{config.validation_fraction + config.test_fraction}: must be below 1"
            )
        if not config.path.exists():
            raise PipelineError(
                f"data.path={str(config.path)!r} does not exist (paths are relative to the project "
                "root): point it at your data file or folder"
            )
        if config.source == "hub" and config.hub_dataset is None:
            raise PipelineError(
                "data.source=hub needs data.hub.dataset (a Hub id or a local folder)"
            )
        return config


@dataclass(frozen=True)
class PreprocessConfig:
    max_length: int
    num_proc: int  # processes that tokenize

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> "PreprocessConfig":
        section = _section(params, "preprocess")
        return cls(
            max_length=_integer("preprocess", "max_length", section.get("max_length")),
            num_proc=_integer("preprocess", "num_proc", section.get("num_proc", 1)),
        )

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
    pos_weight_power: float
    label_aware: bool
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
            pos_weight_power=_number(
                "train",
                "pos_weight_power",
                section.get("pos_weight_power", 0.0),
                lambda v: 0 <= v <= 1,
                "a number in [0, 1]",
            ),
            label_aware=label_aware(params),
            precision=_choice("train", "precision", get("precision"), PRECISIONS),
            logging_steps=_integer("train", "logging_steps", get("logging_steps")),
            seed=_integer("train", "seed", get("seed"), minimum=0),
        )


RENDEZVOUS_BACKENDS = ("c10d", "static")


@dataclass(frozen=True)
class DistributedConfig:
    """`distributed`: the processes torchrun starts for the train stage. dvc.yaml's train command
    passes these values to torchrun; this checks them and holds what the processes need."""

    nproc_per_node: int
    nnodes: int
    rdzv_backend: str
    rdzv_endpoint: str
    save_on_each_node: bool

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> "DistributedConfig":
        section = _section(params, "distributed")
        save_on_each_node = _flag(
            "distributed", "save_on_each_node", section.get("save_on_each_node", False)
        )
        endpoint = section.get("rdzv_endpoint")
        host, _, port = str(endpoint).rpartition(":")
        if not isinstance(endpoint, str) or not host or not port.isdigit():
            raise PipelineError(
                f"distributed.rdzv_endpoint={endpoint!r}: expected host:port, e.g. node0:29400"
            )
        config = cls(
            nproc_per_node=_integer("distributed", "nproc_per_node", section.get("nproc_per_node")),
            nnodes=_integer("distributed", "nnodes", section.get("nnodes")),
            rdzv_backend=_choice(
                "distributed", "rdzv_backend", section.get("rdzv_backend"), RENDEZVOUS_BACKENDS
            ),
            rdzv_endpoint=endpoint,
            save_on_each_node=save_on_each_node,
        )
        if config.nnodes > 1 and config.rdzv_backend != "static":
            raise PipelineError(
                f"distributed.nnodes={config.nnodes} needs distributed.rdzv_backend=static: the "
                "machine that runs dvc must be node 0, which writes the outputs (c10d numbers the "
                "machines by host name)"
            )
        if config.rdzv_backend == "static" and int(port) == 0:
            raise PipelineError(
                f"distributed.rdzv_endpoint={endpoint!r}: the static rendezvous needs a fixed "
                "port that every machine can reach (port 0 picks a free one on one machine only)"
            )
        return config

    @property
    def world_size(self) -> int:
        return self.nproc_per_node * self.nnodes

    def check_launched(self, world_size: int) -> None:
        """The processes that run must be the ones the params ask for (`dvc repro` launches
        them from dvc.yaml's train command; by hand, torchrun must get the same numbers)."""
        if world_size != self.world_size:
            raise PipelineError(
                f"the train stage runs in {world_size} process(es) but distributed.nproc_per_node="
                f"{self.nproc_per_node} x nnodes={self.nnodes} ask for {self.world_size}: launch "
                "it with dvc repro, or give torchrun the same numbers"
            )

    def per_process_batch(self, batch_size: int) -> int:
        """`train.batch_size` is the global batch: each process takes an equal share of it."""
        if batch_size % self.world_size:
            raise PipelineError(
                f"train.batch_size={batch_size} is the global batch and must split evenly over "
                f"{self.world_size} processes (distributed.nproc_per_node={self.nproc_per_node} x "
                f"nnodes={self.nnodes}): use a multiple of {self.world_size}"
            )
        return batch_size // self.world_size


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


MEMBER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def member_overrides(name: Any, overrides: Any) -> dict[str, Any]:
    """The params one ensemble member changes: `model`, or any key of the train section."""
    where = f"ensemble.members.{name}"
    if not isinstance(name, str) or not MEMBER_NAME.fullmatch(name):
        raise PipelineError(
            f"{where}: a member name is letters, digits, '-', '_' and '.' (it names folders)"
        )
    overrides = {} if overrides is None else overrides
    if not isinstance(overrides, dict):
        raise PipelineError(
            f"{where}={overrides!r}: expected the params the member changes, e.g. {{seed: 43}}"
        )
    allowed = ("model", *(field.name for field in fields(TrainConfig)))
    for key in overrides:
        if key not in allowed:
            raise PipelineError(
                f"{where}.{key}: unknown; a member changes model or a train key "
                f"({', '.join(allowed[1:])})"
            )
    return overrides


def member_params(params: dict[str, Any], name: str) -> dict[str, Any]:
    """What member `name` trains with: the top-level model and train section, changed by the
    member's own keys (a stage reads only its member's entry of ensemble.members)."""
    members = _section(params, "ensemble").get("members") or {}
    if name not in members:
        raise PipelineError(
            f"ensemble.members has no member '{name}': members are {', '.join(map(str, members))}"
        )
    overrides = member_overrides(name, members[name])
    # a stage that tracks no train params (preprocess) sees only the member's train keys
    train = {**params.get("train", {}), **{k: v for k, v in overrides.items() if k != "model"}}
    return {**params, "model": overrides.get("model", params["model"]), "train": train}


@dataclass(frozen=True)
class EnsembleConfig:
    """The members, averaged with equal weights, and the baseline's candidate weights."""

    members: dict[str, dict[str, Any]]  # name -> the params it changes
    baseline_weights: tuple[float, ...]  # chosen on validation; (0.0,) leaves the baseline out

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> "EnsembleConfig":
        section = _section(params, "ensemble")
        members = section.get("members")
        if not isinstance(members, dict) or not members:
            raise PipelineError(
                f"ensemble.members={members!r}: expected one member or more, e.g. {{minilm: {{}}}}"
            )
        weights = section.get("baseline_weights")
        if not isinstance(weights, list) or not weights:
            raise PipelineError(
                f"ensemble.baseline_weights={weights!r}: expected a list of numbers in [0, 1) "
                "([0.0] leaves the baseline out)"
            )
        return cls(
            members={name: member_overrides(name, value) for name, value in members.items()},
            baseline_weights=tuple(
                _number(
                    "ensemble", "baseline_weights", w, lambda v: 0 <= v < 1, "numbers in [0, 1)"
                )
                for w in weights
            ),
        )


def stage_member(argv: list[str]) -> str:
    """The member a per-member stage runs for: `python stages/<stage>.py MEMBER` (dvc.yaml)."""
    names = [arg for arg in argv if not arg.startswith("--")]
    if len(names) != 1:
        raise PipelineError(
            "name the ensemble member: python stages/<stage>.py MEMBER (dvc repro runs every one)"
        )
    return names[0]
