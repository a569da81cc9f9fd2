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
from transformers.trainer_pt_utils import LengthGroupedSampler

WINDOW_COUNTS = "window_counts"  # a batch's windows per text, from WindowCollator


def pool_window_logits(logits: torch.Tensor, counts: torch.Tensor, pooling: str) -> torch.Tensor:
    """Each text's logits (texts x labels) from its windows' (rows in text order): the largest
    (max), or the logit of the windows' mean probability (mean), computed in log space as
    logsumexp(log p) - logsumexp(log(1 - p)): exact for one window, and a gradient however
    confident the windows are."""
    owners = torch.repeat_interleave(torch.arange(len(counts), device=logits.device), counts)
    if pooling == "max":
        return segment_max(logits, owners, len(counts))
    log_p = torch.nn.functional.logsigmoid(logits)
    log_not_p = torch.nn.functional.logsigmoid(-logits)
    size = len(counts)
    return segment_logsumexp(log_p, owners, size) - segment_logsumexp(log_not_p, owners, size)


def segment_max(values: torch.Tensor, owners: torch.Tensor, size: int) -> torch.Tensor:
    """Row-wise maximum of each group of rows (`owners`: each row's group)."""
    start = torch.full((size, values.shape[1]), float("-inf"), dtype=values.dtype,
                       device=values.device)  # fmt: skip
    index = owners[:, None].expand_as(values)
    return start.scatter_reduce(0, index, values, reduce="amax", include_self=True)


def segment_logsumexp(values: torch.Tensor, owners: torch.Tensor, size: int) -> torch.Tensor:
    """log(sum(exp(values))) over each group of rows, shifted by the group's maximum."""
    peak = segment_max(values, owners, size).detach()
    shifted = torch.exp(values - peak[owners])
    sums = torch.zeros_like(peak).index_add(0, owners, shifted)
    return torch.log(sums) + peak


def text_tokens(dataset) -> list[int]:
    """Each text's tokens over all its windows: what group_by_length groups texts by."""
    return [sum(len(window) for window in windows) for windows in dataset["input_ids"]]


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
    """The Trainer with each text's windows pooled before the loss and the validation metrics;
    group_by_length groups texts by their tokens over all windows. A batch holds every window of
    its texts: its memory grows with the windows (up to batch_size x max_windows inputs)."""

    def __init__(self, *args, pooling: str, loss_func: Callable | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.pooling = pooling
        self.pooled_loss = loss_func or plain_bce

    def _get_train_sampler(self, train_dataset=None):
        return self._by_tokens(super()._get_train_sampler(train_dataset),
                               train_dataset if train_dataset is not None else self.train_dataset)  # fmt: skip

    def _get_eval_sampler(self, eval_dataset):
        return self._by_tokens(super()._get_eval_sampler(eval_dataset), eval_dataset)

    @staticmethod
    def _by_tokens(sampler, dataset):
        """group_by_length by each text's tokens (the Trainer counts a text's windows)."""
        if isinstance(sampler, LengthGroupedSampler):
            sampler.lengths = text_tokens(dataset)
        return sampler

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
