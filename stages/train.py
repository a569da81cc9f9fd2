"""Stage train@MEMBER: fine-tune one ensemble member with the Trainer, keep the best epoch, save
its weights and tokenizer. With --check-params (dvc.yaml, before torchrun) it only checks the
member's params."""

import sys

import dvc.api

from mltc.core.errors import run_stage
from mltc.core.stage_args import stage_member
from mltc.modeling.members import checked_train_params


def main() -> None:
    member = stage_member(sys.argv[1:])
    params = dvc.api.params_show(stages=f"train@{member}")
    if "--check-params" in sys.argv[1:]:
        checked_train_params(params, member)
    else:  # imported only to train: torch and transformers take seconds in each new process
        from mltc.pipeline import train

        train.run(params, member)


if __name__ == "__main__":
    run_stage(main)
