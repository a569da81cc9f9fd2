"""How a member reads the label names (train.label_aware): `true`, before each text; `false`, not
at all; `attention`, the text alone and the names once, into the head
(mltc.modeling.label_attention); `auto`, label-aware where the names fit comfortably (at most half
of preprocess.max_length, the markers included) and attention otherwise. preprocess, train, the
audit and distill decide with this one function, from the same tokenizer, names and max_length,
so they always agree."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mltc.core.text import TextEncoding
from mltc.modeling.config import check_setting
from mltc.modeling.heads import ATTENTION, LABEL_AWARE, PLAIN

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

    from mltc.modeling.config import PreprocessConfig

PROMPT_SHARE = 0.5  # auto: the label names may take at most this share of max_length


@dataclass(frozen=True)
class LabelAwareChoice:
    enabled: bool  # the label names open each input
    reason: str  # for the log and train.json
    attention: bool = False  # the names read once, into the head (train.label_aware: attention)

    @property
    def head(self) -> str:
        """The member's head, as train.json and the results table name it."""
        return LABEL_AWARE if self.enabled else ATTENTION if self.attention else PLAIN


def prompt_tokens(tokenizer: "PreTrainedTokenizerBase", label_names: Sequence[str]) -> int:
    """Tokens the label names take as the first segment, with the markers around them."""
    prompt = TextEncoding(1, tuple(label_names)).label_prompt
    return len(tokenizer(prompt, "x")["input_ids"]) - 1  # less the one token of text "x"


def choose_label_aware(
    setting: bool | str, max_length: int, label_names: Sequence[str],
    tokenizer: "PreTrainedTokenizerBase",
) -> LabelAwareChoice:  # fmt: skip
    """The member's input: `setting` as train.label_aware gives it (True, False, "auto" or
    "attention", whose input is the text alone)."""
    if check_setting(setting) == "attention":
        return LabelAwareChoice(
            False,
            "train.label_aware=attention: the text alone; each label scored by the attention of "
            "its name's query over the text",
            attention=True,
        )
    if setting == "auto":
        tokens = prompt_tokens(tokenizer, label_names)
        share = f"the {len(label_names)} label names take {tokens} of preprocess.max_length={max_length} tokens"
        if tokens <= PROMPT_SHARE * max_length:
            return LabelAwareChoice(
                True, f"train.label_aware=auto: {share} (at most half): label-aware"
            )
        return LabelAwareChoice(
            False,
            f"train.label_aware=auto: {share}, more than half: attention (the text alone; each "
            "name read once, into its label's query)",
            attention=True,
        )
    return LabelAwareChoice(setting, f"train.label_aware={str(setting).lower()}")


def member_encoding(
    preprocess: "PreprocessConfig", setting: bool | str, label_names: Sequence[str],
    tokenizer: "PreTrainedTokenizerBase",
) -> tuple[TextEncoding, LabelAwareChoice]:  # fmt: skip
    """How a member reads its texts, decided once for preprocess, train, the audit and the
    benchmarks: label-aware or not (`setting`, train.label_aware), truncated or in windows
    (preprocess). Errors naming the params where the names or the windows' overlap leave a text
    no room, before any work."""
    choice = choose_label_aware(setting, preprocess.max_length, label_names, tokenizer)
    encoding = preprocess.text_encoding(choice.enabled, label_names)
    encoding.label_positions(tokenizer)
    encoding.check_windows(tokenizer)
    return encoding, choice
