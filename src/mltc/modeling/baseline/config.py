"""`baseline` of params.yaml: the TF-IDF baseline's regularisation grid and seed."""

from dataclasses import dataclass
from typing import Any

from mltc.core.errors import PipelineError
from mltc.core.validation import integer, number, params_section


@dataclass(frozen=True)
class BaselineConfig:
    c_grid: tuple[float, ...]  # inverse regularisation strengths tried, chosen on validation
    seed: int

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> "BaselineConfig":
        section = params_section(params, "baseline")
        grid = section.get("c_grid")
        if not isinstance(grid, list) or not grid:
            raise PipelineError(f"baseline.c_grid={grid!r}: expected a list of numbers > 0")
        return cls(
            c_grid=tuple(
                number("baseline", "c_grid", c, lambda v: v > 0, "numbers > 0") for c in grid
            ),
            seed=integer("baseline", "seed", section.get("seed"), minimum=0),
        )
