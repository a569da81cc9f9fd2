"""Training on texts read as windows (preprocess.long_texts: windows): a batch holds every window
of its texts, each window is scored, and the loss is taken on each text's pooled logits, so the
model learns from the window that holds the evidence, as `evaluate` and `predict` will read it
(mltc.modeling.chunking.pool_windows pools probabilities the same way)."""

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import torch
from transformers import DataCollatorWithPadding, PreTrainedTokenizerBase, Trainer
from transformers.modeling_outputs import SequenceClassifierOutput

WINDOW_COUNTS = "window_counts"  # a batch's windows per text, from WindowCollator
MEAN_CLAMP = 1e-7  # mean pooling: probabilities kept off 0 and 1 before their logit


def pool_window_logits(logits: torch.Tensor, counts: torch.Tensor, pooling: str) -> torch.Tensor:
    """Each text's logits (texts x labels) from its windows' (rows in text order): the largest
    (max), or the logit of the windows' mean probability (mean)."""
    owners = torch.repeat_interleave(torch.arange(len(counts), device=logits.device), counts)
    shape = (len(counts), logits.shape[1])
    if pooling == "max":
        start = torch.full(shape, float("-inf"), dtype=logits.dtype, device=logits.device)
        index = owners[:, None].expand_as(logits)
        return start.scatter_reduce(0, index, logits, reduce="amax", include_self=True)
    sums = torch.zeros(shape, dtype=logits.dtype, device=logits.device)
    sums = sums.index_add(0, owners, torch.sigmoid(logits))
    mean = sums / counts[:, None].to(logits.dtype)
    return torch.logit(mean.clamp(MEAN_CLAMP, 1 - MEAN_CLAMP))


@dataclass
class WindowCollator:
    """Rows of a windowed split (each model input a list of windows) as one padded batch of
    windows, with the texts' labels and each text's window count."""

    tokenizer: PreTrainedTokenizerBase

    def __call__(self, rows: list[dict]) -> dict[str, torch.Tensor]:
        names = [name for name in rows[0] if name != "labels"]
        windows = [
            {name: row[name][index] for name in names}
            for row in rows
            for index in range(len(row["input_ids"]))
        ]
        batch = dict(DataCollatorWithPadding(self.tokenizer)(windows))
        batch[WINDOW_COUNTS] = torch.tensor([len(row["input_ids"]) for row in rows])
        if "labels" in rows[0]:
            batch["labels"] = torch.tensor([row["labels"] for row in rows], dtype=torch.float32)
        return batch


class WindowPoolingTrainer(Trainer):
    """The Trainer with each text's windows pooled before the loss and the validation metrics."""

    def __init__(self, *args, pooling: str, loss_func: Callable | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.pooling = pooling
        self.pooled_loss = loss_func or plain_bce

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        counts = inputs.pop(WINDOW_COUNTS)
        labels = inputs.pop("labels")
        logits = model(**inputs).logits.float()
        pooled = pool_window_logits(logits, counts, self.pooling)
        loss = self.pooled_loss(SimpleNamespace(logits=pooled), labels)
        return (
            (loss, SequenceClassifierOutput(loss=loss, logits=pooled)) if return_outputs else loss
        )


def plain_bce(outputs, labels, num_items_in_batch=None) -> torch.Tensor:
    """The models' own loss (mean BCE over every text and label), on pooled logits."""
    return torch.nn.functional.binary_cross_entropy_with_logits(outputs.logits, labels.float())
