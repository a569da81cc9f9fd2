"""Dropout for CPU training with cheaper random masks.

On a CPU, torch's dropout draws one Bernoulli sample per element (`bernoulli_`), and on
tweet-length batches that takes about 15% of a MiniLM training step. Here each 64-bit random
word gives the masks of four elements: an element is dropped when its 16-bit share falls below
round(p * 65536), so the drop probability is p to within 1/65536. The draws come from torch's
seeded CPU generator, so runs stay reproducible. GPUs draw dropout masks fast already and keep
torch's own dropout.
"""

import torch
from torch import nn
from transformers import AttentionInterface, PreTrainedModel
from transformers.masking_utils import AttentionMaskInterface, eager_mask

ATTENTION = "mltc_cpu_dropout"  # the attention implementation name, for the duration of training


def keep_mask(shape: torch.Size, p: float) -> torch.Tensor:
    """A boolean mask of `shape`: True (keep) with probability 1 - p, to within 1/65536."""
    count = shape.numel()
    words = torch.empty((count + 3) // 4, dtype=torch.int64).random_(-(2**63), None)
    shares = words.view(torch.int16)[:count].view(shape)  # uniform over [-32768, 32767]
    return shares >= round(p * 65536) - 32768


def drop(values: torch.Tensor, p: float, training: bool) -> torch.Tensor:
    """`nn.functional.dropout` with the masks of `keep_mask` (kept values scaled by 1/(1-p));
    values off the CPU go to torch's own dropout."""
    if values.device.type != "cpu":
        return nn.functional.dropout(values, p, training)
    if not training or p == 0:
        return values
    return values * (keep_mask(values.shape, p).to(values.dtype) * (1.0 / (1.0 - p)))


class CpuDropout(nn.Dropout):
    """An `nn.Dropout` (same p and repr) whose masks come from `keep_mask` on the CPU."""

    def forward(self, values: torch.Tensor) -> torch.Tensor:
        return drop(values, self.p, self.training)


def attention(
    module: nn.Module,
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    attention_mask: torch.Tensor | None,
    scaling: float | None = None,
    dropout: float = 0.0,
    **kwargs,
) -> tuple[torch.Tensor, torch.Tensor]:
    """transformers' eager attention, with the attention-probability dropout of this module."""
    if scaling is None:
        scaling = query.size(-1) ** -0.5
    weights = torch.matmul(query, key.transpose(2, 3)) * scaling
    if attention_mask is not None:
        weights = weights + attention_mask
    weights = drop(nn.functional.softmax(weights, dim=-1), dropout, module.training)
    return torch.matmul(weights, value).transpose(1, 2).contiguous(), weights


AttentionInterface.register(ATTENTION, attention)
AttentionMaskInterface.register(ATTENTION, eager_mask)


def use_cpu_dropout(model: PreTrainedModel) -> PreTrainedModel:
    """Swap the model's dropout layers, and its attention where the model lets one plug in, for
    these cheaper-mask versions (in place; the weights and config values are untouched)."""
    for parent in model.modules():
        for name, child in parent.named_children():
            if type(child) is nn.Dropout:
                setattr(parent, name, CpuDropout(child.p, child.inplace))
    if getattr(model, "_supports_attention_backend", False):
        model.set_attn_implementation(ATTENTION)
    return model
