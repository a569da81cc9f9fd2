"""Label-aware members (train.label_aware, SpanEmo): the head reads each label's name tokens, and
the folder the train stage saves loads back to the same scores."""

import copy

import pytest
import torch
from transformers import BertForSequenceClassification

from conftest import PARAMS
from mltc.core.errors import PipelineError
from mltc.data.text import TextEncoding
from mltc.modeling.build import build_model, load_classifier
from mltc.modeling.config import TrainConfig
from mltc.modeling.label_aware import LabelAwareClassifier
from mltc.modeling.members import member_overrides
from mltc.modeling.registry import REGISTRY
from mltc.modeling.training import build_trainer, save_classifier

TEXTS = ["what a day", "so angry and afraid right now"]


def batch(tokenizer, encoding: TextEncoding):
    return tokenizer.pad(encoding.encode(tokenizer, TEXTS), return_tensors="pt")


@pytest.fixture(scope="module")
def encoding(schema) -> TextEncoding:
    return TextEncoding(64, schema.label_names)


@pytest.fixture(scope="module")
def model(schema, tokenizer, encoding) -> LabelAwareClassifier:
    torch.manual_seed(0)
    return build_model(REGISTRY["tiny"], schema, None, encoding.label_positions(tokenizer)).eval()


def test_each_label_is_scored_from_the_mean_of_its_name_tokens(model, tokenizer, encoding):
    inputs = batch(tokenizer, encoding)
    with torch.no_grad():
        logits = model(**inputs).logits
        states = model.encoder(**inputs).last_hidden_state
    positions = encoding.label_positions(tokenizer)
    assert logits.shape == (len(TEXTS), len(positions))
    pessimism = encoding.label_names.index("pessimism")  # several word pieces
    assert len(positions[pessimism]) > 1
    pooled = states[:, positions[pessimism]].mean(dim=1)
    with torch.no_grad():
        expected = model.head(pooled).squeeze(-1)
    torch.testing.assert_close(logits[:, pessimism], expected)


def test_the_saved_folder_loads_as_label_aware_and_scores_the_same(
    schema, tokenizer, encoding, processed_slice, tmp_path
):
    config = TrainConfig.from_params(
        {"train": {**PARAMS["train"], "epochs": 1, "label_aware": True}}, REGISTRY["tiny"]
    )
    trainer = build_trainer(
        REGISTRY["tiny"],
        schema,
        processed_slice,
        tokenizer,
        config,
        tmp_path / "checkpoints",
        label_positions=encoding.label_positions(tokenizer),
    )
    save_classifier(trainer, tmp_path / "model")
    loaded, _ = load_classifier(tmp_path / "model")
    assert isinstance(loaded, LabelAwareClassifier)
    assert loaded.config.id2label == schema.id2label
    trained = trainer.model.eval()
    inputs = batch(tokenizer, encoding)
    with torch.no_grad():
        torch.testing.assert_close(loaded(**inputs).logits, trained(**inputs).logits)


def test_a_plain_folder_still_loads_as_a_sequence_classifier(tiny_model_dir):
    model, _ = load_classifier(tiny_model_dir)
    assert isinstance(model, BertForSequenceClassification)


def test_label_aware_must_be_true_or_false_and_a_member_may_set_it():
    params = copy.deepcopy(PARAMS)
    params["train"]["label_aware"] = "yes"
    with pytest.raises(PipelineError, match=r"train\.label_aware='yes': expected true or false"):
        TrainConfig.from_params(params, REGISTRY["minilm"])
    assert member_overrides("aware", {"label_aware": False}) == {"label_aware": False}
