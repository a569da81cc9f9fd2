"""Stage baseline: TF-IDF + logistic regression on the same data, with the same metrics."""

import dvc.api

from mltc.core.errors import run_stage
from mltc.pipeline import baseline


def main() -> None:
    baseline.run(dvc.api.params_show(stages="baseline"))


if __name__ == "__main__":
    run_stage(main)
