"""A fine-tuned model folder ready to score raw texts with torch: encoded as the folder's
`text_encoding.json` says (as in training and evaluation), cut and batched as `evaluate` does."""

import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from transformers import PreTrainedModel

from mltc.core.errors import PipelineError
from mltc.core.labels import model_label_names
from mltc.core.text import TextEncoding
from mltc.modeling.build import load_classifier
from mltc.modeling.chunking import in_chunks
from mltc.modeling.hardware import best_device
from mltc.modeling.inference import predict_proba_chunks


def quantize_int8(model: PreTrainedModel) -> PreTrainedModel:
    """Dynamic int8 quantisation of the linear layers, for CPU inference."""
    if model.device.type != "cpu":
        raise PipelineError("int8 quantisation is for CPU inference; on a GPU use precision bf16")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch points eager quantisation users to torchao
        return torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)


class TorchMember:
    """One fine-tuned model of the ensemble, with the text encoding it was trained with."""

    def __init__(
        self, folder: Path, precision: str = "fp32", int8: bool = False,
        trust_remote_code: bool = False,
    ) -> None:  # fmt: skip
        self.model, self.tokenizer = load_classifier(folder, trust_remote_code)
        self.model.to(best_device())
        if int8:
            self.model = quantize_int8(self.model)
        self.precision = "fp32" if int8 else precision
        self.encoding = TextEncoding.load(folder)
        self.label_names = model_label_names(self.model.config.id2label)

    def predict_proba(
        self, texts: Sequence[str], batch_size: int, progress: bool = False
    ) -> np.ndarray:
        chunks = (self.encoding.encode(self.tokenizer, chunk) for chunk in in_chunks(texts))
        return predict_proba_chunks(
            self.model, self.tokenizer, chunks, batch_size, progress, self.precision,
            self.encoding.pooling,
        )  # fmt: skip

    def truncated(self, texts: Sequence[str]) -> list[bool]:
        """Which texts are longer than the encoding reads (max_length tokens, or max_windows
        windows), and so cut."""
        return self.encoding.too_long(self.tokenizer, texts)
