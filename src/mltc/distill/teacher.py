"""The teacher: the shipped classifier's probabilities of the training texts, as it would predict
them, except that its TF-IDF baseline (which memorises its training texts) is replaced by
out-of-fold probabilities from baselines fitted on the other folds of train alone. Validation,
which chooses the student's epoch and rule, stays unseen by every part of the teacher."""

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mltc.audit.out_of_fold import assign_folds, baseline_out_of_fold
from mltc.core.labels import LabelSchema
from mltc.ensemble.classifier_folder import Manifest
from mltc.ensemble.combine import combine
from mltc.modeling.scoring import TorchMember


@dataclass(frozen=True)
class BaselineFolds:
    """How the baseline's out-of-fold probabilities of the training texts are made."""

    folds: int  # audit.folds
    fold_seed: int  # audit.seed
    c_grid: tuple[float, ...]  # baseline.c_grid: C chosen out of fold
    seed: int  # baseline.seed


def baseline_train_out_of_fold(
    texts: Sequence[str], gold: np.ndarray, folds: BaselineFolds
) -> np.ndarray:
    """The TF-IDF baseline's probabilities of the training texts, each from a model fitted on the
    other folds of train (C chosen among the grid out of fold)."""
    fold = assign_folds(gold, folds.folds, folds.fold_seed)
    return baseline_out_of_fold(
        texts, gold, fold, folds.c_grid, folds.seed, "distill: the teacher's baseline"
    ).probs


@dataclass(frozen=True)
class Teacher:
    """The shipped classifier's members (scored as Predictor scores them) and its baseline's
    weight."""

    members: dict[str, TorchMember]
    baseline_weight: float

    @classmethod
    def load(
        cls, folder: Path, schema: LabelSchema, precision: str, trust_remote_code: bool
    ) -> "Teacher":
        folder = Path(folder)
        manifest = Manifest.load(folder)
        members = {
            name: TorchMember(folder / relative, precision, False, trust_remote_code)
            for name, relative in manifest.members.items()
        }
        for name, member in members.items():
            schema.check_same_labels(
                member.label_names, f"member {name} of {folder}",
                "the teacher must know the labels of data/raw: re-run dvc repro",
            )  # fmt: skip
        return cls(members, manifest.baseline_weight)

    def probabilities(
        self, texts: Sequence[str], batch_size: int, baseline: np.ndarray | None
    ) -> np.ndarray:
        """The members' mean mixed with `baseline` (the out-of-fold probabilities of the same
        texts) at the shipped weight, as the ensemble mixes them."""
        member_probs = [member.predict_proba(texts, batch_size) for member in self.members.values()]
        return combine(member_probs, baseline, self.baseline_weight)
