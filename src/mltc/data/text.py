"""Texts as the model sees them: one encoding, used by `preprocess` for training and evaluation
and stored in the model folder, so that `predict` encodes a text exactly as `evaluate` did, with
transformers' tokenizer (`encode`) or with the `tokenizers` library alone (`encode_fast`, for the
ONNX export's runtime): the same token ids either way."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mltc.core.errors import PipelineError
from mltc.core.files import read_json, write_json

if TYPE_CHECKING:  # this module imports neither: the ONNX runtime encodes without transformers
    import tokenizers
    from transformers import BatchEncoding, PreTrainedTokenizerBase

ENCODING_FILE = "text_encoding.json"


@dataclass(frozen=True)
class TextEncoding:
    """Texts are tokenized as they stand and truncated at `max_length` tokens (no padding:
    batches are padded when collated). With `label_names` (train.label_aware), the names come
    first as a segment of their own and the text second; only the text is truncated."""

    max_length: int
    label_names: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.label_names is not None:  # a tuple, also when read back from JSON
            object.__setattr__(self, "label_names", tuple(self.label_names))

    @property
    def label_prompt(self) -> str | None:
        """The first segment: the label names, separated by spaces (underscores read as spaces)."""
        return None if self.label_names is None else " ".join(self.label_prompt_words())

    def encode(
        self,
        tokenizer: PreTrainedTokenizerBase,
        texts: Sequence[str],
        max_length: int | None = None,
    ) -> BatchEncoding:
        max_length = max_length or self.max_length
        if self.label_prompt is None:
            return tokenizer(list(texts), truncation=True, max_length=max_length)
        prompts = [self.label_prompt] * len(texts)
        return tokenizer(prompts, list(texts), truncation="only_second", max_length=max_length)

    def encode_fast(
        self, tokenizer: tokenizers.Tokenizer, texts: Sequence[str], max_length: int | None = None
    ) -> list[tokenizers.Encoding]:
        """`encode` with the `tokenizers` library (the backend of transformers' fast tokenizers,
        read from tokenizer.json): the same ids, type ids and attention mask per text, unpadded.
        Sets the tokenizer's truncation, so give each encoding a tokenizer of its own."""
        max_length = max_length or self.max_length
        tokenizer.no_padding()
        if self.label_prompt is None:
            tokenizer.enable_truncation(max_length, strategy="longest_first")
            return tokenizer.encode_batch(list(texts))
        tokenizer.enable_truncation(max_length, strategy="only_second")
        return tokenizer.encode_batch([(self.label_prompt, text) for text in texts])

    def too_long(self, tokenizer: PreTrainedTokenizerBase, texts: Sequence[str]) -> list[bool]:
        """Which texts are longer than `max_length` tokens allow, and so truncated (one token
        more tells)."""
        lengths = [
            len(ids) for ids in self.encode(tokenizer, texts, self.max_length + 1)["input_ids"]
        ]
        return [length > self.max_length for length in lengths]

    def too_long_fast(self, tokenizer: tokenizers.Tokenizer, texts: Sequence[str]) -> list[bool]:
        """`too_long` with the `tokenizers` library (see `encode_fast`)."""
        encoded = self.encode_fast(tokenizer, texts, self.max_length + 1)
        return [len(encoding.ids) > self.max_length for encoding in encoded]

    def label_positions(self, tokenizer: PreTrainedTokenizerBase) -> list[list[int]] | None:
        """Where each label's name lies in every input: its token positions, label by label
        (None without label names); an error naming `preprocess.max_length` when the names leave
        no room for a text."""
        if self.label_names is None:
            return None
        sample = tokenizer(self.label_prompt, "x")
        if len(sample["input_ids"]) > self.max_length:
            raise PipelineError(
                f"preprocess.max_length={self.max_length} leaves no room for the text after the "
                f"{len(self.label_names)} label names ({len(sample['input_ids']) - 1} tokens with "
                "the markers): raise it, or set train.label_aware: auto (plain where the names do "
                "not fit) or false"
            )
        positions, start = [], 0
        for name in self.label_prompt_words():
            tokens = {
                sample.char_to_token(char, sequence_index=0)
                for char in range(start, start + len(name))
            }
            positions.append(sorted(token for token in tokens if token is not None))
            start += len(name) + 1
        return positions

    def label_prompt_words(self) -> list[str]:
        return [name.replace("_", " ") for name in self.label_names or ()]

    def save(self, model_dir: Path) -> None:
        write_json(Path(model_dir) / ENCODING_FILE, asdict(self))

    @classmethod
    def load(cls, model_dir: Path) -> TextEncoding:
        path = Path(model_dir) / ENCODING_FILE
        if not path.is_file():
            raise PipelineError(
                f"{model_dir} has no {ENCODING_FILE}: it was not saved by this pipeline's train "
                "stage, so how its texts were encoded is unknown (re-run dvc repro)"
            )
        payload = read_json(path)
        if not isinstance(payload, dict):
            payload = {"not": "a mapping"}
        max_length, names = payload.get("max_length"), payload.get("label_names")
        if (
            set(payload) - {"max_length", "label_names"}
            or isinstance(max_length, bool)
            or not isinstance(max_length, int)
            or max_length < 1
            or not (
                names is None
                or (isinstance(names, list) and all(isinstance(n, str) for n in names))
            )
        ):
            raise PipelineError(
                f"{path} is damaged: expected max_length (a positive integer) and label_names "
                "(a list of names or null): restore it with dvc checkout, or re-run dvc repro"
            )
        return cls(max_length, None if names is None else tuple(names))

    @classmethod
    def for_model(
        cls, max_length: int, label_aware: bool, label_names: Sequence[str]
    ) -> TextEncoding:
        """The encoding a member trains with: its label names first when it is label-aware."""
        if not isinstance(label_aware, bool):  # "auto" is decided first (modeling.input_choice)
            raise TypeError(f"label_aware must be decided (True or False), not {label_aware!r}")
        return cls(max_length, tuple(label_names) if label_aware else None)
