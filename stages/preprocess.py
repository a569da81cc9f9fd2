"""Stage preprocess@MEMBER: tokenize with the member's tokenizer, batch by batch (bounded memory)."""

import sys

import dvc.api

from mltc.core.errors import run_stage
from mltc.core.stage_args import stage_member
from mltc.pipeline import preprocess


def main() -> None:
    member = stage_member(sys.argv[1:])
    preprocess.run(dvc.api.params_show(stages=f"preprocess@{member}"), member)


if __name__ == "__main__":
    run_stage(main)
