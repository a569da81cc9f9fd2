"""benchmarks/adaptive_pretraining.py: the masked-language-model pass over the training texts
writes an encoder that the pipeline loads as a local model, moved by the pass, its pooler kept."""

import json

import torch
from safetensors.torch import load_file
from transformers import AutoModel

from benchmarks.adaptive_pretraining import pretrain
from mltc.modeling import registry
from mltc.modeling.model_files import load_tokenizer


def test_the_pass_moves_the_encoder_keeps_its_pooler_and_writes_a_loadable_model(
    raw_slice, tmp_path
):
    texts = raw_slice["train"]["text"][:32]
    out = tmp_path / "minilm-tapt"
    summary = pretrain("minilm", texts, out, 2, 1e-3, 16, 64, 0)
    original = AutoModel.from_pretrained(registry.weights_location(registry.REGISTRY["minilm"]))
    before = original.state_dict()
    after = load_file(out / "model.safetensors")
    assert set(after) == set(before)
    assert all(torch.equal(after[name], before[name]) for name in before if "pooler" in name)
    moved = [name for name in before if "encoder.layer" in name]
    assert all(not torch.equal(after[name], before[name]) for name in moved)
    spec = registry.resolve(str(out))  # what `model: <folder>` and member_study --model read
    assert spec.source == "local"
    assert (
        load_tokenizer(spec)("a text").input_ids
        == load_tokenizer(registry.REGISTRY["minilm"])("a text").input_ids
    )
    written = json.loads((out / "adaptive_pretraining.json").read_text())
    assert written == summary
    assert (summary["texts"], summary["epochs"], len(summary["loss_by_epoch"])) == (32, 2, 2)
