"""Stage evaluate@MEMBER: the member's probabilities for validation and test, and every metric at
threshold 0.5 (tune_thresholds combines the members)."""

import sys

import dvc.api

from mltc.core.errors import run_stage
from mltc.core.stage_args import stage_member
from mltc.pipeline import evaluate


def main() -> None:
    member = stage_member(sys.argv[1:])
    evaluate.run(dvc.api.params_show(stages=f"evaluate@{member}"), member)


if __name__ == "__main__":
    run_stage(main)
