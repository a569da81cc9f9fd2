"""Stage tune_thresholds: the decision rule, tuned on validation only, shipped with the model.

The baseline's rule is tuned here too, with the same params, so that both are tuned alike and a
threshold change re-runs this stage alone.
"""

import shutil
from pathlib import Path

import dvc.api
import numpy as np
import pandas as pd

from mltc import decision_rule, paths
from mltc.errors import PipelineError, run_stage
from mltc.fileio import atomic_path, write_csv, write_json
from mltc.labels import LabelSchema
from mltc.metrics import binarize, evaluation_report
from mltc.params import TuningConfig
from mltc.submission import format_predictions_tsv
from mltc.thresholds import TuningResult, tune

SPLITS = ("validation", "test")


def load_probs(folder: Path, test_ids: list[str]) -> dict[str, dict[str, np.ndarray]]:
    saved = {split: dict(np.load(paths.probs_file(split, folder))) for split in SPLITS}
    if saved["test"]["ids"].tolist() != test_ids:
        raise PipelineError(
            f"{paths.probs_file('test', folder)} is out of step with {paths.raw_split('test')}: "
            "run dvc repro"
        )
    return saved


def tune_and_report(
    saved: dict[str, dict[str, np.ndarray]], config: TuningConfig, label_names: list[str]
) -> tuple[TuningResult, dict]:
    """The rule tuned on validation (test is never seen), and every metric at it."""
    validation = saved["validation"]
    result = tune(validation["probs"], validation["labels"], config)
    report = {
        split: evaluation_report(
            arrays["labels"], arrays["probs"], label_names, result.thresholds, result.min_labels
        )
        for split, arrays in saved.items()
    }
    return result, {**report, "tuning": result.summary()}


def main() -> None:
    config = TuningConfig.from_params(dvc.api.params_show(stages="tune_thresholds"))
    schema = LabelSchema.load(paths.LABELS)
    names = list(schema.label_names)
    raw_test = pd.read_parquet(paths.raw_split("test"), columns=["id", "text"])
    saved = load_probs(paths.PROBS, raw_test["id"].tolist())
    baseline_saved = load_probs(paths.BASELINE_PROBS, raw_test["id"].tolist())

    result, report = tune_and_report(saved, config, names)
    _, baseline_report = tune_and_report(baseline_saved, config, names)  # before any write
    rule = decision_rule.DecisionRule(
        result.thresholds_by_label(names),
        result.min_labels,
        result.strategy,
        result.objective,
    )
    with atomic_path(paths.MODEL) as staging:
        shutil.copytree(paths.FINETUNED, staging)
        decision_rule.save(staging, rule, {"tuning": report["tuning"]})
    write_json(paths.TUNE_METRICS, report)
    write_json(paths.BASELINE_TUNED_METRICS, baseline_report)
    write_csv(paths.THRESHOLD_CURVE, pd.DataFrame(result.curve))
    per_label = report["test"]["per_label"]
    write_csv(
        paths.PER_LABEL_F1,
        pd.DataFrame({"label": list(per_label), "f1": [m["f1"] for m in per_label.values()]}),
    )
    test_pred = binarize(saved["test"]["probs"], result.thresholds, result.min_labels)
    with atomic_path(paths.TEST_PREDICTIONS) as staging:
        staging.write_text(
            format_predictions_tsv(raw_test["id"], raw_test["text"], test_pred, schema),
            encoding="utf-8",
        )
    print(
        f"{result.strategy} thresholds, min_labels={result.min_labels}, {result.objective}: "
        f"validation {result.in_sample:.4f} in-sample, {result.cross_validated:.4f} cross-validated; "
        f"test {report['test'][result.objective]:.4f}; baseline test "
        f"{baseline_report['test'][result.objective]:.4f}"
    )


if __name__ == "__main__":
    run_stage(main)
