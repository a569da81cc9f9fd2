import numpy as np
import pytest

from mltc.core import metrics

# 3 texts x 4 labels, worked out by hand:
#   text 0: gold {0, 2}, pred {0}     -> Jaccard 1/2
#   text 1: gold {},     pred {}      -> Jaccard 1 (SemEval convention)
#   text 2: gold {0, 1}, pred {1, 2}  -> Jaccard 1/3
GOLD = np.array([[1, 0, 1, 0], [0, 0, 0, 0], [1, 1, 0, 0]])
PRED = np.array([[1, 0, 0, 0], [0, 0, 0, 0], [0, 1, 1, 0]])


def test_jaccard_counts_empty_gold_and_empty_prediction_as_one():
    assert metrics.jaccard(GOLD, PRED) == pytest.approx((1 / 2 + 1 + 1 / 3) / 3)


def test_micro_f1_pools_all_cells():
    # TP 2, FP 1, FN 2 -> F1 = 2*2 / (2*2 + 1 + 2)
    assert metrics.micro_f1(GOLD, PRED) == pytest.approx(4 / 7)


def test_macro_f1_averages_labels_with_zero_for_undefined():
    # label F1s: 2/3, 1, 0, 0 (label 3 has no gold and no prediction)
    assert metrics.macro_f1(GOLD, PRED) == pytest.approx((2 / 3 + 1 + 0 + 0) / 4)


def test_subset_accuracy_and_hamming_loss():
    scores = metrics.label_metrics(GOLD, PRED)
    assert scores["subset_accuracy"] == pytest.approx(1 / 3)
    assert scores["hamming_loss"] == pytest.approx(3 / 12)


def test_binarize_with_one_threshold_per_label():
    probs = np.array([[0.5, 0.2, 0.9], [0.49, 0.3, 0.1]])
    assert metrics.binarize(probs).tolist() == [[1, 0, 1], [0, 0, 0]]
    assert metrics.binarize(probs, np.array([0.6, 0.25, 0.05])).tolist() == [[0, 0, 1], [0, 1, 1]]


def test_ranking_metrics_use_probabilities_and_skip_undefined_labels():
    gold = np.array([[1, 0, 0], [0, 1, 0], [1, 1, 0], [0, 0, 0]])
    # label 0 ranked perfectly (AUC 1), label 1 ranked backwards (AUC 0), label 2 has no positive
    probs = np.array([[0.9, 0.8, 0.1], [0.1, 0.2, 0.2], [0.8, 0.3, 0.3], [0.2, 0.9, 0.4]])
    scores = metrics.ranking_metrics(gold, probs)
    assert scores["roc_auc_macro"] == pytest.approx(0.5)
    # label 0: positives at ranks 1, 2 -> AP 1; label 1: positives at ranks 3, 4 -> AP (1/3 + 2/4) / 2
    assert scores["average_precision_macro"] == pytest.approx((1 + (1 / 3 + 2 / 4) / 2) / 2)
    assert 0 <= scores["roc_auc_micro"] <= 1
    assert 0 <= scores["average_precision_micro"] <= 1


def test_ranking_metrics_are_none_when_no_label_has_both_classes():
    gold = np.zeros((3, 2))
    scores = metrics.ranking_metrics(gold, np.full((3, 2), 0.3))
    assert scores == {
        "roc_auc_micro": None,
        "roc_auc_macro": None,
        "average_precision_micro": None,
        "average_precision_macro": None,
    }


def test_evaluation_report_has_every_key_and_per_label_counts():
    probs = np.where(PRED == 1, 0.8, 0.2)
    report = metrics.evaluation_report(GOLD, probs, ["a", "b", "c", "d"])
    assert set(report) == {
        "jaccard", "micro_f1", "macro_f1", "subset_accuracy", "hamming_loss", "roc_auc_micro",
        "roc_auc_macro", "average_precision_micro", "average_precision_macro", "per_label",
    }  # fmt: skip
    assert report["jaccard"] == pytest.approx(metrics.jaccard(GOLD, PRED))
    assert report["per_label"]["a"] == {
        "precision": 1.0,
        "recall": 0.5,
        "f1": pytest.approx(2 / 3),
        "support": 2,
    }
    assert report["per_label"]["c"]["precision"] == 0.0
    assert report["per_label"]["d"]["support"] == 0


def test_interpolated_pr_curve_takes_the_best_precision_at_or_beyond_each_recall():
    # label a: positives ranked 1st and 3rd -> precision 1 up to recall 1/2, then 2/3 at recall 1
    gold = np.array([[1, 0], [0, 0], [1, 0], [0, 0]])
    probs = np.array([[0.9, 0.1], [0.8, 0.2], [0.7, 0.3], [0.1, 0.4]])
    rows = metrics.interpolated_pr_curves(gold, probs, ["a", "b"], points=5)
    assert [row["label"] for row in rows] == ["a"] * 5  # b has no positive: no curve
    assert [row["recall"] for row in rows] == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert [row["precision"] for row in rows] == pytest.approx([1, 1, 1, 2 / 3, 2 / 3], abs=1e-6)


def test_per_label_plots_show_the_most_frequent_labels_in_label_order():
    gold = np.zeros((10, 5), dtype=np.int8)
    for label, positives in enumerate([1, 5, 0, 3, 5]):
        gold[:positives, label] = 1
    assert metrics.plotted_labels(gold, limit=3).tolist() == [1, 3, 4]
    assert metrics.plotted_labels(gold, limit=5).tolist() == [0, 1, 2, 3, 4]
