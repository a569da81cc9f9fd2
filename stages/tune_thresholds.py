"""Stage tune_thresholds: the decision rule, tuned on validation only, shipped with the model.

The baseline's rule is tuned here too, with the same params, so that both are tuned alike and a
threshold change re-runs this stage alone. Everything is computed and formatted before the first
file is written.
"""

import shutil

import dvc.api
import numpy as np
import pandas as pd

from mltc import paths
from mltc.data import raw
from mltc.data.labels import LabelSchema
from mltc.data.text import TextEncoding
from mltc.decision import rule as decision_rule
from mltc.decision.thresholds import TuningResult, tune
from mltc.errors import run_stage
from mltc.fileio import atomic_path, read_json, write_csv, write_json
from mltc.metrics import binarize, evaluation_report
from mltc.modeling.probabilities import load_probs
from mltc.params import TuningConfig
from mltc.serving.model_card import model_card
from mltc.serving.writers import write_predictions


def tune_and_report(
    saved: dict[str, dict], config: TuningConfig, label_names: list[str]
) -> tuple[TuningResult, dict]:
    """The rule tuned on validation (test is never seen), and every metric at it, for each
    split with labels."""
    validation = saved["validation"]
    result = tune(validation["probs"], validation["labels"], config)
    report = {
        split: evaluation_report(
            arrays["labels"], arrays["probs"], label_names, result.thresholds, result.min_labels
        )
        for split, arrays in saved.items()
        if "labels" in arrays
    }
    return result, {**report, "tuning": result.summary()}


def main() -> None:
    params = dvc.api.params_show(stages="tune_thresholds")
    config = TuningConfig.from_params(params)
    schema = LabelSchema.load(paths.LABELS)
    names = list(schema.label_names)
    raw_test = raw.read_split("test", ["id", "text"]) if "test" in raw.available_splits() else None
    test_ids = None if raw_test is None else raw_test["id"].tolist()
    saved = load_probs(paths.PROBS, schema, test_ids)
    baseline_saved = load_probs(paths.BASELINE_PROBS, schema, test_ids)

    result, report = tune_and_report(saved, config, names)
    _, baseline_report = tune_and_report(baseline_saved, config, names)
    rule = decision_rule.DecisionRule(
        result.thresholds_by_label(names), result.min_labels, result.strategy, result.objective
    )
    card = model_card(
        schema,
        read_json(paths.DATA_METRICS),
        {split: report[split] for split in paths.EVALUATED_SPLITS if split in report},
        rule,
        params["model"],
        TextEncoding.load(paths.WEIGHTS).max_length,
    )
    reported = "test" if "test" in report else "validation"
    per_label = report[reported]["per_label"]
    per_label_f1 = pd.DataFrame(
        {"label": list(per_label), "f1": [m["f1"] for m in per_label.values()]}
    )

    # everything is computed: now write, each file atomically
    if raw_test is None:  # no test split: the predictions file has a header and no row
        raw_test = pd.DataFrame({"id": [], "text": []})
        test_pred = np.zeros((0, len(names)), dtype=np.int8)
    else:
        test_pred = binarize(saved["test"]["probs"], result.thresholds, result.min_labels)
    write_predictions(paths.TEST_PREDICTIONS, raw_test["id"], raw_test["text"], test_pred, schema)
    with atomic_path(paths.CLASSIFIER) as staging:
        shutil.copytree(paths.WEIGHTS, staging)
        decision_rule.save(staging, rule, {"tuning": report["tuning"]})
        (staging / "README.md").write_text(card, encoding="utf-8")
    write_json(paths.TUNE_METRICS, report)
    write_json(paths.BASELINE_TUNED_METRICS, baseline_report)
    write_csv(paths.THRESHOLD_CURVE, pd.DataFrame(result.curve))
    write_csv(paths.PER_LABEL_F1, per_label_f1)
    print(
        f"{result.strategy} thresholds, min_labels={result.min_labels}, {result.objective}: "
        f"validation {result.in_sample:.4f} in-sample, {result.cross_validated:.4f} cross-validated; "
        f"{reported} {report[reported][result.objective]:.4f}; baseline {reported} "
        f"{baseline_report[reported][result.objective]:.4f}"
    )


if __name__ == "__main__":
    run_stage(main)
