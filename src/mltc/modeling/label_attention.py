"""Label-wise attention (`train.label_aware: attention`): the label names are read once, not in
every input. Each label's name is encoded by the encoder when the model is built, into a query;
the text is read alone, and each label is scored from its own view of the text: the attention of
its query over the text's token states, a weighted mean of them, scored by that label's output
vector (CAML, Mullenbach et al., NAACL 2018; LAAT, Vu et al., IJCAI 2020, with the queries
started from the label names). The input costs what a plain member's does at any label count,
and the head grows by two vectors and a bias per label; the activations grow with labels x
tokens (each label's attention weights) and labels x hidden (each label's view) a text, which at
thousands of labels can outweigh the encoder's: lower train.batch_size there.

The fine-tuned folder is the encoder's config.json, marked with `ATTENTION_KEY` (the label count),
and one model.safetensors for the encoder and the head.
"""

from collections.abc import Sequence

import torch
from torch import nn
from transformers import PretrainedConfig, PreTrainedModel, PreTrainedTokenizerBase

from mltc.core.errors import PipelineError
from mltc.core.text import TextEncoding
from mltc.modeling.heads import ATTENTION_KEY
from mltc.modeling.label_aware import EncoderWithHead


@torch.no_grad()
def name_states(
    encoder: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, label_names: Sequence[str]
) -> torch.Tensor:
    """Each label name as the encoder reads it alone, its words as label-aware inputs write them:
    the mean of its tokens' states, the tokenizer's special tokens left out (labels x hidden)."""
    was_training = encoder.training
    encoder.eval()
    rows = []
    words_of = TextEncoding(1, tuple(label_names)).label_prompt_words()
    for name, words_in_name in zip(label_names, words_of, strict=True):
        encoded = tokenizer(words_in_name, return_tensors="pt", return_special_tokens_mask=True)
        words = encoded.pop("special_tokens_mask")[0] == 0
        if not words.any():
            raise PipelineError(
                f"label {name!r}: its name gives the model's tokenizer no word to read, so "
                "train.label_aware: attention has no query for it: rename the label, or set "
                "train.label_aware: false"
            )
        states = encoder(**encoded.to(encoder.device)).last_hidden_state[0]
        rows.append(states[words.to(states.device)].mean(dim=0))
    encoder.train(was_training)
    return torch.stack(rows).float().cpu()


class LabelAttentionClassifier(EncoderWithHead):
    """An encoder, and per label a query, an output vector and a bias over the text's states."""

    def __init__(self, encoder: PreTrainedModel, queries: torch.Tensor):
        super().__init__(encoder)
        labels, hidden = queries.shape
        self.config.update({ATTENTION_KEY: labels})
        self.queries = nn.Parameter(queries.clone())
        # each label's output vector starts small (the encoder's initializer range), as a
        # classification head's weights do; the bias at zero (or the training priors:
        # train.head_bias, mltc.modeling.training.start_at_prior)
        std = getattr(self.config, "initializer_range", 0.02)
        self.outputs = nn.Parameter(torch.randn(labels, hidden) * std)
        self.bias = nn.Parameter(torch.zeros(labels))
        self.dropout = nn.Dropout(self.head_dropout())
        self.scale = hidden**-0.5

    def logits(self, states: torch.Tensor, attention_mask: torch.Tensor | None) -> torch.Tensor:
        scores = torch.einsum("bth,lh->blt", states, self.queries.to(states.dtype)) * self.scale
        if attention_mask is not None:
            padding = (attention_mask == 0)[:, None, :]
            scores = scores.masked_fill(padding, torch.finfo(scores.dtype).min)
        weights = torch.softmax(scores.float(), dim=-1).to(states.dtype)
        views = self.dropout(torch.einsum("blt,bth->blh", weights, states))
        # in float32 under autocast too (which would run the product in bf16): the bias may start
        # at a prior of -4 to -7, which bf16 rounds to steps of 1/32
        with torch.autocast(states.device.type, enabled=False):
            return torch.einsum("blh,lh->bl", views.float(), self.outputs.float()) + self.bias

    @classmethod
    def head_for(
        cls, encoder: PreTrainedModel, config: PretrainedConfig
    ) -> "LabelAttentionClassifier":
        return cls(encoder, torch.zeros(getattr(config, ATTENTION_KEY), config.hidden_size))
