"""`distill` of params.yaml: whether the shipped ensemble is distilled into one member, which
member's params the student trains with (null: the first of ensemble.members), its seed, and the
teacher's share of each target. The member is checked only where the stage trains: a disabled
stage never stops a pipeline whose members changed."""

from dataclasses import dataclass
from typing import Any

from mltc.core.errors import PipelineError
from mltc.core.validation import flag, integer, number, params_section


@dataclass(frozen=True)
class DistillConfig:
    enabled: bool  # false: the stage writes that it is off (no training)
    member: str  # the ensemble member whose params (model, train keys, encoding) the student takes
    seed: int  # the student's own seed (its head and batches differ from the teacher member's)
    weight: float  # the teacher's share of each target: (1 - weight) * gold + weight * teacher

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> "DistillConfig":
        section = params_section(params, "distill")
        weight = number(
            "distill", "weight", section.get("weight"), lambda v: 0 <= v <= 1,
            "a number from 0 (gold labels alone) to 1 (the teacher alone)",
        )  # fmt: skip
        members = list(params_section(params, "ensemble").get("members") or {})
        member = section.get("member")
        if member is None and members:
            member = members[0]
        enabled = flag("distill", "enabled", section.get("enabled"))
        if enabled and member not in members:
            raise PipelineError(
                f"distill.member={member!r} is not in ensemble.members "
                f"({', '.join(map(str, members))}): name the member whose params the student "
                "trains with, or null for the first"
            )
        return cls(
            enabled=enabled,
            member=str(member),
            seed=integer("distill", "seed", section.get("seed"), minimum=0),
            weight=weight,
        )
