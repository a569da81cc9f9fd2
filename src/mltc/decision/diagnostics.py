"""Per-label diagnostics of a decision rule on one split: which labels get confused with which,
how well the probabilities are calibrated, each label's scores and threshold, and the errors the
model makes most confidently, for a person to read."""

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.metrics import precision_recall_fscore_support

from mltc.core.metrics import plotted_labels


def cooccurrence(gold: np.ndarray, pred: np.ndarray, label_names: Sequence[str]) -> pd.DataFrame:
    """Texts with gold label a and predicted label b, for every pair (a, b) of the plotted labels
    (`core.metrics.plotted_labels`: the most frequent, so the heatmap stays readable): the
    diagonal is each label's true positives, a row's other cells what its texts were (also)
    given."""
    shown = plotted_labels(gold)
    counts = gold[:, shown].astype(np.int64).T @ pred[:, shown].astype(np.int64)
    names = [label_names[index] for index in shown]
    return pd.DataFrame(
        [
            {"gold": gold_name, "predicted": pred_name, "texts": int(counts[i, j])}
            for i, gold_name in enumerate(names)
            for j, pred_name in enumerate(names)
        ]
    )


def calibration(gold: np.ndarray, probs: np.ndarray, bins: int = 10) -> pd.DataFrame:
    """Reliability diagram data over all (text, label) pairs: for each probability bin, the mean
    predicted probability against the share of pairs that are gold positives."""
    flat_probs, flat_gold = probs.ravel(), gold.ravel().astype(float)
    which = np.minimum((flat_probs * bins).astype(int), bins - 1)
    rows = []
    for index in range(bins):
        members = which == index
        if members.any():
            rows.append(
                {
                    "mean_probability": round(float(flat_probs[members].mean()), 6),
                    "observed_rate": round(float(flat_gold[members].mean()), 6),
                    "pairs": int(members.sum()),
                }
            )
    return pd.DataFrame(rows, columns=["mean_probability", "observed_rate", "pairs"])


def per_label_table(
    gold: np.ndarray, pred: np.ndarray, label_names: Sequence[str], thresholds: np.ndarray
) -> pd.DataFrame:
    precision, recall, f1, support = precision_recall_fscore_support(
        gold, pred, average=None, zero_division=0.0
    )
    return pd.DataFrame(
        {
            "label": list(label_names),
            "support": support.astype(int),
            "precision": precision.round(4),
            "recall": recall.round(4),
            "f1": f1.round(4),
            "threshold": np.asarray(thresholds, dtype=float).round(4),
        }
    )


def error_examples(
    texts: Sequence[str],
    gold: np.ndarray,
    probs: np.ndarray,
    pred: np.ndarray,
    label_names: Sequence[str],
    per_label: int = 3,
) -> str:
    """Markdown: for each label, the false positives with the highest probability and the false
    negatives with the lowest."""
    lines = []
    for index, name in enumerate(label_names):
        column = probs[:, index]
        false_pos = np.flatnonzero((pred[:, index] == 1) & (gold[:, index] == 0))
        false_neg = np.flatnonzero((pred[:, index] == 0) & (gold[:, index] == 1))
        lines += [f"## {name}", ""]
        for title, rows in (
            ("most confident false positives", false_pos[np.argsort(-column[false_pos])]),
            ("most confident false negatives", false_neg[np.argsort(column[false_neg])]),
        ):
            lines.append(f"{title}:")
            shown = rows[:per_label]
            if not len(shown):
                lines.append("- none")
            for row in shown:
                text = " ".join(str(texts[row]).split())  # one line, whatever the text holds
                lines.append(f"- {column[row]:.3f}: {text}")
            lines.append("")
    return "\n".join(lines)
