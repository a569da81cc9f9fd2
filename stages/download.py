"""Stage download: the SemEval E-c splits in the uniform schema, plus the label list."""

import dvc.api

from mltc import paths, semeval
from mltc.errors import run_stage
from mltc.fileio import write_parquet
from mltc.params import DownloadConfig


def main() -> None:
    config = DownloadConfig.from_params(dvc.api.params_show(stages="download"))
    if config.source == "local":
        splits = semeval.read_local_release(config.local_dir, config.language)
    else:
        splits = semeval.read_hub(
            config.hub_dataset, config.language, config.hub_revision, config.local_dir
        )
    for split, frame in splits.items():
        kept = frame if config.max_rows is None else frame.head(config.max_rows)
        write_parquet(paths.raw_split(split), kept)
        print(f"{split}: {len(kept)} texts -> {paths.raw_split(split)}")
    semeval.SCHEMA.save(paths.LABELS)


if __name__ == "__main__":
    run_stage(main)
