"""Multi-label metrics over arrays: (texts x labels) gold 0/1 and predicted probabilities."""

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    f1_score,
    hamming_loss,
    jaccard_score,
    precision_recall_curve,
    precision_recall_fscore_support,
    roc_auc_score,
)

DEFAULT_THRESHOLD = 0.5
# per-label plots (co-occurrence, precision-recall, F1 by label) show at most this many labels,
# the most frequent: a plot of hundreds stays readable; the full tables keep every label
PLOTTED_LABELS = 30
# the official SemEval E-c scores, in its order: every table and log line shows these
HEADLINE_METRICS = ("jaccard", "micro_f1", "macro_f1")


def headline_line(scores: dict) -> str:
    """The headline scores as one log line: `jaccard 0.5900  micro_f1 0.7058  macro_f1 0.5557`."""
    return "  ".join(f"{key} {scores[key]:.4f}" for key in HEADLINE_METRICS)


def binarize(
    probs: np.ndarray, thresholds: float | np.ndarray = DEFAULT_THRESHOLD, min_labels: int = 0
) -> np.ndarray:
    """1 where a label's probability reaches its threshold (one threshold, or one per label).

    With min_labels=1, a text where no label passes gets its single most probable label.
    """
    probs = np.asarray(probs)
    pred = probs >= np.asarray(thresholds)
    if min_labels:
        empty = ~pred.any(axis=1)
        pred[empty, np.argmax(probs[empty], axis=1)] = True
    return pred.astype(np.int8)


def jaccard(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """SemEval E-c "accuracy": per-text |gold & pred| / |gold | pred|, averaged; empty vs empty = 1."""
    return float(jaccard_score(y_true, y_pred, average="samples", zero_division=1.0))


def micro_f1(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(f1_score(y_true, y_pred, average="micro", zero_division=0.0))


def macro_f1(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(f1_score(y_true, y_pred, average="macro", zero_division=0.0))


def label_metrics(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """The metrics of hard predictions; keys match what Trainer logs per epoch (with eval_)."""
    return {
        "jaccard": jaccard(y_true, y_pred),
        "micro_f1": micro_f1(y_true, y_pred),
        "macro_f1": macro_f1(y_true, y_pred),
        "subset_accuracy": float(accuracy_score(y_true, y_pred)),
        "hamming_loss": float(hamming_loss(y_true, y_pred)),
    }


def ranking_metrics(y_true: np.ndarray, probs: np.ndarray) -> dict[str, float | None]:
    """Threshold-free metrics from probabilities.

    A label whose gold column is all 0 (or all 1) has no ROC AUC, and one with no positive has no
    average precision: macro averages skip such labels, and a metric with nothing left is None.
    """
    y_true = np.asarray(y_true)
    positives = y_true.sum(axis=0)
    both_classes = (positives > 0) & (positives < len(y_true))
    has_positive = positives > 0

    def over(columns: np.ndarray, metric, average: str) -> float | None:
        if not columns.any():
            return None
        return float(metric(y_true[:, columns], probs[:, columns], average=average))

    micro_defined = 0 < y_true.sum() < y_true.size
    return {
        "roc_auc_micro": over(both_classes, roc_auc_score, "micro") if micro_defined else None,
        "roc_auc_macro": over(both_classes, roc_auc_score, "macro"),
        "average_precision_micro": over(has_positive, average_precision_score, "micro"),
        "average_precision_macro": over(has_positive, average_precision_score, "macro"),
    }


def per_label_metrics(
    y_true: np.ndarray, y_pred: np.ndarray, label_names: Sequence[str]
) -> dict[str, dict[str, float | int]]:
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, average=None, zero_division=0.0
    )
    return {
        name: {
            "precision": float(precision[index]),
            "recall": float(recall[index]),
            "f1": float(f1[index]),
            "support": int(support[index]),
        }
        for index, name in enumerate(label_names)
    }


def evaluation_report(
    y_true: np.ndarray,
    probs: np.ndarray,
    label_names: Sequence[str],
    thresholds: float | np.ndarray = DEFAULT_THRESHOLD,
    min_labels: int = 0,
) -> dict:
    """Every metric of one split at the given decision rule, ready for a metrics JSON file."""
    y_true = np.asarray(y_true).astype(np.int8)
    y_pred = binarize(probs, thresholds, min_labels)
    return {
        **label_metrics(y_true, y_pred),
        **ranking_metrics(y_true, probs),
        "per_label": per_label_metrics(y_true, y_pred, label_names),
    }


def plotted_labels(gold: np.ndarray, limit: int = PLOTTED_LABELS) -> np.ndarray:
    """The columns a per-label plot shows: the `limit` labels with the most gold positives (the
    first of equals), in label order; every label when there are no more than `limit`."""
    counts = np.asarray(gold).sum(axis=0)
    if len(counts) <= limit:
        return np.arange(len(counts))
    return np.sort(np.argsort(-counts, kind="stable")[:limit])


def interpolated_pr_curves(
    y_true: np.ndarray, probs: np.ndarray, label_names: Sequence[str], points: int = 101
) -> list[dict[str, float | str]]:
    """Per-label precision-recall curves at `points` evenly spaced recall levels (long format).

    Precision at recall r is the best precision at any recall >= r (the interpolated curve),
    which keeps a plot of thousands of texts small. Labels with no positive are left out.
    """
    recall_levels = np.linspace(0.0, 1.0, points)
    rows = []
    for index, name in enumerate(label_names):
        if not np.any(y_true[:, index]):
            continue
        precision, recall, _ = precision_recall_curve(y_true[:, index], probs[:, index])
        reaches = recall[None, :] >= recall_levels[:, None] - 1e-12  # (levels x curve points)
        at_levels = np.where(reaches, precision[None, :], 0.0).max(axis=1)
        rows += [
            {"label": name, "recall": round(float(r), 4), "precision": round(float(p), 6)}
            for r, p in zip(recall_levels, at_levels, strict=True)
        ]
    return rows
