"""Stage baseline: TF-IDF + logistic regression on the same data, with the same metrics.

Its probabilities go to tune_thresholds, which tunes its decision rule like the model's (so a
threshold param change never re-fits the baseline) and may add it to the ensemble; the fitted
pipeline is saved for that.
"""

import numpy as np

from mltc.core import paths, split_files
from mltc.core.files import atomic_path, write_json, write_npz
from mltc.core.labels import LabelSchema
from mltc.core.metrics import evaluation_report, headline_line
from mltc.modeling.baseline.config import BaselineConfig
from mltc.modeling.baseline.tfidf import fit_baseline, save_baseline


def run(params: dict) -> None:
    """Fit the baseline on train, choose C on validation, save its probabilities and model."""
    config = BaselineConfig.from_params(params)
    schema = LabelSchema.load(paths.LABELS)
    frames = {split: split_files.read_split(split) for split in split_files.available_splits()}
    gold = {split: split_files.gold_matrix(frame, schema, split) for split, frame in frames.items()}
    evaluated = [split for split in paths.EVALUATED_SPLITS if split in frames]
    result = fit_baseline(
        frames["train"]["text"].tolist(), gold["train"],
        frames["validation"]["text"].tolist(), gold["validation"],
        {split: frames[split]["text"].tolist() for split in evaluated},
        config.c_grid, config.seed,
    )  # fmt: skip
    for split in evaluated:
        arrays = {"ids": frames[split]["id"].to_numpy(dtype=str), "probs": result.probs[split],
                  "label_names": np.asarray(schema.label_names)}  # fmt: skip
        if gold[split] is not None:
            arrays["labels"] = gold[split]
        write_npz(paths.probs_file(split, paths.BASELINE_PROBS), **arrays)
    report = {
        "c": result.c,
        "validation_ap_micro_by_c": {
            str(c): score for c, score in result.validation_score_by_c.items()
        },
        "threshold_0_5": {
            split: evaluation_report(gold[split], result.probs[split], schema.label_names)
            for split in evaluated
            if gold[split] is not None
        },
    }
    with atomic_path(paths.BASELINE) as staging:
        staging.mkdir()
        save_baseline(staging, result.model, schema.label_names)
    write_json(paths.BASELINE_METRICS, report)
    if result.c in (min(config.c_grid), max(config.c_grid)):
        print(f"note: C={result.c} is at the edge of baseline.c_grid; widen the grid to be sure")
    for split, scores in report["threshold_0_5"].items():
        print(f"baseline (C={result.c}) {split} at 0.5: " + headline_line(scores))
