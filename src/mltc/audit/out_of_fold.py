"""Out-of-fold probabilities: every labelled text scored by a model that never saw it, the
labelled texts cut into K folds by iterative stratification (each label's positives shared out
over the folds), the TF-IDF baseline fitted on the other K-1 folds for each."""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from iterstrat.ml_stratifiers import MultilabelStratifiedKFold
from sklearn.metrics import average_precision_score

from mltc.core.errors import PipelineError
from mltc.core.progress import FitsLeft
from mltc.modeling.baseline.tfidf import GRID_REMEDY, one_vs_rest, tfidf_features


@dataclass(frozen=True)
class OutOfFold:
    probs: np.ndarray  # (texts x labels), each row from the model that did not see that text
    fold: np.ndarray  # the fold of each text
    c: float  # the regularisation kept: the best out-of-fold micro average precision
    average_precision_by_c: dict[float, float]


def assign_folds(gold: np.ndarray, folds: int, seed: int) -> np.ndarray:
    """The fold (0..folds-1) of each text, stratified over the labels; deterministic per seed."""
    if len(gold) < folds:
        raise PipelineError(
            f"audit.folds={folds}: there are only {len(gold)} labelled texts; lower audit.folds"
        )
    fold = np.empty(len(gold), dtype=np.int64)
    splitter = MultilabelStratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for index, (_, held_out) in enumerate(splitter.split(np.zeros(len(gold)), gold)):
        fold[held_out] = index
    return fold


def baseline_out_of_fold(
    texts: Sequence[str],
    gold: np.ndarray,
    fold: np.ndarray,
    c_grid: Sequence[float],
    seed: int,
    what: str = "out-of-fold baseline",
    remedy: str = GRID_REMEDY,
) -> OutOfFold:
    """The baseline's out-of-fold probabilities for each C of `c_grid` (features fitted on the
    training folds only), keeping the C with the best out-of-fold micro average precision (the
    first of equals). Each fit is logged as `what`, with the time left (and `remedy`)."""
    texts = np.asarray(texts, dtype=object)
    probs = {c: np.zeros(gold.shape, dtype=np.float64) for c in c_grid}
    folds = np.unique(fold)
    clock = FitsLeft(what, len(folds) * len(c_grid), remedy)  # `what` and `remedy`: the log's
    for index in folds:
        held_out = fold == index
        features = tfidf_features()
        train_features = features.fit_transform(texts[~held_out].tolist())
        held_out_features = features.transform(texts[held_out].tolist())
        for c in c_grid:
            classifier = one_vs_rest(c, seed).fit(train_features, gold[~held_out])
            probs[c][held_out] = classifier.predict_proba(held_out_features)
            clock.fitted(f"fold {index + 1} of {len(folds)}, C={c}")
    scored = gold.sum(axis=0) > 0  # average precision is undefined for a label never given
    if not scored.any():
        raise PipelineError("no training or validation text has a label: nothing to audit")
    score = {
        c: float(average_precision_score(gold[:, scored], probs[c][:, scored], average="micro"))
        for c in c_grid
    }
    best = max(c_grid, key=lambda c: score[c])
    return OutOfFold(probs[best], fold, best, score)
