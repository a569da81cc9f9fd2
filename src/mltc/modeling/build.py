"""Build classification models from a ModelSpec, and load fine-tuned ones (their tokenizer with
them); mltc.modeling.model_files reads what needs no model."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from torch import nn
from transformers import (
    AutoConfig,
    AutoModel,
    AutoModelForSequenceClassification,
    AutoTokenizer,
    PretrainedConfig,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)

from mltc.core.errors import PipelineError, first_line
from mltc.core.labels import LabelSchema
from mltc.modeling.heads import ATTENTION, LABEL_AWARE, config_head
from mltc.modeling.label_attention import LabelAttentionClassifier, name_states
from mltc.modeling.label_aware import DROPOUT_KEYS, LabelAwareClassifier
from mltc.modeling.model_files import (
    TOKENIZER_FILES,
    WEIGHTS_FILES,
    cannot_load,
    check_model_folder,
    load_tokenizer,
)
from mltc.modeling.registry import ModelSpec, weights_location

PROBLEM_TYPE = "multi_label_classification"


def build_model(
    spec: ModelSpec,
    schema: LabelSchema,
    dropout: float | None = None,
    label_positions: list[list[int]] | None = None,
    label_attention: bool = False,
    tokenizer: PreTrainedTokenizerBase | None = None,
) -> PreTrainedModel | LabelAwareClassifier | LabelAttentionClassifier:
    """A sequence classifier with one sigmoid output per label, id2label/label2id set; with
    `label_positions` (train.label_aware), the encoder with a head over the label names' tokens;
    with `label_attention` (train.label_aware: attention), the encoder with per-label queries
    started from the names as the encoder reads them (with `tokenizer`, the model's tokenizer,
    else loaded again).

    `dropout` replaces every dropout probability in the config; None keeps the checkpoint's.
    """
    label_config = {
        "num_labels": len(schema.label_names),
        "id2label": schema.id2label,
        "label2id": schema.label2id,
        "problem_type": PROBLEM_TYPE,
    }
    encoder_only = label_positions is not None or label_attention
    architecture = AutoModel if encoder_only else AutoModelForSequenceClassification
    if spec.source == "config":
        config_values = dict(spec.config)
        config = AutoConfig.for_model(config_values.pop("model_type"), **config_values)
        model = architecture.from_config(_with_overrides(config, label_config, dropout))
    else:
        trust = spec.trust_remote_code
        try:
            config = AutoConfig.from_pretrained(weights_location(spec), trust_remote_code=trust)
            model = architecture.from_pretrained(
                weights_location(spec),
                config=_with_overrides(config, label_config, dropout),
                use_safetensors=True,
                trust_remote_code=trust,
            )
        except Exception as error:  # a damaged weights file raises safetensors' own error types
            raise cannot_load(spec, error) from error
    if label_positions is not None:
        return LabelAwareClassifier(model, label_positions)
    if label_attention:
        queries = name_states(model, tokenizer or load_tokenizer(spec), schema.label_names)
        return LabelAttentionClassifier(model, queries)
    return model


def output_layer(model: PreTrainedModel, num_labels: int) -> nn.Linear:
    """A sequence classifier's last linear layer, the one with an output per label (BERT and
    DistilBERT name it `classifier`, RoBERTa and MPNet `classifier.out_proj`)."""
    layers = [
        m for m in model.modules() if isinstance(m, nn.Linear) and m.out_features == num_labels
    ]
    if not layers or layers[-1].bias is None:
        raise PipelineError(
            f"{type(model).__name__} has no linear output layer with a bias for its {num_labels} "
            "labels: set train.head_bias: zero"
        )
    return layers[-1]


def _with_overrides(
    config: PretrainedConfig, label_config: dict, dropout: float | None
) -> PretrainedConfig:
    config.update(label_config)
    if dropout is not None:
        config.update({key: dropout for key in DROPOUT_KEYS if hasattr(config, key)})
    return config


def load_classifier(
    folder: Path, trust_remote_code: bool = False
) -> tuple[
    PreTrainedModel | LabelAwareClassifier | LabelAttentionClassifier, PreTrainedTokenizerBase
]:
    """A fine-tuned model folder (as the train stage saves it) and its tokenizer; a missing or
    damaged part is named, with how to restore it."""
    remedy = "restore it with dvc checkout, or re-run dvc repro"
    folder = Path(folder)
    check_model_folder(folder, remedy)
    weights = next(name for name in WEIGHTS_FILES if (folder / name).is_file())
    tokenizer_file = next(name for name in TOKENIZER_FILES if (folder / name).is_file())
    with _named_on_failure(folder / "config.json", remedy):
        config = AutoConfig.from_pretrained(folder, trust_remote_code=trust_remote_code)
    with _named_on_failure(folder / weights, remedy):
        head = config_head(config.to_dict())
        if head == LABEL_AWARE:
            model = LabelAwareClassifier.load(folder, config, trust_remote_code)
        elif head == ATTENTION:
            model = LabelAttentionClassifier.load(folder, config, trust_remote_code)
        else:
            model = AutoModelForSequenceClassification.from_pretrained(
                folder, config=config, use_safetensors=True, trust_remote_code=trust_remote_code
            )
    with _named_on_failure(folder / tokenizer_file, remedy):
        tokenizer = AutoTokenizer.from_pretrained(folder, trust_remote_code=trust_remote_code)
    return model, tokenizer


@contextmanager
def _named_on_failure(path: Path, remedy: str) -> Iterator[None]:
    """Any error while a part of a model folder loads (safetensors, tokenizers and transformers
    raise their own types) becomes one line naming the part's file."""
    try:
        yield
    except Exception as error:
        raise PipelineError(f"{path}: cannot load it ({first_line(error)}): {remedy}") from error
