import numpy as np

from mltc import semeval
from mltc.data.labels import label_matrix
from mltc.modeling.baseline import fit_baseline


def test_baseline_picks_c_on_validation_and_returns_probabilities(raw_slice):
    gold = {split: label_matrix(raw_slice[split], semeval.LABEL_NAMES) for split in raw_slice}
    result = fit_baseline(
        list(raw_slice["train"]["text"]), gold["train"],
        list(raw_slice["validation"]["text"]), gold["validation"],
        list(raw_slice["test"]["text"]), c_grid=(0.1, 10.0), seed=0,
    )  # fmt: skip
    assert set(result.validation_score_by_c) == {0.1, 10.0}
    assert result.c == max(result.validation_score_by_c, key=result.validation_score_by_c.get)
    assert result.val_probs.shape == (48, 11) and result.test_probs.shape == (48, 11)
    assert ((result.test_probs >= 0) & (result.test_probs <= 1)).all()


def test_baseline_learns_a_separable_toy_task():
    texts = ["happy joy fun", "sad cry tears", "joy and fun", "tears, so sad"] * 10
    gold = np.array([[1, 0], [0, 1], [1, 0], [0, 1]] * 10, dtype=np.float32)
    result = fit_baseline(texts, gold, texts, gold, ["what joy", "I cry"], c_grid=(1.0,), seed=0)
    assert result.test_probs[0, 0] > 0.5 > result.test_probs[0, 1]
    assert result.test_probs[1, 1] > 0.5 > result.test_probs[1, 0]
