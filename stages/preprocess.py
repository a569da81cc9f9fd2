"""Stage preprocess@MEMBER: tokenize with the member's tokenizer, batch by batch (bounded memory)."""

import sys

import dvc.api

from mltc.core.errors import run_stage
from mltc.pipeline import preprocess
from mltc.pipeline.stage import stage_member


def main() -> None:
    member = stage_member(sys.argv[1:])
    preprocess.run(dvc.api.params_show(stages=f"preprocess@{member}"), member)


if __name__ == "__main__":
    run_stage(main)
