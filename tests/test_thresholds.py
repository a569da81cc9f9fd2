import numpy as np
import pytest

from mltc.core import metrics
from mltc.decision import thresholds
from mltc.decision.config import TuningConfig

CONFIG = TuningConfig(
    strategy="auto",
    objective="micro_f1",
    min_labels="auto",
    grid_step=0.05,
    shrinkage=0.5,
    cv_folds=5,
    seed=0,
)


def synthetic(rows: int = 400, labels: int = 4, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Gold labels and probabilities whose best threshold differs by label."""
    rng = np.random.default_rng(seed)
    gold = (rng.random((rows, labels)) < np.array([0.4, 0.2, 0.1, 0.3])).astype(np.int8)
    shift = np.array([0.0, -0.2, -0.3, 0.1])  # labels 1 and 2 come out under-confident
    probs = np.clip(0.25 + 0.5 * gold + shift + rng.normal(0, 0.15, gold.shape), 0.001, 0.999)
    return probs, gold


@pytest.mark.parametrize(
    ("fast", "reference"),
    [
        (thresholds.fast_micro_f1, metrics.micro_f1),
        (thresholds.fast_macro_f1, metrics.macro_f1),
        (thresholds.fast_jaccard, metrics.jaccard),
    ],
)
def test_fast_objectives_equal_the_sklearn_metrics(fast, reference):
    rng = np.random.default_rng(1)
    gold = rng.random((50, 5)) < 0.2
    pred = rng.random((50, 5)) < 0.2
    gold[:, 4] = pred[:, 4] = False  # a label never present, and rows with no label at all
    assert fast(gold, pred) == pytest.approx(reference(gold.astype(int), pred.astype(int)))


def test_min_labels_adds_the_most_probable_label_only_where_none_passes():
    probs = np.array([[0.2, 0.4, 0.1], [0.7, 0.6, 0.1]])
    assert metrics.binarize(probs, 0.5, min_labels=1).tolist() == [[0, 1, 0], [1, 1, 0]]
    assert metrics.binarize(probs, 0.5, min_labels=0).tolist() == [[0, 0, 0], [1, 1, 0]]


def test_global_threshold_is_the_grid_best():
    probs, gold = synthetic()
    grid = thresholds.threshold_grid(0.05)
    assert grid[0] == 0.05 and grid[-1] == 0.95 and len(grid) == 19
    curve = thresholds.global_curve(probs, gold, thresholds.fast_micro_f1, grid, 0)
    fitted = thresholds.fit_global(probs, gold, thresholds.fast_micro_f1, grid, 0)
    assert np.all(fitted == grid[np.argmax(curve)])


def test_per_label_thresholds_follow_each_labels_calibration_and_beat_global():
    probs, gold = synthetic()
    grid = thresholds.threshold_grid(0.05)
    objective = thresholds.fast_micro_f1
    start = thresholds.fit_global(probs, gold, objective, grid, 0)
    per_label = thresholds.fit_per_label(probs, gold, "micro_f1", grid, 0, shrinkage=0.0)
    assert per_label[2] < start[2] and per_label[3] > per_label[2]  # under-confident label: lower
    score = lambda t: objective(gold.astype(bool), metrics.binarize(probs, t).astype(bool))  # noqa: E731
    assert score(per_label) > score(start)
    shrunk = thresholds.fit_per_label(probs, gold, "micro_f1", grid, 0, shrinkage=0.5)
    np.testing.assert_allclose(shrunk, start + 0.5 * (per_label - start))


def test_a_label_with_too_few_validation_positives_keeps_the_global_threshold(monkeypatch):
    probs, gold = synthetic()
    gold[:, 2] = 0
    gold[:12, 2] = 1  # label 2: 12 positives; the others have 40 or more
    grid = thresholds.threshold_grid(0.05)
    start = thresholds.fit_global(probs, gold, thresholds.fast_micro_f1, grid, 0)
    free = thresholds.fit_per_label(probs, gold, "micro_f1", grid, 0, shrinkage=0.0)
    held = thresholds.fit_per_label(probs, gold, "micro_f1", grid, 0, shrinkage=0.0, frozen=(2,))
    assert free[2] != start[2] and held[2] == start[2]  # left free, it would move
    assert thresholds.unsupported_labels(gold, 13) == (2,)
    # tuning and its cross-validation freeze the same labels: those short on all of validation
    frozen_seen = []
    fit = thresholds.fit_per_label

    def recording(*args, frozen=(), **kwargs):
        frozen_seen.append(tuple(frozen))
        return fit(*args, frozen=frozen, **kwargs)

    monkeypatch.setattr(thresholds, "fit_per_label", recording)
    config = TuningConfig("per_label", "micro_f1", 0, 0.05, 0.0, 3, 0, min_support=13)
    result = thresholds.tune(probs, gold, config)
    assert result.unsupported == (2,) and result.unsupported_labels("abcd") == ["c"]
    assert frozen_seen == [(2,)] * 4  # the final fit and each of the 3 folds
    np.testing.assert_array_equal(result.thresholds, held)


@pytest.mark.parametrize("objective", sorted(thresholds.OBJECTIVES))
@pytest.mark.parametrize("min_labels", [0, 1])
def test_column_scores_equal_scoring_each_grid_value_in_full(objective, min_labels):
    """The search's shortcut gives exactly what binarize-then-score gives, fallback included."""
    rng = np.random.default_rng(3)
    probs = rng.random((60, 7)) ** 3  # many texts where no label passes: the fallback matters
    gold = rng.random((60, 7)) < 0.2
    gold[:5] = False  # texts without labels (Jaccard's empty-vs-empty case)
    grid = thresholds.threshold_grid(0.1)
    current = rng.choice(grid, size=7)
    for label in range(7):
        fast = thresholds.column_scores(objective, probs, gold, current, label, grid, min_labels)
        full = []
        for value in grid:
            trial = current.copy()
            trial[label] = value
            full.append(
                thresholds.score(thresholds.OBJECTIVES[objective], gold, probs, trial, min_labels)
            )
        np.testing.assert_allclose(fast, full, rtol=0, atol=1e-12)


def test_tune_picks_by_cross_validation_and_reports_both_estimates():
    probs, gold = synthetic()
    result = thresholds.tune(probs, gold, CONFIG)
    assert [(c["strategy"], c["min_labels"]) for c in result.candidates] == [
        ("global", 0),
        ("global", 1),
        ("per_label", 0),
        ("per_label", 1),
    ]
    best = max(result.candidates, key=lambda c: c["cross_validated"])
    assert (result.strategy, result.min_labels) == (best["strategy"], best["min_labels"])
    assert result.cross_validated == best["cross_validated"]
    assert result.in_sample >= result.cross_validated - 0.05
    assert set(result.curve) == {"threshold", "micro_f1", "macro_f1", "jaccard"}
    assert len(result.curve["micro_f1"]) == 19


def test_fixed_choices_are_respected():
    probs, gold = synthetic()
    config = TuningConfig("global", "jaccard", 0, 0.1, 0.5, 3, 0)
    result = thresholds.tune(probs, gold, config)
    assert (result.strategy, result.min_labels, result.objective) == ("global", 0, "jaccard")
    assert len(set(result.thresholds.tolist())) == 1
    assert result.thresholds_by_label(["a", "b", "c", "d"])["a"] == pytest.approx(
        result.thresholds[0]
    )


def test_tuning_is_deterministic():
    probs, gold = synthetic()
    first, second = thresholds.tune(probs, gold, CONFIG), thresholds.tune(probs, gold, CONFIG)
    np.testing.assert_array_equal(first.thresholds, second.thresholds)
    assert first.candidates == second.candidates
