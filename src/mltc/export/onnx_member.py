"""An exported member scored by onnxruntime, its texts encoded by the `tokenizers` library: no
torch, no transformers. Texts are encoded, cut and batched exactly as `evaluate` does it, so the
probabilities are torch's to float rounding (the export stage measures it)."""

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnxruntime
import tokenizers
from tqdm.auto import tqdm

from mltc.core.errors import PipelineError, first_line
from mltc.core.text import TextEncoding
from mltc.export.graph_folder import REMEDY, TOKENIZER_FILE, GraphSpec, graph_file
from mltc.modeling.chunking import in_chunks, longest_first_batches, pool_windows


class OnnxMember:
    """One exported member folder (mltc.export.graph_folder): its fp32 graph, or its int8 one."""

    def __init__(self, folder: Path, int8: bool = False) -> None:
        folder = Path(folder)
        self.spec = GraphSpec.load(folder)
        self.label_names = list(self.spec.label_names)
        self.encoding = TextEncoding.load(folder)
        graph = folder / graph_file(int8)
        if not graph.is_file():
            hint = " (export.int8 was false)" if int8 else ""
            raise PipelineError(f"{folder} has no {graph.name}{hint}; {REMEDY}")
        try:
            self.session = onnxruntime.InferenceSession(
                str(graph), providers=["CPUExecutionProvider"]
            )
        except Exception as error:  # not ONNX protobuf, truncated, or an unknown operator
            raise PipelineError(f"{graph} is not a graph ONNX Runtime can run "
                                f"({first_line(error)}); {REMEDY}") from error  # fmt: skip
        names = tuple(value.name for value in self.session.get_inputs())
        if names != self.spec.input_names:
            raise PipelineError(
                f"{graph} takes {', '.join(names)} where {folder / 'onnx_member.json'} says "
                f"{', '.join(self.spec.input_names)}; {REMEDY}"
            )
        path = folder / TOKENIZER_FILE
        try:  # two: encode_fast sets truncation, and `truncated` reads one token further
            self.tokenizer = tokenizers.Tokenizer.from_file(str(path))
            self.length_tokenizer = tokenizers.Tokenizer.from_file(str(path))
        except Exception as error:  # missing, not JSON, or not a tokenizer
            raise PipelineError(f"{path} is not a tokenizer ({first_line(error)}); "
                                f"{REMEDY}") from error  # fmt: skip

    def predict_proba(
        self, texts: Sequence[str], batch_size: int, progress: bool = False
    ) -> np.ndarray:
        """Probabilities (texts x labels) in the order given."""
        parts = [self._score(chunk, batch_size, progress) for chunk in in_chunks(list(texts))]
        if not parts:
            return np.zeros((0, len(self.label_names)), dtype=np.float32)
        return np.concatenate(parts)

    def truncated(self, texts: Sequence[str]) -> list[bool]:
        """Which texts are longer than the encoding reads (max_length tokens, or max_windows
        windows), and so cut."""
        return self.encoding.too_long_fast(self.length_tokenizer, texts)

    def _score(self, texts: list[str], batch_size: int, progress: bool) -> np.ndarray:
        encoded = self.encoding.encode_fast(self.tokenizer, texts)
        if self.encoding.windows is None:
            return self._score_rows(encoded, batch_size, progress)
        counts = np.asarray([len(windows) for windows in encoded], dtype=np.int64)
        windows = [window for text in encoded for window in text]
        probs = self._score_rows(windows, batch_size, progress)
        return pool_windows(probs, counts, self.encoding.windows.pooling)

    def _score_rows(
        self, encoded: list[tokenizers.Encoding], batch_size: int, progress: bool
    ) -> np.ndarray:
        """Probabilities of each encoded row (a text, or one window of a text)."""
        probs = np.zeros((len(encoded), len(self.label_names)), dtype=np.float32)
        batches = longest_first_batches([len(encoding.ids) for encoding in encoded], batch_size)
        for rows in tqdm(batches, desc="predict", unit="batch", disable=not progress):
            feed = self._padded([encoded[row] for row in rows])
            probs[rows] = self.session.run(None, feed)[0]
        return probs

    def _padded(self, batch: list[tokenizers.Encoding]) -> dict[str, np.ndarray]:
        """The batch padded on the right to its longest text, as transformers' collator does."""
        width = max(len(encoding.ids) for encoding in batch)
        arrays = {
            "input_ids": np.full((len(batch), width), self.spec.pad_token_id, dtype=np.int64),
            "attention_mask": np.zeros((len(batch), width), dtype=np.int64),
            "token_type_ids": np.zeros((len(batch), width), dtype=np.int64),
        }
        for row, encoding in enumerate(batch):
            length = len(encoding.ids)
            arrays["input_ids"][row, :length] = encoding.ids
            arrays["attention_mask"][row, :length] = encoding.attention_mask
            arrays["token_type_ids"][row, :length] = encoding.type_ids
        return {name: arrays[name] for name in self.spec.input_names}
