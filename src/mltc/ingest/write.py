"""The second pass: the checked rows written as `data/raw` holds them, chunk by chunk, with the
missing splits split off train by iterative stratification; memory is bounded by the chunk size,
the ids and, when a split is split off, train's label matrix (a byte per text and label)."""

from pathlib import Path

import numpy as np

from mltc.core import split_files
from mltc.core.stats import LabelTally
from mltc.ingest import sources
from mltc.ingest.checks import warn_unseen_labels
from mltc.ingest.corrections import Corrections, Corrector
from mltc.ingest.scan import Scanned, chunks
from mltc.ingest.stratify import stratified_split


def write_raw(
    scanned: Scanned, folder: Path, corrector: Corrector | None = None
) -> tuple[dict[str, LabelTally], list[str]]:
    """The splits as `data/raw` holds them, written chunk by chunk into `folder` with your
    corrections applied after any split-off (the split is the same with and without them); what
    each holds (texts, label counts) and notes for the log."""
    notes = list(scanned.notes)
    corrector = corrector or Corrector(Corrections(), scanned.schema.label_names)
    with split_files.SplitWriters(folder, scanned.config.max_rows) as writers:
        if not scanned.split_off:
            for split, part in chunks(scanned):
                writers.write(split, corrector.apply(split, part))
        else:
            unsplit = folder / ".train-before-split-off.parquet"
            train_gold = []
            with split_files.SplitWriters(folder, None, {"train": unsplit}) as train_writer:
                for split, part in chunks(scanned):
                    if split == "train":
                        train_writer.write(split, part)
                        train_gold.append(part.gold)
                    else:
                        writers.write(split, corrector.apply(split, part))
            assignment, split_notes = split_off_train(np.concatenate(train_gold), scanned)
            notes += split_notes
            destination = np.empty(sum(len(gold) for gold in train_gold), dtype=object)
            for split, rows in assignment.items():
                destination[rows] = split
            for before, part in split_files.read_chunks(unsplit, sources.CHUNK_ROWS):
                for split in assignment:
                    rows = part.take(destination[before : before + len(part.ids)] == split)
                    writers.write(split, corrector.apply(split, rows))
            unsplit.unlink()
    warn_unseen_labels(writers.tallies["train"], scanned.schema.label_names)
    return writers.tallies, notes


def split_off_train(
    train_gold: np.ndarray, scanned: Scanned
) -> tuple[dict[str, np.ndarray], list[str]]:
    """The train rows of each split after test (when asked) and validation are split off train by
    iterative stratification; fractions are of the training data as read."""
    config = scanned.config
    rows, assignment, notes, removed = np.arange(len(train_gold)), {}, [], 0.0
    fractions = {"test": config.test_fraction, "validation": config.validation_fraction}
    for split in scanned.split_off:
        kept, split_off = stratified_split(
            train_gold[rows], fractions[split] / (1 - removed), config.split_seed
        )
        assignment[split], rows = rows[split_off], rows[kept]
        removed += fractions[split]
        notes.append(
            f"{split}: {len(split_off)} texts split off train (stratified, seed {config.split_seed})"
        )
    assignment["train"] = rows
    return assignment, notes
