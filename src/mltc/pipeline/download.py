"""Stage download: the splits in the uniform schema, the label contract and the data statistics,
read and written chunk by chunk (bounded memory for files of any size)."""

import pandas as pd

from mltc.core import paths
from mltc.core.files import atomic_path, write_csv, write_json
from mltc.core.stats import data_summary, label_count_rows
from mltc.ingest.config import DataConfig
from mltc.ingest.corrections import Corrector, read_corrections
from mltc.ingest.scan import scan
from mltc.ingest.write import write_raw


def run(params: dict) -> None:
    """Read and check every row of the data that `data` names, then write the splits, the label
    contract and the data statistics."""
    config = DataConfig.from_params(params)
    scanned = scan(config)  # every row checked before anything is written
    corrections = read_corrections(
        config.exclude, config.relabel, scanned.schema.label_names, scanned.split_of_id
    )
    corrector = Corrector(corrections, scanned.schema.label_names)
    with atomic_path(paths.RAW) as staging:  # data/raw is replaced whole, or not at all
        staging.mkdir()
        tallies, notes = write_raw(scanned, staging, corrector)
        corrector.check_left(tallies)
        scanned.schema.save(staging / paths.LABELS.name)
    for split in paths.SPLITS:
        if split in tallies:
            print(f"{split}: {tallies[split].texts} texts -> {paths.raw_split(split)}")
    summary = data_summary(
        {split: tallies[split] for split in paths.SPLITS if split in tallies},
        scanned.schema.label_names,
        config.rare_below,
    )
    applied = corrector.summary()
    if applied is not None:
        summary["corrections"] = applied
        for split, counts in applied["by_split"].items():
            print(f"{split}: {counts['excluded']} texts excluded, {counts['relabelled']} "
                  "relabelled (data.corrections)")  # fmt: skip
    write_json(paths.DATA_METRICS, summary)
    write_csv(paths.LABEL_COUNTS, pd.DataFrame(label_count_rows(summary)))
    for note in notes:
        print(note)
    labels = scanned.schema.label_names
    print(f"{len(labels)} labels: {', '.join(labels)}")
    for split, rare in summary["rare_labels"].items():
        if rare:
            print(f"{split}: {len(rare)} rare label(s), fewer than data.rare_below="
                  f"{config.rare_below} texts: {', '.join(rare)}")  # fmt: skip
