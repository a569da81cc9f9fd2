"""Label-aware input (SpanEmo, Alhuzali and Ananiadou, EACL 2021): the label names are the first
segment of every input and the text the second, and each label's score is read from the encoder's
output over that label's own name, by one small head shared by all labels. Attention lets the
text and every label name see each other, so labels that go together can share evidence.

`train.label_aware: true` turns it on for a member (mltc.core.text.TextEncoding writes the
inputs). The fine-tuned folder is the encoder's config.json, with the label positions under
`POSITIONS_KEY`, and one model.safetensors for the encoder and the head.
"""

from pathlib import Path

import torch
from safetensors.torch import load_file
from torch import nn
from transformers import AutoModel, PretrainedConfig, PreTrainedModel
from transformers.modeling_outputs import SequenceClassifierOutput

from mltc.modeling.heads import POSITIONS_KEY
from mltc.modeling.model_files import WEIGHTS_FILE

# the config keys that hold dropout probabilities (BERT, MPNet, RoBERTa, DistilBERT): first the
# hidden states' (the head's dropout is the first one a config has, else 0.1), then the rest
HIDDEN_DROPOUT_KEYS = ("hidden_dropout_prob", "dropout")
DROPOUT_KEYS = (
    *HIDDEN_DROPOUT_KEYS,
    "attention_probs_dropout_prob",
    "attention_dropout",
    "seq_classif_dropout",
)


class EncoderWithHead(nn.Module):
    """An encoder's token states read by a head of mltc's own (label-aware, label-attention):
    what both share, from the attention backend they expose to the folder they save."""

    def __init__(self, encoder: PreTrainedModel):
        super().__init__()
        if getattr(encoder, "pooler", None) is not None:
            encoder.pooler = None  # the first token's pooler is unused: DDP would refuse it
        self.encoder = encoder
        self.config = encoder.config

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    @property
    def _supports_attention_backend(self) -> bool:  # lets mltc.modeling.cpu_dropout plug in
        return getattr(self.encoder, "_supports_attention_backend", False)

    def set_attn_implementation(self, implementation: str) -> None:
        self.encoder.set_attn_implementation(implementation)

    def head_dropout(self) -> float:
        """The hidden states' dropout of the config (the first of HIDDEN_DROPOUT_KEYS), else 0.1."""
        return next(
            (getattr(self.config, k) for k in HIDDEN_DROPOUT_KEYS if hasattr(self.config, k)), 0.1
        )

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
    ) -> SequenceClassifierOutput:
        """The encoder's token states, the head's logits over them, and with `labels` the BCE."""
        inputs = {"input_ids": input_ids, "attention_mask": attention_mask}
        if token_type_ids is not None:
            inputs["token_type_ids"] = token_type_ids
        logits = self.logits(self.encoder(**inputs).last_hidden_state, attention_mask)
        loss = None
        if labels is not None:
            loss = nn.functional.binary_cross_entropy_with_logits(logits.float(), labels.float())
        return SequenceClassifierOutput(loss=loss, logits=logits)

    def logits(self, states: torch.Tensor, attention_mask: torch.Tensor | None) -> torch.Tensor:
        """Each label's logit (texts x labels) from the text's token states (texts x tokens x
        hidden)."""
        raise NotImplementedError

    def save_config(self, folder: Path) -> None:
        """config.json beside the weights the Trainer saved (it saves only a module's weights)."""
        self.config.save_pretrained(folder)

    @classmethod
    def head_for(cls, encoder: PreTrainedModel, config: PretrainedConfig) -> "EncoderWithHead":
        """The model around `encoder` with the head a saved config describes (its weights unset)."""
        raise NotImplementedError

    @classmethod
    def load(
        cls, folder: Path, config: PretrainedConfig, trust_remote_code: bool = False
    ) -> "EncoderWithHead":
        """The folder's weights into an encoder built from its (already read) config."""
        encoder = AutoModel.from_config(config, trust_remote_code=trust_remote_code)
        model = cls.head_for(encoder, config)
        model.load_state_dict(load_file(Path(folder) / WEIGHTS_FILE))
        return model.eval()


class LabelAwareClassifier(EncoderWithHead):
    """An encoder, and a head that scores each label from the mean of its name's token states."""

    def __init__(self, encoder: PreTrainedModel, label_positions: list[list[int]]):
        super().__init__(encoder)
        self.config.update({POSITIONS_KEY: [list(p) for p in label_positions]})
        hidden = self.config.hidden_size
        self.head = nn.Sequential(
            nn.Linear(hidden, hidden), nn.Tanh(), nn.Dropout(self.head_dropout()),
            nn.Linear(hidden, 1),
        )  # fmt: skip
        span = 1 + max(max(positions) for positions in label_positions)
        pooling = torch.zeros(len(label_positions), span)
        for label, positions in enumerate(label_positions):
            pooling[label, positions] = 1.0 / len(positions)
        self.register_buffer("pooling", pooling, persistent=False)

    def logits(self, states: torch.Tensor, attention_mask: torch.Tensor | None) -> torch.Tensor:
        states = states[:, : self.pooling.shape[1]]  # the label names' part of the input
        label_states = torch.einsum("lp,bph->blh", self.pooling.to(states.dtype), states)
        return self.head(label_states).squeeze(-1)

    @classmethod
    def head_for(cls, encoder: PreTrainedModel, config: PretrainedConfig) -> "LabelAwareClassifier":
        return cls(encoder, getattr(config, POSITIONS_KEY))
