"""The decision rule tuned on validation and every metric at it: what `tune_thresholds` reports
for the ensemble, each member alone and the baseline, and `distill` for its student."""

from mltc.core import paths
from mltc.core.metrics import HEADLINE_METRICS, evaluation_report
from mltc.decision.config import TuningConfig
from mltc.decision.thresholds import TuningResult, tune


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
    tuning = {
        **result.summary(),
        "labels_at_global_threshold": result.unsupported_labels(label_names),
    }
    return result, {**report, "tuning": tuning}


def headline(result: TuningResult, report: dict) -> dict:
    """The rule and the headline scores of each labelled split (a member alone, for comparison)."""
    scores = {
        split: {key: report[split][key] for key in HEADLINE_METRICS}
        for split in paths.EVALUATED_SPLITS
        if split in report
    }
    return {"strategy": result.strategy, "min_labels": result.min_labels, **scores}
