import json

import pytest
import torch
from transformers import AutoModelForSequenceClassification

from mltc.modeling import cpu_dropout, registry
from mltc.modeling.build import build_model


@pytest.mark.parametrize("p", [0.1, 0.5])
def test_keep_mask_keeps_each_element_with_probability_one_minus_p(p):
    torch.manual_seed(0)
    mask = cpu_dropout.keep_mask(torch.Size([1000, 1001]), p)  # a count not divisible by 4
    assert mask.dtype == torch.bool and mask.shape == (1000, 1001)
    assert abs(mask.float().mean().item() - (1 - p)) < 0.002  # ~4 standard deviations
    assert abs(mask[:, -1].float().mean().item() - (1 - p)) < 0.06  # the last column too


def test_keep_mask_follows_the_torch_seed():
    masks = []
    for seed in (3, 3, 4):
        torch.manual_seed(seed)
        masks.append(cpu_dropout.keep_mask(torch.Size([64, 50]), 0.1))
    assert torch.equal(masks[0], masks[1])
    assert not torch.equal(masks[0], masks[2])


def test_drop_zeroes_or_rescales_and_its_gradient_uses_the_same_mask():
    values = torch.rand(200, 30, dtype=torch.float64) + 0.5
    values.requires_grad_(True)
    out = cpu_dropout.drop(values, 0.2, training=True)
    kept = out != 0
    assert 0.7 < kept.double().mean().item() < 0.9
    torch.testing.assert_close(out[kept], values[kept] / 0.8)
    out.sum().backward()
    torch.testing.assert_close(values.grad, kept.double() / 0.8)


def test_drop_scales_bf16_values_exactly_as_torch_dropout_does():
    values = torch.rand(300, 40).to(torch.bfloat16)
    out = cpu_dropout.drop(values, 0.1, training=True)
    kept = out != 0
    reference = torch.nn.functional.dropout(values, 0.1, training=True)  # another mask
    both = kept & (reference != 0)
    assert out.dtype == torch.bfloat16 and both.any()
    assert torch.equal(out[both], reference[both])


def test_drop_is_the_identity_outside_training_or_at_p_zero():
    values = torch.rand(8, 5)
    assert cpu_dropout.drop(values, 0.3, training=False) is values
    assert cpu_dropout.drop(values, 0.0, training=True) is values


@pytest.fixture
def tiny_pair(schema):
    """The same tiny classifier twice: as built, and with use_cpu_dropout applied."""
    spec = registry.resolve("tiny")
    torch.manual_seed(0)
    plain = build_model(spec, schema, dropout=0.1).eval()
    swapped = build_model(spec, schema, dropout=0.1)
    swapped.load_state_dict(plain.state_dict())
    return plain, cpu_dropout.use_cpu_dropout(swapped).eval()


def test_use_cpu_dropout_swaps_every_dropout_layer_and_the_attention(tiny_pair):
    plain, swapped = tiny_pair
    rates = [m.p for m in plain.modules() if isinstance(m, torch.nn.Dropout)]
    swapped_layers = [m for m in swapped.modules() if isinstance(m, torch.nn.Dropout)]
    assert all(type(m) is cpu_dropout.CpuDropout for m in swapped_layers)
    assert [m.p for m in swapped_layers] == rates
    assert swapped.config._attn_implementation == cpu_dropout.ATTENTION


def test_swapped_model_predicts_as_before_with_padding(tiny_pair):
    plain, swapped = tiny_pair
    ids = torch.randint(1000, 2000, (3, 9))
    mask = torch.ones_like(ids)
    mask[1, 5:] = 0  # a padded text
    mask[2, 2:] = 0
    with torch.no_grad():
        expected = plain(input_ids=ids, attention_mask=mask).logits
        actual = swapped(input_ids=ids, attention_mask=mask).logits
    torch.testing.assert_close(actual, expected, rtol=1e-4, atol=1e-5)


def test_swapped_model_trains_reproducibly_from_the_seed(tiny_pair):
    _, swapped = tiny_pair
    swapped.train()
    ids = torch.randint(1000, 2000, (4, 12))
    outputs = []
    for seed in (5, 5, 6):
        torch.manual_seed(seed)
        outputs.append(swapped(input_ids=ids).logits.detach())
    assert torch.equal(outputs[0], outputs[1])
    assert not torch.equal(outputs[0], outputs[2])  # dropout is on: the seed matters


def test_saved_model_loads_with_default_attention(tiny_pair, tmp_path):
    _, swapped = tiny_pair
    swapped.save_pretrained(tmp_path)
    config = json.loads((tmp_path / "config.json").read_text())
    assert cpu_dropout.ATTENTION not in json.dumps(config)
    reloaded = AutoModelForSequenceClassification.from_pretrained(tmp_path)
    assert reloaded.config._attn_implementation == "sdpa"
    assert not any(isinstance(m, cpu_dropout.CpuDropout) for m in reloaded.modules())
