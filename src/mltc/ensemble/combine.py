"""How the ensemble combines probabilities, and the baseline's weight chosen on validation."""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mltc.decision.config import TuningConfig
from mltc.decision.thresholds import tune


def combine(
    member_probs: Sequence[np.ndarray], baseline_probs: np.ndarray | None, baseline_weight: float
) -> np.ndarray:
    """The members' mean (equal weights), mixed with the baseline's:
    (1 - w) * mean + w * baseline. With w = 0 the baseline is not needed."""
    mean = np.mean(np.stack(member_probs), axis=0)
    if baseline_weight == 0:
        return mean
    if baseline_probs is None:
        raise ValueError("a baseline weight above 0 needs the baseline's probabilities")
    return (1 - baseline_weight) * mean + baseline_weight * baseline_probs


@dataclass(frozen=True)
class WeightChoice:
    baseline_weight: float
    cross_validated_by_weight: dict[float, float]  # the tuned rule's out-of-fold objective


def choose_baseline_weight(
    member_probs: Sequence[np.ndarray],
    baseline_probs: np.ndarray,
    gold: np.ndarray,
    weights: Sequence[float],
    config: TuningConfig,
) -> WeightChoice:
    """The candidate weight whose tuned decision rule scores best out of fold on validation
    (the same cross-validation that picks the rule; first of equals)."""
    scores = {
        float(w): tune(combine(member_probs, baseline_probs, w), gold, config).cross_validated
        for w in weights
    }
    best = max(scores, key=lambda w: scores[w])  # max keeps the first of equal scores
    return WeightChoice(best, scores)
