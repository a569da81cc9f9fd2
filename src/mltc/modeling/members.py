"""What each ensemble member trains with: the top-level `model`, `train` and `preprocess` sections
of params.yaml, changed by the member's own keys in `ensemble.members`. Read by the per-member
stages (preprocess, train, evaluate; train's params check, `checked_train_params`, before torchrun
starts) and by the ensemble's config."""

import re
from dataclasses import fields
from typing import Any

from mltc.core.errors import PipelineError
from mltc.core.validation import params_section
from mltc.modeling import registry
from mltc.modeling.config import DistributedConfig, TrainConfig
from mltc.modeling.registry import ModelSpec

MEMBER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
# preprocess keys a member may change: how it reads a text, one member differently from another;
# max_length and the windows stay shared (the model card and the server state them once)
MEMBER_PREPROCESS_KEYS = ("normalise",)


def member_overrides(name: Any, overrides: Any) -> dict[str, Any]:
    """The params one ensemble member changes: `model`, any key of the train section, or
    `preprocess: {normalise: ...}`."""
    where = f"ensemble.members.{name}"
    if not isinstance(name, str) or not MEMBER_NAME.fullmatch(name):
        raise PipelineError(
            f"{where}: a member name is letters, digits, '-', '_' and '.' (it names folders)"
        )
    overrides = {} if overrides is None else overrides
    if not isinstance(overrides, dict):
        raise PipelineError(
            f"{where}={overrides!r}: expected the params the member changes, e.g. {{seed: 43}}"
        )
    train_keys = tuple(field.name for field in fields(TrainConfig))
    for key in overrides:
        if key not in ("model", "preprocess", *train_keys):
            raise PipelineError(
                f"{where}.{key}: unknown; a member changes model, preprocess "
                f"({', '.join(MEMBER_PREPROCESS_KEYS)}) or a train key ({', '.join(train_keys)})"
            )
    preprocess = overrides.get("preprocess", {})
    if not isinstance(preprocess, dict) or not set(preprocess) <= set(MEMBER_PREPROCESS_KEYS):
        raise PipelineError(
            f"{where}.preprocess={preprocess!r}: a member changes only "
            f"{', '.join(MEMBER_PREPROCESS_KEYS)} of the preprocess section, for example "
            "{normalise: tweets}; max_length and the windows are shared by every member"
        )
    return overrides


def member_params(params: dict[str, Any], name: str) -> dict[str, Any]:
    """What member `name` trains with: the top-level model, train and preprocess sections,
    changed by the member's own keys (a stage reads only its member's entry of
    ensemble.members)."""
    members = params_section(params, "ensemble").get("members") or {}
    if name not in members:
        raise PipelineError(
            f"ensemble.members has no member '{name}': members are {', '.join(map(str, members))}"
        )
    overrides = member_overrides(name, members[name])
    # a stage that tracks no train params (preprocess) sees only the member's train keys
    own = {k: v for k, v in overrides.items() if k not in ("model", "preprocess")}
    train = {**params.get("train", {}), **own}
    chosen = {**params, "model": overrides.get("model", params["model"]), "train": train}
    if "preprocess" in overrides:
        chosen["preprocess"] = {**params.get("preprocess", {}), **overrides["preprocess"]}
    return chosen


def member_training(
    params: dict[str, Any], name: str
) -> tuple[dict[str, Any], ModelSpec, TrainConfig]:
    """What member `name` trains: its params (`member_params`), its model and its checked train
    config, as its train stage reads them."""
    chosen = member_params(params, name)
    spec = registry.resolve(chosen["model"], chosen.get("trust_remote_code", False))
    return chosen, spec, TrainConfig.from_params(chosen, spec)


def checked_train_params(
    params: dict[str, Any], name: str
) -> tuple[dict[str, Any], ModelSpec, TrainConfig, DistributedConfig, int]:
    """The train stage's params check, which dvc.yaml runs before torchrun starts (`stages/train.py
    MEMBER --check-params`): member `name`'s params, model and train config (`member_training`),
    the distributed settings and the batch of each process. It imports no training library, so a
    bad param stops the stage with one line in about the time the interpreter takes to start
    (torchrun itself fails on some of them with a bare traceback)."""
    params, spec, config = member_training(params, name)
    distributed = DistributedConfig.from_params(params)
    return params, spec, config, distributed, distributed.per_process_batch(config.batch_size)
