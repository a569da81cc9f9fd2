"""Stage distill: the shipped ensemble distilled into one member (models/student); off unless
distill.enabled is true."""

import dvc.api

from mltc.core.errors import run_stage
from mltc.pipeline import distill


def main() -> None:
    distill.run(dvc.api.params_show(stages="distill"))


if __name__ == "__main__":
    run_stage(main)
