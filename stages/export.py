"""Stage export: the shipped classifier as ONNX graphs that carry its decision rule, checked
against torch before it is written."""

import dvc.api

from mltc.core.errors import run_stage
from mltc.pipeline import export


def main() -> None:
    export.run(dvc.api.params_show(stages="export"))


if __name__ == "__main__":
    run_stage(main)
