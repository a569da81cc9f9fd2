"""A member's head: the one vocabulary that train.json, the model card and the results table use,
and how a fine-tuned folder's config.json says which head it holds."""

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mltc.core.errors import PipelineError, first_line

PLAIN = "plain"  # transformers' sequence classifier: the text alone, one output per label
LABEL_AWARE = "label-aware"  # the names before each text, one shared output (label_aware)
ATTENTION = "attention"  # the text alone, a query per label over it (label_attention)

POSITIONS_KEY = "mltc_label_token_positions"  # config.json, label-aware: each label's positions
ATTENTION_KEY = "mltc_label_attention"  # config.json, label attention: the labels it scores


def config_head(config: Mapping[str, Any]) -> str:
    """The head a model config (as a dict) describes."""
    if config.get(POSITIONS_KEY) is not None:
        return LABEL_AWARE
    if config.get(ATTENTION_KEY) is not None:
        return ATTENTION
    return PLAIN


def member_head(folder: Path) -> str:
    """The head of a fine-tuned member folder, from its config.json."""
    path = Path(folder) / "config.json"
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise PipelineError(
            f"{path}: cannot read it ({first_line(error)}): restore it with dvc checkout, or "
            "re-run dvc repro"
        ) from error
    if not isinstance(config, dict):
        raise PipelineError(
            f"{path}: expected a JSON object: restore it with dvc checkout, or re-run dvc repro"
        )
    return config_head(config)
