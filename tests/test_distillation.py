"""mltc.distill.soft_targets: a student's targets mix the gold labels with a teacher's
probabilities, text by text (found by id)."""

import numpy as np
import pytest
from datasets import Dataset

from mltc.core.errors import PipelineError
from mltc.distill.soft_targets import soft_targets, with_soft_targets

GOLD = np.array([[1, 0, 0], [0, 1, 1]], dtype=np.float32)
TEACHER = np.array([[0.8, 0.3, 0.0], [0.1, 0.6, 0.9]], dtype=np.float32)


def test_the_targets_move_from_the_gold_labels_to_the_teacher_with_the_weight():
    np.testing.assert_array_equal(soft_targets(GOLD, TEACHER, 0.0), GOLD)
    np.testing.assert_array_equal(soft_targets(GOLD, TEACHER, 1.0), TEACHER)
    np.testing.assert_allclose(
        soft_targets(GOLD, TEACHER, 0.25),
        [[0.95, 0.075, 0.0], [0.025, 0.9, 0.975]],
        rtol=1e-6,
    )
    assert soft_targets(GOLD, TEACHER, 0.25).dtype == np.float32


def test_each_text_takes_the_teachers_row_of_its_own_id():
    train = Dataset.from_dict(
        {"id": ["a", "b"], "input_ids": [[101, 7, 102], [101, 8, 102]], "labels": GOLD.tolist()}
    )
    taught = with_soft_targets(train, ["x", "b", "a"], np.vstack([[0, 0, 0], TEACHER[::-1]]), 1.0,
                               "teacher.npz")  # fmt: skip
    np.testing.assert_allclose(np.asarray(taught["labels"]), TEACHER)
    assert taught["id"] == ["a", "b"]
    assert taught["input_ids"] == train["input_ids"]
    assert taught.features["labels"] == train.features["labels"]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: soft_targets(GOLD, TEACHER, 1.5),
         "distillation weight 1.5: expected a number from 0 to 1"),
        (lambda: soft_targets(GOLD, TEACHER[:, :2], 0.5),
         "the teacher's probabilities are (2, 2) (texts x labels), the gold labels (2, 3): the "
         "teacher must score the same texts with the same labels"),
        (lambda: soft_targets(GOLD, TEACHER * 2, 0.5),
         "the teacher's probabilities must lie between 0 and 1"),
        (lambda: with_soft_targets(
            Dataset.from_dict({"id": ["a", "c"], "labels": GOLD.tolist()}), ["a", "b"], TEACHER,
            0.5, "teacher.npz"),
         "teacher.npz has no probabilities for 1 training text(s), first id 'c': score the same "
         "training split with the teacher"),
    ],
)  # fmt: skip
def test_a_teacher_that_does_not_fit_is_refused_by_name(call, message):
    with pytest.raises(PipelineError) as error:
        call()
    assert str(error.value) == message
