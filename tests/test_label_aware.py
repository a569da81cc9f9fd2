"""Label-aware members (train.label_aware, SpanEmo): the head reads each label's name tokens, and
the folder the train stage saves loads back to the same scores."""

import copy

import pytest
import torch
from transformers import BertForSequenceClassification

from conftest import PARAMS
from mltc.core.errors import PipelineError
from mltc.core.text import TextEncoding
from mltc.modeling.build import build_model, load_classifier
from mltc.modeling.config import TrainConfig
from mltc.modeling.input_choice import LabelAwareChoice, choose_label_aware, prompt_tokens
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
        encoding=encoding,
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


def test_label_aware_must_be_true_false_or_auto_and_a_member_may_set_it():
    params = copy.deepcopy(PARAMS)
    params["train"]["label_aware"] = "yes"
    with pytest.raises(PipelineError) as error:
        TrainConfig.from_params(params, REGISTRY["minilm"])
    assert str(error.value) == "train.label_aware='yes': expected true, false, auto or attention"
    assert member_overrides("aware", {"label_aware": False}) == {"label_aware": False}


# ---- train.label_aware: auto --------------------------------------------------------------

TOPICS = tuple(f"topic_{index:03d}" for index in range(150))


def test_auto_reads_the_names_where_they_take_at_most_half_of_max_length(tokenizer, label_names):
    tokens = prompt_tokens(tokenizer, label_names)
    assert tokens == 16  # [CLS], 13 word pieces, the names' [SEP] and the text's closing [SEP]
    choice = choose_label_aware("auto", 128, label_names, tokenizer)
    assert choice == LabelAwareChoice(
        True,
        f"train.label_aware=auto: the 11 label names take {tokens} of preprocess.max_length=128 "
        "tokens (at most half): label-aware",
    )
    # the same names in an input too short for twice their length: the text alone, the names
    # read once into the label-attention head
    assert choose_label_aware("auto", 2 * tokens - 1, label_names, tokenizer).head == "attention"
    assert choose_label_aware("auto", 2 * tokens, label_names, tokenizer).head == "label-aware"


def test_auto_reads_the_names_once_into_the_head_where_150_would_fill_the_input(tokenizer):
    assert choose_label_aware("auto", 128, TOPICS, tokenizer) == LabelAwareChoice(
        False,
        f"train.label_aware=auto: the 150 label names take {prompt_tokens(tokenizer, TOPICS)} of "
        "preprocess.max_length=128 tokens, more than half: attention (the text alone; each name "
        "read once, into its label's query)",
        attention=True,
    )


def test_an_explicit_setting_is_kept_as_given(tokenizer):
    assert choose_label_aware(True, 128, TOPICS, tokenizer) == LabelAwareChoice(
        True, "train.label_aware=true"
    )
    assert choose_label_aware(False, 128, ("joy",), tokenizer) == LabelAwareChoice(
        False, "train.label_aware=false"
    )
    with pytest.raises(TypeError):  # an undecided "auto" never reaches the encoding
        TextEncoding.for_model(128, "auto", ("joy",))
