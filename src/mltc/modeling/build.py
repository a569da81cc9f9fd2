"""Load tokenizers and build classification models from a ModelSpec."""

from pathlib import Path

from transformers import (
    AutoConfig,
    AutoModelForSequenceClassification,
    AutoTokenizer,
    PretrainedConfig,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)

from mltc.data.labels import LabelSchema
from mltc.errors import PipelineError
from mltc.modeling.registry import OFFLINE_ALIASES, ModelSpec, weights_location

PROBLEM_TYPE = "multi_label_classification"
# the config keys that hold dropout probabilities, across BERT, RoBERTa and DistilBERT configs
DROPOUT_KEYS = (
    "hidden_dropout_prob",
    "attention_probs_dropout_prob",
    "dropout",
    "attention_dropout",
    "seq_classif_dropout",
)
UNBOUNDED_LENGTH = 1_000_000  # tokenizers report ~1e30 when they set no limit


def _unreachable(spec: ModelSpec, error: Exception) -> PipelineError:
    return PipelineError(
        f"model={spec.alias}: cannot load '{weights_location(spec)}' ({type(error).__name__}: "
        f"{str(error).splitlines()[0] if str(error) else ''}). Without the Hugging Face Hub use an "
        f"offline model: model={' or model='.join(OFFLINE_ALIASES)}, or the path of a local folder"
    )


def load_tokenizer(spec: ModelSpec) -> PreTrainedTokenizerBase:
    """The model's tokenizer; fails fast, naming the Hub id and offline choices, when unreachable."""
    try:
        return AutoTokenizer.from_pretrained(weights_location(spec))
    except (OSError, ValueError) as error:
        raise _unreachable(spec, error) from error


def max_positions(spec: ModelSpec, tokenizer: PreTrainedTokenizerBase) -> int:
    """The longest input (in tokens) the model accepts."""
    if spec.source == "config":
        limit = spec.config["max_position_embeddings"]
    else:
        config = AutoConfig.from_pretrained(weights_location(spec))
        limit = getattr(config, "max_position_embeddings", UNBOUNDED_LENGTH)
        if config.model_type in {"roberta", "xlm-roberta", "camembert"}:
            limit -= 2  # RoBERTa reserves two positions for the padding offset
    if tokenizer.model_max_length < UNBOUNDED_LENGTH:
        limit = min(limit, tokenizer.model_max_length)
    return limit


def build_model(
    spec: ModelSpec, schema: LabelSchema, dropout: float | None = None
) -> PreTrainedModel:
    """A sequence classifier with one sigmoid output per label, id2label/label2id set.

    `dropout` replaces every dropout probability in the config; None keeps the checkpoint's.
    """
    label_config = {
        "num_labels": len(schema.label_names),
        "id2label": schema.id2label,
        "label2id": schema.label2id,
        "problem_type": PROBLEM_TYPE,
    }
    if spec.source == "config":
        config_values = dict(spec.config)
        config = AutoConfig.for_model(config_values.pop("model_type"), **config_values)
        return AutoModelForSequenceClassification.from_config(
            _with_overrides(config, label_config, dropout)
        )
    try:
        config = AutoConfig.from_pretrained(weights_location(spec))
        return AutoModelForSequenceClassification.from_pretrained(
            weights_location(spec), config=_with_overrides(config, label_config, dropout)
        )
    except (OSError, ValueError) as error:
        raise _unreachable(spec, error) from error


def _with_overrides(
    config: PretrainedConfig, label_config: dict, dropout: float | None
) -> PretrainedConfig:
    config.update(label_config)
    if dropout is not None:
        config.update({key: dropout for key in DROPOUT_KEYS if hasattr(config, key)})
    return config


def load_classifier(folder: Path) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """A fine-tuned model folder (as the train stage saves it) and its tokenizer."""
    if not (Path(folder) / "config.json").is_file():
        raise PipelineError(f"{folder} holds no model: run dvc repro train")
    model = AutoModelForSequenceClassification.from_pretrained(folder)
    return model, AutoTokenizer.from_pretrained(folder)
