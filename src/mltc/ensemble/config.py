"""`ensemble` of params.yaml: the members (each the top-level model and train section, changed
by its own keys) and the baseline's candidate weights."""

from dataclasses import dataclass
from typing import Any

from mltc.core.errors import PipelineError
from mltc.core.validation import number, params_section
from mltc.modeling.members import member_overrides


@dataclass(frozen=True)
class EnsembleConfig:
    """The members, averaged with equal weights, and the baseline's candidate weights."""

    members: dict[str, dict[str, Any]]  # name -> the params it changes
    baseline_weights: tuple[float, ...]  # chosen on validation; (0.0,) leaves the baseline out

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> "EnsembleConfig":
        section = params_section(params, "ensemble")
        members = section.get("members")
        if not isinstance(members, dict) or not members:
            raise PipelineError(
                f"ensemble.members={members!r}: expected one member or more, e.g. {{minilm: {{}}}}"
            )
        weights = section.get("baseline_weights")
        if not isinstance(weights, list) or not weights:
            raise PipelineError(
                f"ensemble.baseline_weights={weights!r}: expected a list of numbers in [0, 1) "
                "([0.0] leaves the baseline out)"
            )
        return cls(
            members={name: member_overrides(name, value) for name, value in members.items()},
            baseline_weights=tuple(
                number("ensemble", "baseline_weights", w, lambda v: 0 <= v < 1, "numbers in [0, 1)")
                for w in weights
            ),
        )
