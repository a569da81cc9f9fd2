"""Which given labels the out-of-fold probabilities call into question, by confident learning
(cleanlab's multi-label functions): each label is a yes/no task, and a text is flagged for it
when its probability is confidently on the other side of the label's own threshold (the mean
probability of the texts given that answer), as many as the estimated noise for that label."""

from dataclasses import dataclass

import numpy as np
from cleanlab.multilabel_classification import filter as cleanlab_filter
from cleanlab.multilabel_classification import rank as cleanlab_rank


@dataclass(frozen=True)
class LabelIssues:
    quality: np.ndarray  # per text, in [0, 1]: low = its given labels are likely wrong
    ranked: np.ndarray  # the flagged texts' rows, the least likely correct first
    suggest_add: np.ndarray  # bool (texts x labels): a label the text probably misses
    suggest_remove: np.ndarray  # bool (texts x labels): a given label it probably should not have
    auditable: np.ndarray  # bool per label: the labels that took part (see `auditable_labels`)

    def suggested(self, gold: np.ndarray) -> np.ndarray:
        """The labels the audit suggests: the given ones, with the suggested changes made."""
        return ((gold.astype(bool) | self.suggest_add) & ~self.suggest_remove).astype(np.int8)


def auditable_labels(gold: np.ndarray, folds: int) -> np.ndarray:
    """A label can be audited when it has at least one positive and one negative text per fold:
    otherwise some fold's model never saw it one way, and its threshold means nothing."""
    positives = gold.sum(axis=0)
    return (positives >= folds) & (len(gold) - positives >= folds)


def find_label_issues(gold: np.ndarray, probs: np.ndarray, auditable: np.ndarray) -> LabelIssues:
    """The flagged texts ranked by cleanlab's label quality score (self-confidence per label,
    pooled over a text's labels with an exponential moving average that weights the worst
    label most), and for each, the labels to add or remove."""
    texts, labels = gold.shape
    columns = np.flatnonzero(auditable)
    suggest_add = np.zeros((texts, labels), dtype=bool)
    suggest_remove = np.zeros((texts, labels), dtype=bool)
    quality = np.ones(texts, dtype=np.float64)
    if len(columns) == 0:
        return LabelIssues(quality, np.zeros(0, dtype=np.int64), suggest_add, suggest_remove,
                           auditable)  # fmt: skip
    given = gold[:, columns].astype(bool)
    class_lists = [list(np.flatnonzero(row)) for row in given]
    per_label = np.asarray(
        cleanlab_filter.find_multilabel_issues_per_class(class_lists, probs[:, columns]),
        dtype=bool,
    )
    suggest_add[:, columns] = per_label & ~given
    suggest_remove[:, columns] = per_label & given
    quality = cleanlab_rank.get_label_quality_scores(class_lists, probs[:, columns])
    flagged = np.flatnonzero(per_label.any(axis=1))
    ranked = flagged[np.argsort(quality[flagged], kind="stable")]
    return LabelIssues(quality, ranked, suggest_add, suggest_remove, auditable)
