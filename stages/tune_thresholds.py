"""Stage tune_thresholds: the ensemble and its decision rule, chosen on validation only, shipped
as one classifier folder."""

import dvc.api

from mltc.core.errors import run_stage
from mltc.pipeline import tune_thresholds


def main() -> None:
    tune_thresholds.run(dvc.api.params_show(stages="tune_thresholds"))


if __name__ == "__main__":
    run_stage(main)
