import pytest

from mltc.errors import PipelineError
from mltc.modeling import registry
from mltc.modeling.build import build_model, load_tokenizer, max_positions


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
