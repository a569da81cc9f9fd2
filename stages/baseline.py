"""Stage baseline: TF-IDF + logistic regression on the same data, metrics and threshold tuning."""

import dvc.api

from mltc import paths
from mltc.baseline import fit_baseline
from mltc.errors import run_stage
from mltc.features import load_raw_splits
from mltc.fileio import write_json
from mltc.labels import LabelSchema, label_matrix
from mltc.metrics import evaluation_report
from mltc.params import BaselineConfig, TuningConfig
from mltc.thresholds import tune


def main() -> None:
    params = dvc.api.params_show(stages="baseline")
    config, tuning_config = BaselineConfig.from_params(params), TuningConfig.from_params(params)
    schema = LabelSchema.load(paths.LABELS)
    raw = load_raw_splits()
    gold = {split: label_matrix(raw[split], schema.label_names) for split in raw}
    result = fit_baseline(
        raw["train"]["text"], gold["train"], raw["validation"]["text"], gold["validation"],
        raw["test"]["text"], config.c_grid, config.seed,
    )  # fmt: skip
    probs = {"validation": result.val_probs, "test": result.test_probs}
    tuned = tune(result.val_probs, gold["validation"], tuning_config)  # validation only
    names = schema.label_names
    report = {
        "c": result.c,
        "validation_ap_micro_by_c": {
            str(c): score for c, score in result.validation_score_by_c.items()
        },
        "threshold_0_5": {
            split: evaluation_report(gold[split], probs[split], names) for split in probs
        },
        "tuned": {
            split: evaluation_report(
                gold[split], probs[split], names, tuned.thresholds, tuned.min_labels
            )
            for split in probs
        },
        "tuning": tuned.summary(),
    }
    write_json(paths.BASELINE_METRICS, report)
    if result.c in (min(config.c_grid), max(config.c_grid)):
        print(f"note: C={result.c} is at the edge of baseline.c_grid; widen the grid to be sure")
    for rule in ("threshold_0_5", "tuned"):
        test = report[rule]["test"]
        print(
            f"baseline (C={result.c}) test, {rule}: "
            + "  ".join(f"{k} {test[k]:.4f}" for k in ("jaccard", "micro_f1", "macro_f1"))
        )


if __name__ == "__main__":
    run_stage(main)
