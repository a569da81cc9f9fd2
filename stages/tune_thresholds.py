"""Stage tune_thresholds: the decision rule, tuned on validation only, shipped with the model."""

import shutil

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
from mltc.thresholds import tune


def main() -> None:
    config = TuningConfig.from_params(dvc.api.params_show(stages="tune_thresholds"))
    schema = LabelSchema.load(paths.LABELS)
    saved = {split: dict(np.load(paths.probs_file(split))) for split in ("validation", "test")}
    raw_test = pd.read_parquet(paths.raw_split("test"), columns=["id", "text"])
    if raw_test["id"].tolist() != saved["test"]["ids"].tolist():
        raise PipelineError(
            f"{paths.probs_file('test')} is out of step with {paths.raw_split('test')}: run dvc repro"
        )

    validation = saved["validation"]
    result = tune(validation["probs"], validation["labels"], config)  # test never seen here
    rule = decision_rule.DecisionRule(
        result.thresholds_by_label(schema.label_names),
        result.min_labels,
        result.strategy,
        result.objective,
    )
    tuning = result.summary()
    with atomic_path(paths.MODEL) as staging:
        shutil.copytree(paths.FINETUNED, staging)
        decision_rule.save(staging, rule, {"tuning": tuning})

    report = {
        split: evaluation_report(
            arrays["labels"],
            arrays["probs"],
            schema.label_names,
            result.thresholds,
            result.min_labels,
        )
        for split, arrays in saved.items()
    }
    write_json(paths.TUNE_METRICS, {**report, "tuning": tuning})
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
        f"test {report['test'][result.objective]:.4f}"
    )


if __name__ == "__main__":
    run_stage(main)
