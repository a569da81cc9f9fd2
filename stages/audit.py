"""Stage audit: the training labels that out-of-fold probabilities call into question."""

import dvc.api

from mltc.core.errors import run_stage
from mltc.pipeline import audit


def main() -> None:
    audit.run(audit.stage_params(dvc.api.params_show(stages="audit"), dvc.api.params_show))


if __name__ == "__main__":
    run_stage(main)
