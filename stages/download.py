"""Stage download: the splits in the uniform schema, the label contract and the data statistics,
read and written chunk by chunk (bounded memory for files of any size)."""

import dvc.api

from mltc.core.errors import run_stage
from mltc.pipeline import download


def main() -> None:
    download.run(dvc.api.params_show(stages="download"))


if __name__ == "__main__":
    run_stage(main)
