"""Stage download: the splits in the uniform schema, the label contract and the data statistics,
read and written chunk by chunk (bounded memory for files of any size)."""

import dvc.api
import pandas as pd

from mltc import paths
from mltc.data import sources
from mltc.data.stats import data_summary, label_count_rows
from mltc.errors import run_stage
from mltc.fileio import atomic_path, write_csv, write_json
from mltc.params import DataConfig


def main() -> None:
    config = DataConfig.from_params(dvc.api.params_show(stages="download"))
    scanned = sources.scan(config)  # every row checked before anything is written
    with atomic_path(paths.RAW) as staging:  # data/raw is replaced whole, or not at all
        staging.mkdir()
        tallies, notes = sources.write_raw(scanned, staging)
        scanned.schema.save(staging / paths.LABELS.name)
    for split in paths.SPLITS:
        if split in tallies:
            print(f"{split}: {tallies[split].texts} texts -> {paths.raw_split(split)}")
    summary = data_summary(
        {split: tallies[split] for split in paths.SPLITS if split in tallies},
        scanned.schema.label_names,
    )
    write_json(paths.DATA_METRICS, summary)
    write_csv(paths.LABEL_COUNTS, pd.DataFrame(label_count_rows(summary)))
    for note in notes:
        print(note)
    labels = scanned.schema.label_names
    print(f"{len(labels)} labels: {', '.join(labels)}")


if __name__ == "__main__":
    run_stage(main)
