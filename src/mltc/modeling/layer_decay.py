"""Layer-wise learning-rate decay (train.layer_decay; Howard and Ruder 2018, Clark et al. 2020):
the head learns at the full rate, each encoder layer at `decay` times the rate of the layer above
it and the embeddings one step below the first layer, so fine-tuning moves the general lower
layers less than the upper ones. 1 gives every parameter the full rate (the Trainer's own
optimizer)."""

import re
from collections.abc import Callable, Iterable

import torch
from transformers import Trainer, TrainingArguments

ENCODER_LAYER = re.compile(r"(?:^|\.)layers?\.(\d+)\.")


def depth(name: str, layers: int) -> int:
    """How far a parameter sits from the input: 0 for the embeddings, i + 1 for encoder layer
    i, layers + 1 for the rest (the head, a pooler)."""
    if "embeddings" in name:
        return 0
    found = ENCODER_LAYER.search(name)
    return int(found.group(1)) + 1 if found else layers + 1


def parameter_groups(
    named: Iterable[tuple[str, torch.nn.Parameter]], learning_rate: float, weight_decay: float,
    decay: float, decayed: set[str],
) -> list[dict]:  # fmt: skip
    """Optimizer groups, one a depth and weight-decay setting: a parameter at depth d of an
    encoder with L layers learns at learning_rate * decay ** (L + 1 - d); the names in
    `decayed` take `weight_decay`, the others none (as the Trainer's own groups do)."""
    trainable = [(name, p) for name, p in named if p.requires_grad]
    layers = 1 + max(
        (int(found.group(1)) for n, _ in trainable if (found := ENCODER_LAYER.search(n))),
        default=-1,
    )
    groups: dict[tuple[int, bool], dict] = {}
    for name, parameter in trainable:
        level, decays = depth(name, layers), name in decayed
        group = groups.setdefault(
            (level, decays),
            {
                "params": [],
                "lr": learning_rate * decay ** (layers + 1 - level),
                "weight_decay": weight_decay if decays else 0.0,
            },
        )
        group["params"].append(parameter)
    return [groups[key] for key in sorted(groups)]


def optimizer_factory(
    args: TrainingArguments, decay: float, decayed_names: Callable[[torch.nn.Module], list[str]]
) -> tuple[Callable, dict]:
    """A Trainer `optimizer_cls_and_kwargs`: the optimizer `args.optim` names (its kwargs as the
    Trainer sets them) over parameter_groups of the model it is given."""
    optimizer_class, kwargs = Trainer.get_optimizer_cls_and_kwargs(args)

    def build(model: torch.nn.Module, **kwargs) -> torch.optim.Optimizer:
        groups = parameter_groups(
            model.named_parameters(), kwargs["lr"], args.weight_decay, decay,
            set(decayed_names(model)),
        )  # fmt: skip
        return optimizer_class(groups, **kwargs)

    return lambda: build, kwargs
