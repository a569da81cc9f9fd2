"""The modeling sections of params.yaml: `preprocess`, `train`, `distributed`, `evaluate`."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mltc.core.errors import PipelineError
from mltc.core.text import NORMALISED, POOLINGS, TextEncoding, Windows
from mltc.core.validation import flag, integer, number, one_of, params_section
from mltc.modeling.hardware import PRECISIONS
from mltc.modeling.registry import ModelSpec

BEST_MODEL_METRICS = ("micro_f1", "macro_f1", "jaccard", "loss")


SAMPLING_STRATEGIES = ("group_by_length", "random")

# the fused kernel does the AdamW update in one pass over each tensor (CPU and GPU), same maths
OPTIMIZERS = ("adamw_torch_fused", "adamw_torch")

RENDEZVOUS_BACKENDS = ("c10d", "static")

LOSSES = ("bce", "asymmetric", "correlation")

# a plain or attention head's output bias at the start: zero (each label starts at probability
# 0.5), or each label's log-odds in the training labels (mltc.modeling.training.prior_logits)
HEAD_BIASES = ("zero", "prior")

LONG_TEXTS = (
    "truncate",
    "windows",
)  # what preprocess does with a text longer than max_length  # mltc.modeling.training


def check_setting(value: object) -> bool | str:
    """train.label_aware as given, or one line naming the param and its values."""
    if isinstance(value, bool) or value in ("auto", "attention"):
        return value
    raise PipelineError(f"train.label_aware={value!r}: expected true, false, auto or attention")


def label_aware(params: dict[str, Any]) -> bool | str:
    """train.label_aware: true (the label names go first in every input,
    mltc.modeling.label_aware), false, "auto" (mltc.modeling.input_choice decides from the
    names' length) or "attention" (the text alone, the names read once into per-label queries:
    mltc.modeling.label_attention); read by preprocess, which writes the inputs, and by train,
    which builds the head."""
    return check_setting(params.get("train", {}).get("label_aware", False))


@dataclass(frozen=True)
class PreprocessConfig:
    max_length: int
    num_proc: int  # processes that tokenize
    windows: Windows | None = None  # preprocess.long_texts: windows (else truncate)
    normalise: str | None = None  # preprocess.normalise: tweets (else none: the text as it is)

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> "PreprocessConfig":
        section = params_section(params, "preprocess")
        long_texts = one_of(
            "preprocess", "long_texts", section.get("long_texts", "truncate"), LONG_TEXTS
        )
        windows = None
        if long_texts == "windows":
            given = section.get("windows")
            if not isinstance(given, dict):
                raise PipelineError(
                    f"preprocess.long_texts=windows needs preprocess.windows (overlap, pooling, "
                    f"max_windows), not {given!r}: copy the section from the project's params.yaml"
                )
            windows = Windows(
                overlap=integer("preprocess.windows", "overlap", given.get("overlap"), minimum=0),
                pooling=one_of("preprocess.windows", "pooling", given.get("pooling"), POOLINGS),
                max_windows=integer("preprocess.windows", "max_windows", given.get("max_windows")),
            )
        normalise = one_of(
            "preprocess", "normalise", section.get("normalise", "none"), ("none", *NORMALISED)
        )
        return cls(
            max_length=integer("preprocess", "max_length", section.get("max_length")),
            num_proc=integer("preprocess", "num_proc", section.get("num_proc", 1)),
            windows=windows,
            normalise=None if normalise == "none" else normalise,
        )

    def text_encoding(self, label_aware: bool, label_names: Sequence[str]) -> TextEncoding:
        """How a member reads each text: label names first when it is label-aware, long texts
        truncated or read as windows, normalised or as it stands."""
        return TextEncoding.for_model(
            self.max_length, label_aware, label_names, self.windows, self.normalise
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
    loss: str
    layer_decay: float  # 1: every layer at the full rate (mltc.modeling.layer_decay)
    head_bias: str
    label_aware: bool | str  # True, False, "auto" or "attention" (mltc.modeling.input_choice)
    precision: str
    logging_steps: int
    seed: int

    @classmethod
    def from_params(cls, params: dict[str, Any], spec: ModelSpec) -> "TrainConfig":
        section = params_section(params, "train")

        def get(key: str) -> Any:
            value = section.get(key)
            return getattr(spec, key) if value is None and hasattr(spec, key) else value

        return cls(
            learning_rate=number(
                "train", "learning_rate", get("learning_rate"), lambda v: v > 0, "a number > 0"
            ),
            batch_size=integer("train", "batch_size", get("batch_size")),
            epochs=integer("train", "epochs", get("epochs")),
            eval_batch_size=integer("train", "eval_batch_size", get("eval_batch_size")),
            weight_decay=number(
                "train", "weight_decay", get("weight_decay"), lambda v: v >= 0, "a number >= 0"
            ),
            warmup_ratio=number(
                "train",
                "warmup_ratio",
                get("warmup_ratio"),
                lambda v: 0 <= v < 1,
                "a number in [0, 1)",
            ),
            metric_for_best_model=one_of(
                "train", "metric_for_best_model", get("metric_for_best_model"), BEST_MODEL_METRICS
            ),
            early_stopping_patience=integer(
                "train", "early_stopping_patience", get("early_stopping_patience"), allow_none=True
            ),
            sampling_strategy=one_of(
                "train", "sampling_strategy", get("sampling_strategy"), SAMPLING_STRATEGIES
            ),
            optimizer=one_of("train", "optimizer", get("optimizer"), OPTIMIZERS),
            dropout=number(
                "train",
                "dropout",
                get("dropout"),
                lambda v: 0 <= v < 1,
                "a number in [0, 1)",
                allow_none=True,
            ),
            pos_weight_power=number(
                "train",
                "pos_weight_power",
                section.get("pos_weight_power", 0.0),
                lambda v: 0 <= v <= 1,
                "a number in [0, 1]",
            ),
            loss=one_of("train", "loss", section.get("loss", "bce"), LOSSES),
            layer_decay=number(
                "train",
                "layer_decay",
                section.get("layer_decay", 1.0),
                lambda v: 0 < v <= 1,
                "a number in (0, 1]",
            ),
            head_bias=one_of("train", "head_bias", section.get("head_bias", "prior"), HEAD_BIASES),
            label_aware=label_aware(params),
            precision=one_of("train", "precision", get("precision"), PRECISIONS),
            logging_steps=integer("train", "logging_steps", get("logging_steps")),
            seed=integer("train", "seed", get("seed"), minimum=0),
        )


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
        section = params_section(params, "distributed")
        save_on_each_node = flag(
            "distributed", "save_on_each_node", section.get("save_on_each_node", False)
        )
        endpoint = section.get("rdzv_endpoint")
        host, _, port = str(endpoint).rpartition(":")
        if not isinstance(endpoint, str) or not host or not port.isdigit():
            raise PipelineError(
                f"distributed.rdzv_endpoint={endpoint!r}: expected host:port, e.g. node0:29400"
            )
        config = cls(
            nproc_per_node=integer("distributed", "nproc_per_node", section.get("nproc_per_node")),
            nnodes=integer("distributed", "nnodes", section.get("nnodes")),
            rdzv_backend=one_of(
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
        section = params_section(params, "evaluate")
        return cls(
            batch_size=integer("evaluate", "batch_size", section.get("batch_size")),
            precision=one_of("evaluate", "precision", section.get("precision"), PRECISIONS),
        )
