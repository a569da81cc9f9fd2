"""Decision thresholds tuned on validation probabilities only.

The search evaluates an objective thousands of times, so it uses the count-based objectives
below (checked against the sklearn metrics in the tests) rather than sklearn itself.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.model_selection import KFold

from mltc.core.metrics import binarize
from mltc.decision.config import TuningConfig

Objective = Callable[[np.ndarray, np.ndarray], float]


def _safe_ratio(numerator: np.ndarray, denominator: np.ndarray, empty: float) -> np.ndarray:
    numerator, denominator = np.asarray(numerator, float), np.asarray(denominator, float)
    out = np.full(np.broadcast(numerator, denominator).shape, empty, dtype=float)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


def fast_micro_f1(gold: np.ndarray, pred: np.ndarray) -> float:
    true_pos = np.sum(gold & pred)
    return float(_safe_ratio(2 * true_pos, gold.sum() + pred.sum(), 0.0))


def fast_macro_f1(gold: np.ndarray, pred: np.ndarray) -> float:
    true_pos = np.sum(gold & pred, axis=0)
    return float(_safe_ratio(2 * true_pos, gold.sum(axis=0) + pred.sum(axis=0), 0.0).mean())


def fast_jaccard(gold: np.ndarray, pred: np.ndarray) -> float:
    """Per-text Jaccard averaged; a text with no gold and no predicted label scores 1."""
    return float(_safe_ratio(np.sum(gold & pred, axis=1), np.sum(gold | pred, axis=1), 1.0).mean())


OBJECTIVES: dict[str, Objective] = {
    "micro_f1": fast_micro_f1,
    "macro_f1": fast_macro_f1,
    "jaccard": fast_jaccard,
}


def score(
    objective: Objective, gold: np.ndarray, probs: np.ndarray, thresholds, min_labels: int
) -> float:
    """The objective of the predictions that `thresholds` and `min_labels` make from `probs`.

    Searches call it thousands of times with gold already boolean: that costs no copy.
    """
    return objective(
        gold.astype(bool, copy=False), binarize(probs, thresholds, min_labels).astype(bool)
    )


def threshold_grid(step: float) -> np.ndarray:
    """Thresholds step, 2*step, ... below 1: a coarse grid is itself a guard against overfitting."""
    return np.round(np.arange(step, 1.0 - 1e-9, step), 6)


def global_curve(
    probs: np.ndarray, gold: np.ndarray, objective: Objective, grid: np.ndarray, min_labels: int
) -> np.ndarray:
    """The objective at each grid threshold, one threshold shared by all labels."""
    gold = gold.astype(bool)
    return np.array([score(objective, gold, probs, t, min_labels) for t in grid])


def _best(scores: np.ndarray, grid: np.ndarray, prefer: float) -> float:
    """The grid value with the best score; ties go to the value nearest `prefer`."""
    best = np.flatnonzero(np.isclose(scores, scores.max(), rtol=0, atol=1e-12))
    return float(grid[best[np.argmin(np.abs(grid[best] - prefer))]])


def fit_global(probs, gold, objective: Objective, grid: np.ndarray, min_labels: int) -> np.ndarray:
    threshold = _best(global_curve(probs, gold, objective, grid, min_labels), grid, prefer=0.5)
    return np.full(probs.shape[1], threshold)


def column_scores(
    objective: str,
    probs: np.ndarray,
    gold: np.ndarray,
    thresholds: np.ndarray,
    label: int,
    grid: np.ndarray,
    min_labels: int,
) -> np.ndarray:
    """The objective at each grid value of one label's threshold, the others held fixed.

    Equal to calling `score` once per grid value, but only the label's own column is compared
    against the grid (texts x grid values), so a search over hundreds of labels stays linear in
    the number of labels. With min_labels=1 a text that no label passes gets its most probable
    label, which is `label` itself or a label whose threshold does not move.
    """
    rows = np.arange(len(probs))
    others = probs >= thresholds
    others[:, label] = False
    gold = gold.astype(bool)
    own_gold = gold[:, label][:, None]
    passes = probs[:, label][:, None] >= grid[None, :]  # texts x grid values
    empty = ~others.any(axis=1)
    if min_labels:
        top = probs.argmax(axis=1)
        predicted = passes | (empty & (top == label))[:, None]
        fallback = empty[:, None] & ~passes & (top != label)[:, None]  # predicts label `top`
        fallback_gold = gold[rows, top][:, None]
    else:
        predicted, fallback, fallback_gold = (
            passes,
            np.zeros_like(passes),
            np.zeros((len(probs), 1), bool),
        )
    if objective == "micro_f1":
        true_pos = (
            (gold & others).sum()
            + (predicted & own_gold).sum(0)
            + (fallback & fallback_gold).sum(0)
        )
        pred_count = others.sum() + predicted.sum(0) + fallback.sum(0)
        return _safe_ratio(2 * true_pos, gold.sum() + pred_count, 0.0)
    if objective == "jaccard":
        inter = (
            (gold & others).sum(1)[:, None] + (predicted & own_gold) + (fallback & fallback_gold)
        )
        union = (
            (gold | others).sum(1)[:, None] + (predicted & ~own_gold) + (fallback & ~fallback_gold)
        )
        return _safe_ratio(inter, union, 1.0).mean(axis=0)
    # macro_f1: each label's counts, with this label's column and the fallback labels per value
    true_pos = np.broadcast_to((gold & others).sum(0), (len(grid), probs.shape[1])).astype(float)
    pred_count = np.broadcast_to(others.sum(0), true_pos.shape).astype(float)
    if min_labels:
        chosen = np.zeros(probs.shape, dtype=float)
        chosen[rows, top] = 1.0
        true_pos = true_pos + (fallback & fallback_gold).T.astype(float) @ chosen
        pred_count = pred_count + fallback.T.astype(float) @ chosen
    true_pos[:, label] = (predicted & own_gold).sum(0)
    pred_count[:, label] = predicted.sum(0)
    return _safe_ratio(2 * true_pos, gold.sum(0)[None, :] + pred_count, 0.0).mean(axis=1)


def fit_per_label(
    probs: np.ndarray,
    gold: np.ndarray,
    objective: str,
    grid: np.ndarray,
    min_labels: int,
    shrinkage: float,
    rounds: int = 2,
    frozen: Sequence[int] = (),
) -> np.ndarray:
    """Coordinate ascent on the joint objective, from the best global threshold.

    Each label's threshold moves only if that raises the objective over all labels together
    (maximising each label's own F1 instead lowers micro-F1 and Jaccard). The result is then
    pulled toward the global threshold by `shrinkage` (0: none, 1: all the way). A label with
    too few validation positives keeps the global threshold: a handful of texts cannot
    place a threshold of its own: `frozen` lists such labels (by their support on all of
    validation, also while cross-validating, so the rule scored is the rule shipped).
    """
    gold = gold.astype(bool)
    start = fit_global(probs, gold, OBJECTIVES[objective], grid, min_labels)
    thresholds = start.copy()
    tuned = [label for label in range(probs.shape[1]) if label not in set(frozen)]
    for _ in range(rounds):
        for label in tuned:
            scores = column_scores(objective, probs, gold, thresholds, label, grid, min_labels)
            thresholds[label] = _best(scores, grid, prefer=start[label])
    return start + (1.0 - shrinkage) * (thresholds - start)


@dataclass(frozen=True)
class TuningResult:
    thresholds: np.ndarray
    strategy: str
    objective: str
    min_labels: int
    in_sample: float  # objective on validation at thresholds fitted on all of validation
    cross_validated: float  # objective on out-of-fold predictions: an honest estimate
    cv_folds: int
    candidates: list[dict] = field(default_factory=list)
    curve: dict[str, list[float]] = field(default_factory=dict)  # global threshold vs objectives
    # labels with fewer validation positives than min_support: at the global threshold
    # (per_label), whichever strategy won
    unsupported: tuple[int, ...] = ()

    def summary(self) -> dict:
        """What was chosen and how well it did, for a metrics file."""
        return {
            "strategy": self.strategy,
            "objective": self.objective,
            "min_labels": self.min_labels,
            f"validation_{self.objective}_in_sample": self.in_sample,
            f"validation_{self.objective}_cross_validated": self.cross_validated,
            "cv_folds": self.cv_folds,
            "candidates": self.candidates,
        }

    def unsupported_labels(self, label_names: Sequence[str]) -> list[str]:
        return [label_names[index] for index in self.unsupported]

    def thresholds_by_label(self, label_names: Sequence[str]) -> dict[str, float]:
        return {
            name: round(float(t), 6) for name, t in zip(label_names, self.thresholds, strict=True)
        }


def unsupported_labels(gold: np.ndarray, min_support: int) -> tuple[int, ...]:
    """The labels with fewer than `min_support` positives: at the global threshold."""
    return tuple(int(i) for i in np.flatnonzero(np.asarray(gold).sum(axis=0) < min_support))


def _fit(probs, gold, strategy: str, min_labels: int, config: TuningConfig,
         frozen: Sequence[int] = ()) -> np.ndarray:  # fmt: skip
    objective = OBJECTIVES[config.objective]
    grid = threshold_grid(config.grid_step)
    if strategy == "global":
        return fit_global(probs, gold, objective, grid, min_labels)
    return fit_per_label(
        probs, gold, config.objective, grid, min_labels, config.shrinkage, frozen=frozen
    )


def cross_validate(probs, gold, strategy: str, min_labels: int, config: TuningConfig,
                   frozen: Sequence[int] = ()) -> float:  # fmt: skip
    """Fit on k-1 folds, predict the held-out fold; score all out-of-fold predictions at once."""
    pred = np.zeros_like(gold, dtype=np.int8)
    folds = KFold(n_splits=config.cv_folds, shuffle=True, random_state=config.seed)
    for fit_rows, held_out in folds.split(probs):
        thresholds = _fit(probs[fit_rows], gold[fit_rows], strategy, min_labels, config, frozen)
        pred[held_out] = binarize(probs[held_out], thresholds, min_labels)
    return OBJECTIVES[config.objective](gold.astype(bool), pred.astype(bool))


def tune(val_probs: np.ndarray, val_gold: np.ndarray, config: TuningConfig) -> TuningResult:
    """Pick strategy and fallback by cross-validated objective, then fit them on all of validation."""
    val_gold = np.asarray(val_gold).astype(np.int8)
    frozen = unsupported_labels(val_gold, config.min_support)
    scored = []
    for strategy, min_labels in config.candidates():
        thresholds = _fit(val_probs, val_gold, strategy, min_labels, config, frozen)
        in_sample = score(OBJECTIVES[config.objective], val_gold, val_probs, thresholds, min_labels)
        cv_score = cross_validate(val_probs, val_gold, strategy, min_labels, config, frozen)
        scored.append((cv_score, strategy, min_labels, in_sample, thresholds))
    # candidates come simplest first and max() keeps the first of equals
    cv_score, strategy, min_labels, in_sample, thresholds = max(scored, key=lambda row: row[0])
    grid = threshold_grid(config.grid_step)
    curve = {"threshold": grid.tolist()}
    for name, objective in OBJECTIVES.items():
        curve[name] = global_curve(val_probs, val_gold, objective, grid, min_labels).tolist()
    return TuningResult(
        thresholds=thresholds,
        strategy=strategy,
        objective=config.objective,
        min_labels=min_labels,
        in_sample=in_sample,
        cross_validated=cv_score,
        cv_folds=config.cv_folds,
        candidates=[
            {"strategy": s, "min_labels": m, "cross_validated": cv, "in_sample": ins}
            for cv, s, m, ins, _ in scored
        ],
        curve=curve,
        unsupported=frozen,
    )
