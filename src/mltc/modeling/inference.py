"""Batched probabilities from a classifier: length-sorted batches, dynamic padding, no autograd."""

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import torch
from tqdm.auto import tqdm
from transformers import DataCollatorWithPadding, PreTrainedModel, PreTrainedTokenizerBase

from mltc.modeling.chunking import flatten_windows, in_chunks, longest_first_batches, pool_windows
from mltc.modeling.hardware import autocast


def predict_proba(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    encodings: Mapping[str, Sequence[Sequence[int]]],
    batch_size: int,
    progress: bool = False,
    precision: str = "fp32",
    pooling: str | None = None,
) -> np.ndarray:
    """Sigmoid probabilities (texts x labels) for tokenized inputs, in the order given.

    `encodings` maps model input names (input_ids, attention_mask, ...) to per-text token lists.
    Texts are batched longest first so that each batch pads only to similar lengths;
    `precision` (auto, fp32, bf16, fp16) picks the autocast format. With `pooling` (the text
    encoding's windows), each text's token lists are its windows: each window is scored as a
    text, and a text's windows pooled (mltc.modeling.chunking.pool_windows).
    """
    inputs = {name: encodings[name] for name in tokenizer.model_input_names if name in encodings}
    if pooling is not None:
        flat, counts = flatten_windows(inputs)
        window_probs = predict_proba(model, tokenizer, flat, batch_size, progress, precision)
        return pool_windows(window_probs, counts, pooling)
    count = len(inputs["input_ids"])
    collate = DataCollatorWithPadding(tokenizer, return_tensors="pt")
    probs = np.zeros((count, model.config.num_labels), dtype=np.float32)
    model.eval()
    with torch.inference_mode(), autocast(precision, model.device):
        batches = longest_first_batches([len(ids) for ids in inputs["input_ids"]], batch_size)
        for rows in tqdm(batches, desc="predict", unit="batch", disable=not progress):
            batch = collate(
                [{name: values[row] for name, values in inputs.items()} for row in rows]
            )
            logits = model(**batch.to(model.device)).logits
            probs[rows] = torch.sigmoid(logits.float()).cpu().numpy()
    return probs


def predict_proba_chunks(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    chunks: Iterable[Mapping[str, Sequence[Sequence[int]]]],
    batch_size: int,
    progress: bool = False,
    precision: str = "fp32",
    pooling: str | None = None,
) -> np.ndarray:
    """`predict_proba` over consecutive chunks of encodings (mltc.modeling.chunking), stacked."""
    parts = [
        predict_proba(model, tokenizer, chunk, batch_size, progress, precision, pooling)
        for chunk in chunks
    ]
    if not parts:
        return np.zeros((0, model.config.num_labels), dtype=np.float32)
    return np.concatenate(parts)


def score_split(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    split: Sequence,
    batch_size: int,
    precision: str,
    pooling: str | None,
) -> np.ndarray:
    """A tokenized split's probabilities, read chunk by chunk: how evaluate scores a member (and
    distill its student), `pooling` the member's windows (None: one input a text)."""
    return predict_proba_chunks(
        model, tokenizer, in_chunks(split), batch_size, precision=precision, pooling=pooling
    )
