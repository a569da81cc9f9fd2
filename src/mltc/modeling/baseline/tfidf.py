"""A classical baseline: TF-IDF word and character n-grams, one-vs-rest logistic regression."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.special import expit
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import FeatureUnion, Pipeline, make_union

from mltc.core.errors import PipelineError, first_line
from mltc.core.files import read_json, write_json
from mltc.core.progress import FitsLeft

# skops: scikit-learn objects as JSON and arrays in a zip, loaded without running any code from the
# file; a type outside skops' trusted scikit-learn and numpy types refuses to load
MODEL_FILE = "baseline.skops"
PICKLE_FILE = "baseline.joblib"  # what this pipeline saved before: a pickle, never loaded
LABELS_FILE = "labels.json"
# trusted beside skops' defaults: what one-vs-rest fits for a label that training saw only one
# way (no positive text): a scikit-learn class that holds the constant, no code
ALSO_TRUSTED = ("sklearn.multiclass._ConstantPredictor",)
# each C of the grid fits one logistic regression per label: at hundreds of labels, minutes a C
GRID_REMEDY = "each C fits every label again: a shorter baseline.c_grid costs less"


@dataclass(frozen=True)
class BaselineResult:
    c: float  # the regularisation chosen on validation
    validation_score_by_c: dict[float, float]  # micro average precision on validation
    probs: dict[str, np.ndarray]  # by split, for the texts given to predict
    model: Pipeline  # the fitted features and classifier: raw texts in, probabilities out


def tfidf_features() -> FeatureUnion:
    """Word 1-2 grams plus character 2-5 grams (within word bounds), sublinear TF-IDF."""
    return make_union(
        TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True),
    )


def one_vs_rest(c: float, seed: int) -> OneVsRestClassifier:
    """One logistic regression per label, positives weighted up to balance each label."""
    return OneVsRestClassifier(
        LogisticRegression(
            C=c, class_weight="balanced", max_iter=2000, solver="liblinear", random_state=seed
        )
    )


def fit_baseline(
    train_texts: Sequence[str],
    train_gold: np.ndarray,
    val_texts: Sequence[str],
    val_gold: np.ndarray,
    texts_to_predict: Mapping[str, Sequence[str]],
    c_grid: Sequence[float],
    seed: int,
) -> BaselineResult:
    """Fit one model per C; keep the C with the best validation micro average precision.

    Average precision is threshold-free, so choosing C does not pre-empt threshold tuning.
    """
    features = tfidf_features()
    train_features = features.fit_transform(train_texts)  # the vectorisers do not depend on C
    val_features = features.transform(val_texts)
    scores, models = {}, {}
    clock = FitsLeft("baseline", len(c_grid), GRID_REMEDY)
    for c in c_grid:
        classifier = one_vs_rest(c, seed)
        classifier.fit(train_features, train_gold)
        clock.fitted(f"C={c} ({train_gold.shape[1]} labels)")
        scores[c] = float(
            average_precision_score(
                val_gold, classifier.predict_proba(val_features), average="micro"
            )
        )
        models[c] = classifier
    best_c = max(
        c_grid, key=lambda c: scores[c]
    )  # first of equals: the strongest regularisation listed first
    best = models[best_c]
    probs = {
        split: best.predict_proba(features.transform(texts))
        for split, texts in texts_to_predict.items()
    }
    return BaselineResult(
        best_c, scores, probs, Pipeline([("features", features), ("model", best)])
    )


class BaselineScorer:
    """A fitted baseline's probabilities with every label's logistic regression in one sparse
    product: the arithmetic of `OneVsRestClassifier.predict_proba` (expit of features x coef +
    intercept, label by label), without its per-label calls, which cost most of the time of a
    single text. A label that training saw only one way (a constant estimator) keeps the
    pipeline's own path."""

    def __init__(self, model: Pipeline) -> None:
        self.model = model
        estimators = model.named_steps["model"].estimators_
        self.linear = all(isinstance(e, LogisticRegression) for e in estimators)
        if self.linear:
            self.features = model.named_steps["features"]
            self.coef = np.ascontiguousarray(np.vstack([e.coef_ for e in estimators]).T)
            self.intercept = np.concatenate([e.intercept_ for e in estimators])

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        if not self.linear:
            return self.model.predict_proba(texts)
        return expit(self.features.transform(texts) @ self.coef + self.intercept)


def save_baseline(folder: Path, model: Pipeline, label_names: Sequence[str]) -> None:
    """The fitted pipeline (skops) and its label order, for the ensemble's predictor."""
    import skops.io  # here: its import lists every scikit-learn estimator, seconds a process

    skops.io.dump(model, Path(folder) / MODEL_FILE)
    write_json(Path(folder) / LABELS_FILE, {"label_names": list(label_names)})


def load_baseline(folder: Path) -> tuple[Pipeline, list[str]]:
    """The fitted pipeline and its label order, loaded without running code from the folder:
    only skops' default trusted types (scikit-learn, numpy) and ALSO_TRUSTED are built, anything else, a pickle
    or a damaged file is refused with one line naming the file."""
    import skops.io  # as in save_baseline: only where a baseline is saved or loaded

    folder = Path(folder)
    remedy = "re-run dvc repro baseline, or restore the folder with dvc checkout"
    path = folder / MODEL_FILE
    if not path.is_file():
        if (folder / PICKLE_FILE).is_file():
            raise PipelineError(
                f"{folder / PICKLE_FILE} is a pickle, which can run code when loaded: not loaded "
                f"(this pipeline now saves the baseline as {MODEL_FILE}): {remedy}"
            )
        raise PipelineError(f"{folder} has no {MODEL_FILE}: {remedy}")
    try:
        untrusted = [t for t in skops.io.get_untrusted_types(file=path) if t not in ALSO_TRUSTED]
        if untrusted:
            raise PipelineError(
                f"{path} holds types that are not trusted to load ({', '.join(untrusted)}): not "
                f"loaded; {remedy}"
            )
        model = skops.io.load(path, trusted=list(ALSO_TRUSTED))
    except PipelineError:
        raise
    except Exception as error:  # not a skops zip, truncated, or not what it claims to be
        raise PipelineError(
            f"{path} is not a baseline this pipeline saved ({first_line(error)}): {remedy}"
        ) from error
    if not isinstance(model, Pipeline):
        raise PipelineError(f"{path} holds a {type(model).__name__}, not a Pipeline: {remedy}")
    labels = read_json(folder / LABELS_FILE) if (folder / LABELS_FILE).is_file() else None
    names = labels.get("label_names") if isinstance(labels, dict) else None
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise PipelineError(f"{folder / LABELS_FILE} has no list of label names: {remedy}")
    return model, names
