"""Label-wise attention (train.label_aware: attention): the names read once into per-label
queries, the text read alone, each label scored from its query's view of the text; the saved
folder loads back to the same scores, and the head learns where a plain head's input is the same."""

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from conftest import PARAMS
from mltc.audit.member_folds import member_setup
from mltc.core.errors import PipelineError
from mltc.core.text import TextEncoding
from mltc.core.tokenized import label_matrix
from mltc.export.onnx_graphs import export_member
from mltc.export.onnx_member import OnnxMember
from mltc.modeling.build import build_model, load_classifier
from mltc.modeling.config import TrainConfig
from mltc.modeling.input_choice import LabelAwareChoice, choose_label_aware, prompt_tokens
from mltc.modeling.label_attention import LabelAttentionClassifier, name_states
from mltc.modeling.model_files import load_tokenizer
from mltc.modeling.registry import REGISTRY
from mltc.modeling.training import build_trainer, prior_logits, save_classifier

TEXTS = ["what a day", "so angry and afraid right now, truly"]


def attention_config(**train) -> TrainConfig:
    # fp32: on a CPU with native bf16, "auto" would leave the trained model under bf16 autocast
    values = {**PARAMS["train"], "epochs": 1, "label_aware": "attention", "precision": "fp32",
              **train}  # fmt: skip
    return TrainConfig.from_params({"train": values}, REGISTRY["tiny"])


@pytest.fixture(scope="module")
def model(schema) -> LabelAttentionClassifier:
    torch.manual_seed(0)
    return build_model(REGISTRY["tiny"], schema, None, label_attention=True).eval()


def test_the_queries_start_as_the_names_read_alone_and_the_input_is_the_text_alone(
    model, schema, tokenizer
):
    assert isinstance(model, LabelAttentionClassifier)
    expected = name_states(model.encoder, tokenizer, schema.label_names)
    torch.testing.assert_close(model.queries.detach(), expected)
    # "pessimism" is several word pieces: its query is their mean, [CLS] and [SEP] left out
    encoded = tokenizer("pessimism", return_tensors="pt")
    with torch.no_grad():
        states = model.encoder(**encoded).last_hidden_state[0, 1:-1]
    torch.testing.assert_close(expected[schema.label_names.index("pessimism")], states.mean(0))
    choice = choose_label_aware("attention", 128, schema.label_names, tokenizer)
    assert choice == LabelAwareChoice(
        False,
        "train.label_aware=attention: the text alone; each label scored by the attention of its "
        "name's query over the text",
        attention=True,
    )
    assert choice.head == "attention"


def test_each_label_is_scored_from_its_querys_weighted_mean_of_the_text_states(model, tokenizer):
    inputs = tokenizer(TEXTS, padding=True, return_tensors="pt")
    with torch.no_grad():
        logits = model(**inputs).logits
        short = model(**tokenizer(TEXTS[:1], return_tensors="pt")).logits
        states = model.encoder(**inputs).last_hidden_state
    assert logits.shape == (2, len(model.bias))
    # by hand for the first text (padded): its padding gets no weight, so it scores as unpadded
    torch.testing.assert_close(logits[:1], short)
    real = inputs["attention_mask"][0].bool()
    text = states[0, real]
    weights = torch.softmax(model.queries @ text.T / text.shape[1] ** 0.5, dim=-1)
    expected = ((weights @ text) * model.outputs).sum(-1) + model.bias
    torch.testing.assert_close(logits[0], expected.detach())


def test_the_saved_folder_loads_as_label_attention_and_scores_the_same(
    schema, tokenizer, processed_slice, tmp_path
):
    trainer = build_trainer(
        REGISTRY["tiny"], schema, processed_slice, tokenizer, attention_config(),
        tmp_path / "checkpoints", attention=True,
    )  # fmt: skip
    bias = prior_logits(label_matrix(processed_slice["train"]))
    torch.testing.assert_close(trainer.model.bias.detach(), bias)  # train.head_bias: prior
    trainer.train()
    save_classifier(trainer, tmp_path / "model")
    loaded, _ = load_classifier(tmp_path / "model")
    assert isinstance(loaded, LabelAttentionClassifier)
    assert loaded.config.id2label == schema.id2label
    inputs = tokenizer(TEXTS, padding=True, return_tensors="pt")
    with torch.no_grad():
        torch.testing.assert_close(loaded(**inputs).logits, trainer.model.eval()(**inputs).logits)


def test_the_onnx_export_of_a_label_attention_member_scores_as_torch(
    model, schema, tokenizer, tmp_path
):
    """The export traces the attention head like any member: its graph gives the torch
    probabilities (padding included) to float precision."""
    folder = tmp_path / "member"
    folder.mkdir()
    save_file(model.state_dict(), folder / "model.safetensors")
    model.save_config(folder)
    tokenizer.save_pretrained(folder)
    TextEncoding.for_model(64, False, schema.label_names, None).save(folder)
    export_member(folder, tmp_path / "onnx")
    texts = [*TEXTS, "x"]
    inputs = tokenizer(texts, padding=True, return_tensors="pt")
    with torch.no_grad():
        expected = torch.sigmoid(model(**inputs).logits).numpy()
    np.testing.assert_allclose(
        OnnxMember(tmp_path / "onnx").predict_proba(texts, 8), expected, atol=1e-6
    )


def test_a_name_with_no_word_for_the_tokenizer_is_refused_by_name(schema, tokenizer):
    model = build_model(REGISTRY["tiny"], schema, None)  # any encoder
    with pytest.raises(PipelineError) as error:
        name_states(model.bert, tokenizer, ["joy", "_"])
    assert str(error.value) == (
        "label '_': its name gives the model's tokenizer no word to read, so "
        "train.label_aware: attention has no query for it: rename the label, or set "
        "train.label_aware: false"
    )


def test_the_members_audit_trains_the_head_auto_chooses(schema):
    """Every fine-tuning of a member (train's, the audit's, distill's) takes the head
    mltc.modeling.input_choice gives: with `auto`, attention where the names take more than half
    of max_length."""
    params = {**PARAMS, "model": "tiny", "train": {**PARAMS["train"], "label_aware": "auto"}}
    tokens = prompt_tokens(load_tokenizer(REGISTRY["tiny"]), schema.label_names)
    heads = []
    for max_length in (2 * tokens - 1, 2 * tokens):
        params["preprocess"] = {**PARAMS["preprocess"], "max_length": max_length}
        setup = member_setup(params, "plain", schema)
        heads.append((setup.attention, setup.encoding.label_names is not None))
    assert heads == [(True, False), (False, True)]  # attention, then label-aware
