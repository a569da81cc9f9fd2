"""Stage baseline: TF-IDF + logistic regression on the same data, with the same metrics.

Its probabilities go to tune_thresholds, which tunes its decision rule like the model's, so a
threshold param change never re-fits the baseline.
"""

import dvc.api
import numpy as np

from mltc import paths
from mltc.baseline import fit_baseline
from mltc.errors import run_stage
from mltc.features import load_raw_splits
from mltc.fileio import write_json, write_npz
from mltc.labels import LabelSchema, label_matrix
from mltc.metrics import evaluation_report
from mltc.params import BaselineConfig


def main() -> None:
    config = BaselineConfig.from_params(dvc.api.params_show(stages="baseline"))
    schema = LabelSchema.load(paths.LABELS)
    raw = load_raw_splits()
    gold = {split: label_matrix(raw[split], schema.label_names) for split in raw}
    result = fit_baseline(
        raw["train"]["text"], gold["train"], raw["validation"]["text"], gold["validation"],
        raw["test"]["text"], config.c_grid, config.seed,
    )  # fmt: skip
    probs = {"validation": result.val_probs, "test": result.test_probs}
    for split, split_probs in probs.items():
        write_npz(
            paths.probs_file(split, paths.BASELINE_PROBS),
            ids=np.asarray(raw[split]["id"]),
            probs=split_probs,
            labels=gold[split],
        )
    report = {
        "c": result.c,
        "validation_ap_micro_by_c": {
            str(c): score for c, score in result.validation_score_by_c.items()
        },
        "threshold_0_5": {
            split: evaluation_report(gold[split], probs[split], schema.label_names)
            for split in probs
        },
    }
    write_json(paths.BASELINE_METRICS, report)
    if result.c in (min(config.c_grid), max(config.c_grid)):
        print(f"note: C={result.c} is at the edge of baseline.c_grid; widen the grid to be sure")
    test = report["threshold_0_5"]["test"]
    print(
        f"baseline (C={result.c}) test at 0.5: "
        + "  ".join(f"{k} {test[k]:.4f}" for k in ("jaccard", "micro_f1", "macro_f1"))
    )


if __name__ == "__main__":
    run_stage(main)
