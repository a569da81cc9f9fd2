"""Texts as the model sees them: one encoding, used by `preprocess` for training and evaluation
and stored in the model folder, so that `predict` encodes a text exactly as `evaluate` did, with
transformers' tokenizer (`encode`) or with the `tokenizers` library alone (`encode_fast`, for the
ONNX export's runtime): the same token ids either way."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from mltc.core.errors import PipelineError
from mltc.core.files import read_json, write_json

if TYPE_CHECKING:  # this module imports neither: the ONNX runtime encodes without transformers
    import tokenizers
    from transformers import BatchEncoding, PreTrainedTokenizerBase

ENCODING_FILE = "text_encoding.json"
NORMALISED = ("tweets",)  # preprocess.normalise, besides none (mltc.core.tweets)
POOLINGS = ("max", "mean")  # how a text's window probabilities become one (mltc.modeling.chunking)


@dataclass(frozen=True)
class Windows:
    """preprocess.long_texts: windows. A text longer than `max_length` is read as overlapping
    windows of `max_length` tokens (each repeating the last `overlap` text tokens of the one
    before; label-aware: each opening with the label names), at most `max_windows` of them; each
    window is scored and the text's probability per label is the windows' `pooling` (max: the
    highest, the same as pooling the logits; mean: their average)."""

    overlap: int
    pooling: str
    max_windows: int


@dataclass(frozen=True)
class TextEncoding:
    """Texts are tokenized as they stand and truncated at `max_length` tokens (no padding:
    batches are padded when collated). With `label_names` (train.label_aware), the names come
    first as a segment of their own and the text second; only the text is truncated. With
    `windows`, a long text is read as several windows instead (`Windows`); each text's token
    lists are then lists of windows. With `normalise` "tweets", each text is first rewritten as
    mltc.core.tweets says (None: read as it stands)."""

    max_length: int
    label_names: tuple[str, ...] | None = None
    windows: Windows | None = None
    normalise: str | None = None

    def __post_init__(self) -> None:
        if self.label_names is not None:  # a tuple, also when read back from JSON
            object.__setattr__(self, "label_names", tuple(self.label_names))

    @property
    def pooling(self) -> str | None:
        """How a text's windows are pooled; None: one input a text (truncated)."""
        return None if self.windows is None else self.windows.pooling

    @property
    def label_prompt(self) -> str | None:
        """The first segment: the label names, separated by spaces (underscores read as spaces)."""
        return None if self.label_names is None else " ".join(self.label_prompt_words())

    def read(self, texts: Sequence[str]) -> list[str]:
        """The texts as the tokenizer is given them: normalised where `normalise` says so."""
        if self.normalise is None:
            return list(texts)
        from mltc.core.tweets import normalise_tweet  # the emoji library, only where used

        return [normalise_tweet(text) for text in texts]

    def encode(
        self,
        tokenizer: PreTrainedTokenizerBase,
        texts: Sequence[str],
        max_length: int | None = None,
    ) -> BatchEncoding | dict[str, list[list[list[int]]]]:
        """Each text's token lists (input_ids, attention_mask, ...); with `windows`, each text's
        list of windows instead (a dict of lists of token lists)."""
        texts = self.read(texts)
        if self.windows is not None and max_length is None:
            return self._encode_windows(tokenizer, texts)
        max_length = max_length or self.max_length
        if self.label_prompt is None:
            return tokenizer(list(texts), truncation=True, max_length=max_length)
        prompts = [self.label_prompt] * len(texts)
        return tokenizer(prompts, list(texts), truncation="only_second", max_length=max_length)

    def _encode_windows(
        self, tokenizer: PreTrainedTokenizerBase, texts: Sequence[str]
    ) -> dict[str, list[list[list[int]]]]:
        """Every text's windows, its first windows.max_windows of them."""
        limit = self.windows.max_windows
        arguments = dict(max_length=self.max_length, stride=self.windows.overlap,
                         return_overflowing_tokens=True)  # fmt: skip
        if self.label_prompt is None:
            encoded = tokenizer(list(texts), truncation=True, **arguments)
        else:
            prompts = [self.label_prompt] * len(texts)
            encoded = tokenizer(prompts, list(texts), truncation="only_second", **arguments)
        owners = encoded.pop("overflow_to_sample_mapping")
        windows = {name: [[] for _ in texts] for name in encoded}
        for row, owner in enumerate(owners):
            for name, values in encoded.items():
                if len(windows[name][owner]) < limit:
                    windows[name][owner].append(values[row])
        return windows

    def encode_fast(
        self, tokenizer: tokenizers.Tokenizer, texts: Sequence[str], max_length: int | None = None
    ) -> list[tokenizers.Encoding] | list[list[tokenizers.Encoding]]:
        """`encode` with the `tokenizers` library (the backend of transformers' fast tokenizers,
        read from tokenizer.json): the same ids, type ids and attention mask per text (with
        `windows`, per window: a list of them per text), unpadded. Sets the tokenizer's
        truncation, so give each encoding a tokenizer of its own."""
        texts = self.read(texts)
        windowed = self.windows is not None and max_length is None
        max_length = max_length or self.max_length
        stride = self.windows.overlap if windowed else 0
        tokenizer.no_padding()
        if self.label_prompt is None:
            tokenizer.enable_truncation(max_length, stride=stride, strategy="longest_first")
            encoded = tokenizer.encode_batch(list(texts))
        else:
            tokenizer.enable_truncation(max_length, stride=stride, strategy="only_second")
            encoded = tokenizer.encode_batch([(self.label_prompt, text) for text in texts])
        if not windowed:
            return encoded
        limit = self.windows.max_windows
        return [[encoding, *encoding.overflowing][:limit] for encoding in encoded]

    def too_long(self, tokenizer: PreTrainedTokenizerBase, texts: Sequence[str]) -> list[bool]:
        """Which texts are longer than the encoding reads, and so cut: longer than `max_length`
        tokens (one token more tells), or with `windows`, than `max_windows` windows."""
        if self.windows is not None:
            counts = self._one_window_more().encode(tokenizer, texts)["input_ids"]
            return [len(windows) > self.windows.max_windows for windows in counts]
        lengths = [
            len(ids) for ids in self.encode(tokenizer, texts, self.max_length + 1)["input_ids"]
        ]
        return [length > self.max_length for length in lengths]

    def too_long_fast(self, tokenizer: tokenizers.Tokenizer, texts: Sequence[str]) -> list[bool]:
        """`too_long` with the `tokenizers` library (see `encode_fast`)."""
        if self.windows is not None:
            longer = self._one_window_more().encode_fast(tokenizer, texts)
            return [len(windows) > self.windows.max_windows for windows in longer]
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
                "the markers): raise it, or set train.label_aware: auto (the names read once, into "
                "the head, where they do not fit) or attention"
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

    def _one_window_more(self) -> TextEncoding:
        """This encoding reading one window more: a text that fills it is cut by this one."""
        return replace(
            self, windows=replace(self.windows, max_windows=self.windows.max_windows + 1)
        )

    def check_windows(self, tokenizer: PreTrainedTokenizerBase) -> None:
        """With `windows`: an error naming the params when the overlap leaves a window no new
        text (it must be shorter than the text's room in a window)."""
        if self.windows is None:
            return
        if not tokenizer.is_fast:
            raise PipelineError(
                "preprocess.long_texts=windows needs a fast tokenizer (the `tokenizers` library "
                "cuts the windows); this model has a Python one: use long_texts: truncate"
            )
        sample = tokenizer("x") if self.label_prompt is None else tokenizer(self.label_prompt, "x")
        room = self.max_length - (len(sample["input_ids"]) - 1)
        if self.windows.overlap >= room:
            raise PipelineError(
                f"preprocess.windows.overlap={self.windows.overlap} must be smaller than the "
                f"{room} text tokens a window of preprocess.max_length={self.max_length} holds"
                + (" after the label names" if self.label_prompt else "")
                + f": lower it (for example to {room // 4}) or raise preprocess.max_length"
            )

    def label_prompt_words(self) -> list[str]:
        return [name.replace("_", " ") for name in self.label_names or ()]

    def save(self, model_dir: Path) -> None:
        payload = asdict(self)
        for optional in ("windows", "normalise"):  # unused: the file as before the option existed
            if payload[optional] is None:
                del payload[optional]
        write_json(Path(model_dir) / ENCODING_FILE, payload)

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
        windows, normalise = payload.get("windows"), payload.get("normalise")
        if (
            set(payload) - {"max_length", "label_names", "windows", "normalise"}
            or not _positive_int(max_length)
            or not (
                names is None
                or (isinstance(names, list) and all(isinstance(n, str) for n in names))
            )
            or not (windows is None or _windows_payload(windows, max_length))
            or normalise not in (None, *NORMALISED)
        ):
            raise PipelineError(
                f"{path} is damaged: expected max_length (a positive integer), label_names "
                "(a list of names or null), optionally windows (overlap, pooling, max_windows) "
                f"and normalise ({', '.join(NORMALISED)}): restore it with dvc checkout, or re-run "
                "dvc repro"
            )
        return cls(
            max_length,
            None if names is None else tuple(names),
            None if windows is None else Windows(**windows),
            normalise,
        )

    @classmethod
    def for_model(
        cls, max_length: int, label_aware: bool, label_names: Sequence[str],
        windows: Windows | None = None, normalise: str | None = None,
    ) -> TextEncoding:  # fmt: skip
        """The encoding a member trains with: its label names first when it is label-aware."""
        if not isinstance(label_aware, bool):  # "auto" is decided first (modeling.input_choice)
            raise TypeError(f"label_aware must be decided (True or False), not {label_aware!r}")
        return cls(max_length, tuple(label_names) if label_aware else None, windows, normalise)


def _positive_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _windows_payload(windows: object, max_length: int) -> bool:
    """Whether text_encoding.json's `windows` is what `Windows` holds."""
    return (
        isinstance(windows, dict)
        and set(windows) == {"overlap", "pooling", "max_windows"}
        and isinstance(windows["overlap"], int)
        and not isinstance(windows["overlap"], bool)
        and 0 <= windows["overlap"] < max_length
        and windows["pooling"] in POOLINGS
        and _positive_int(windows["max_windows"])
    )
