"""Distillation's parts: its params, the teacher (the shipped classifier, its baseline out of
fold), the baseline's out-of-fold probabilities of the training texts."""

import copy

import numpy as np
import pytest

from conftest import PARAMS
from mltc.core.errors import PipelineError
from mltc.distill.config import DistillConfig
from mltc.distill.teacher import BaselineFolds, Teacher, baseline_train_out_of_fold
from mltc.serving.predictor import Predictor

TEXTS = ["what a happy day", "so sad and angry", "I fear the worst", "love it, joy all round"]


def distill_params(**changes) -> dict:
    params = copy.deepcopy(PARAMS)
    params["distill"] |= changes
    return params


def test_the_params_name_the_member_the_student_trains_as():
    config = DistillConfig.from_params(distill_params(enabled=True, member="pos-weight", seed=7))
    assert config == DistillConfig(enabled=True, member="pos-weight", seed=7, weight=0.5)
    assert DistillConfig.from_params(distill_params(enabled=True)).member == "plain"  # the first


def test_a_disabled_stage_does_not_stop_a_pipeline_whose_members_changed():
    params = distill_params(member="plain")
    params["ensemble"]["members"] = {"mpnet": {"model": "mpnet"}}
    assert not DistillConfig.from_params(params).enabled
    with pytest.raises(PipelineError) as error:
        DistillConfig.from_params({**params, "distill": {**params["distill"], "enabled": True}})
    assert str(error.value) == (
        "distill.member='plain' is not in ensemble.members (mpnet): name the member whose params "
        "the student trains with, or null for the first"
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"member": "student", "enabled": True},
         "distill.member='student' is not in ensemble.members (plain, pos-weight): name the "
         "member whose params the student trains with, or null for the first"),
        ({"weight": 1.5},
         "distill.weight=1.5: expected a number from 0 (gold labels alone) to 1 (the teacher "
         "alone)"),
        ({"enabled": "yes"}, "distill.enabled='yes': expected true or false"),
        ({"seed": -1}, "distill.seed=-1: expected an integer >= 0"),
    ],
)  # fmt: skip
def test_bad_distill_params_are_refused_by_name(changes, message):
    with pytest.raises(PipelineError) as error:
        DistillConfig.from_params(distill_params(**changes))
    assert str(error.value) == message


def test_the_teacher_is_the_shipped_classifier_with_its_baseline_swapped(
    shipped_classifier, schema
):
    """Given the shipped baseline's own probabilities, the teacher predicts what Predictor does,
    bit for bit: only the baseline's probabilities of the training texts are replaced."""
    predictor = Predictor(shipped_classifier, precision="fp32")
    teacher = Teacher.load(shipped_classifier, schema, "fp32", trust_remote_code=False)
    assert (list(teacher.members), teacher.baseline_weight) == (["tiny"], 0.3)
    shipped_baseline = predictor.baseline.predict_proba(TEXTS)
    np.testing.assert_array_equal(
        teacher.probabilities(TEXTS, 2, shipped_baseline), predictor.predict_proba(TEXTS)
    )
    other_baseline = np.full_like(shipped_baseline, 0.5)
    moved = teacher.probabilities(TEXTS, 2, other_baseline) - predictor.predict_proba(TEXTS)
    np.testing.assert_allclose(moved, 0.3 * (other_baseline - shipped_baseline), atol=1e-6)


def test_the_teacher_refuses_a_classifier_of_other_labels(shipped_classifier, schema):
    from mltc.core.labels import LabelSchema

    other = LabelSchema([*schema.label_names[:-1], "calm"])
    with pytest.raises(PipelineError) as error:
        Teacher.load(shipped_classifier, other, "fp32", trust_remote_code=False)
    assert str(error.value).startswith(f"member tiny of {shipped_classifier} has other labels")
    assert str(error.value).endswith(
        "the teacher must know the labels of data/raw: re-run dvc repro"
    )


def test_a_training_texts_baseline_probability_comes_from_folds_that_never_saw_it(monkeypatch):
    """Flipping every label of the texts of one fold leaves their own probabilities unchanged
    (the models that score them never saw them) and moves the other folds' (which learnt from
    them). The folds are held fixed: their stratification reads the labels."""
    import mltc.distill.teacher as teacher_module

    rng = np.random.default_rng(0)
    words = ["joy", "anger", "fear", "calm", "love", "gloom"]
    texts = [" ".join(rng.choice(words, 4)) for _ in range(60)]
    gold = np.array([[("joy" in t) | ("love" in t), "anger" in t, "fear" in t] for t in texts])
    fold = np.arange(60) % 3
    monkeypatch.setattr(teacher_module, "assign_folds", lambda labels, folds, seed: fold)
    folds = BaselineFolds(folds=3, fold_seed=0, c_grid=(1.0,), seed=0)
    probs = baseline_train_out_of_fold(texts, gold.astype(int), folds)
    held_out = fold == 0
    flipped = gold.copy()
    flipped[held_out] = ~flipped[held_out]
    moved = baseline_train_out_of_fold(texts, flipped.astype(int), folds)
    np.testing.assert_array_equal(moved[held_out], probs[held_out])
    assert not np.allclose(moved[~held_out], probs[~held_out])
