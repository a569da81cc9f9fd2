import shutil

import pytest

from mltc.errors import PipelineError
from mltc.modeling import registry
from mltc.modeling.build import build_model, load_classifier, load_tokenizer, max_positions


def test_aliases_resolve_with_their_own_defaults():
    assert registry.resolve("bert").location == "google-bert/bert-base-uncased"
    assert registry.resolve("minilm").learning_rate > 5 * registry.resolve("bert").learning_rate
    assert set(registry.OFFLINE_ALIASES) == {"minilm", "tiny"}


def test_unknown_alias_lists_the_allowed_values():
    with pytest.raises(PipelineError, match="model='gpt5': unknown alias; use one of minilm, bert"):
        registry.resolve("gpt5")


def test_local_model_folder_is_accepted(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    spec = registry.resolve(str(tmp_path))
    assert (spec.source, spec.location) == ("local", str(tmp_path))
    with pytest.raises(PipelineError, match=r"that folder has no config\.json"):
        registry.resolve(str(tmp_path.parent))


def test_unreachable_hub_model_fails_naming_the_hub_id_and_offline_choices():
    with pytest.raises(PipelineError) as error:
        load_tokenizer(registry.resolve("distilbert"))
    message = str(error.value)
    assert "distilbert/distilbert-base-uncased" in message
    assert "model=minilm or model=tiny" in message


def test_packaged_minilm_loads_offline_with_its_position_limit():
    spec = registry.resolve("minilm")
    tokenizer = load_tokenizer(spec)
    assert tokenizer.tokenize("Joy!") == ["joy", "!"]
    assert max_positions(spec, tokenizer) == 512


def test_tiny_model_is_random_small_and_labelled(tokenizer, schema):
    model = build_model(registry.resolve("tiny"), schema)
    assert model.config.id2label == schema.id2label
    assert model.config.num_labels == len(schema.label_names)
    assert model.config.problem_type == "multi_label_classification"
    assert model.config.vocab_size == len(tokenizer)
    assert sum(p.numel() for p in model.parameters()) < 2_000_000


def test_a_folder_with_pickled_weights_only_is_refused(tiny_model_dir, tmp_path):
    folder = tmp_path / "bin-only"
    shutil.copytree(tiny_model_dir, folder)
    (folder / "model.safetensors").rename(folder / "pytorch_model.bin")
    with pytest.raises(
        PipelineError,
        match=r"bin-only is incomplete: missing model.safetensors \(weights are read only from safetensors\)",
    ):
        load_classifier(folder)
    with pytest.raises(PipelineError, match="bin-only is incomplete"):
        load_tokenizer(registry.resolve(str(folder)))


def test_a_damaged_model_folder_names_what_is_wrong_not_the_offline_hint(tiny_model_dir, tmp_path):
    folder = tmp_path / "damaged"
    shutil.copytree(tiny_model_dir, folder)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        (folder / name).unlink()
    with pytest.raises(PipelineError, match=r"damaged is incomplete: missing a tokenizer"):
        load_classifier(folder)
    shutil.copytree(tiny_model_dir, folder, dirs_exist_ok=True)
    weights = folder / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])  # a partial download or copy
    with pytest.raises(PipelineError) as error:
        load_classifier(folder)
    assert "damaged: cannot load the model" in str(error.value)
    assert "dvc checkout" in str(error.value) and "Hugging Face Hub" not in str(error.value)


def test_remote_code_stays_off_unless_the_param_turns_it_on(tiny_model_dir, monkeypatch):
    from transformers import AutoModelForSequenceClassification

    seen = {}
    original = AutoModelForSequenceClassification.from_pretrained

    def spy(*args, **kwargs):
        seen.update(kwargs)
        return original(*args, **kwargs)

    monkeypatch.setattr(AutoModelForSequenceClassification, "from_pretrained", spy)
    load_classifier(tiny_model_dir)
    assert seen["trust_remote_code"] is False and seen["use_safetensors"] is True
    assert registry.resolve("minilm").trust_remote_code is False
    assert registry.resolve("minilm", trust_remote_code=True).trust_remote_code is True
    with pytest.raises(PipelineError, match="trust_remote_code='yes': expected true or false"):
        registry.resolve("minilm", trust_remote_code="yes")
