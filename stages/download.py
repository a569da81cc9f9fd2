"""Stage download: the splits in the uniform schema, the label contract and the data statistics."""

import dvc.api
import pandas as pd

from mltc import paths
from mltc.data import sources
from mltc.data.stats import data_summary, label_count_rows
from mltc.errors import run_stage
from mltc.fileio import write_csv, write_json, write_parquet
from mltc.params import DataConfig


def main() -> None:
    config = DataConfig.from_params(dvc.api.params_show(stages="download"))
    loaded = sources.load(config)  # every check runs before anything is written
    for split, data in loaded.splits.items():
        write_parquet(paths.raw_split(split), data.frame())
        print(f"{split}: {len(data.ids)} texts -> {paths.raw_split(split)}")
    for split in set(paths.SPLITS) - set(loaded.splits):
        paths.raw_split(split).unlink(missing_ok=True)
    loaded.schema.save(paths.LABELS)
    summary = data_summary(
        {split: data.gold for split, data in loaded.splits.items()},
        {split: len(data.ids) for split, data in loaded.splits.items()},
        loaded.schema.label_names,
    )
    write_json(paths.DATA_METRICS, summary)
    write_csv(paths.LABEL_COUNTS, pd.DataFrame(label_count_rows(summary)))
    for note in loaded.notes:
        print(note)
    print(f"{len(loaded.schema.label_names)} labels: {', '.join(loaded.schema.label_names)}")


if __name__ == "__main__":
    run_stage(main)
