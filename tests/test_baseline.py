import numpy as np

from mltc.baseline.tfidf import fit_baseline


def test_baseline_picks_c_on_validation_and_returns_probabilities(semeval_slice, label_names):
    splits = semeval_slice.splits
    result = fit_baseline(
        list(splits["train"].texts), splits["train"].gold,
        list(splits["validation"].texts), splits["validation"].gold,
        {"validation": list(splits["validation"].texts), "test": list(splits["test"].texts)},
        c_grid=(0.1, 10.0), seed=0,
    )  # fmt: skip
    assert set(result.validation_score_by_c) == {0.1, 10.0}
    assert result.c == max(result.validation_score_by_c, key=result.validation_score_by_c.get)
    assert result.probs["validation"].shape == (48, len(label_names))
    assert result.probs["test"].shape == (48, len(label_names))
    assert ((result.probs["test"] >= 0) & (result.probs["test"] <= 1)).all()


def test_baseline_learns_a_separable_toy_task():
    texts = ["happy joy fun", "sad cry tears", "joy and fun", "tears, so sad"] * 10
    gold = np.array([[1, 0], [0, 1], [1, 0], [0, 1]] * 10, dtype=np.float32)
    result = fit_baseline(
        texts, gold, texts, gold, {"test": ["what joy", "I cry"]}, c_grid=(1.0,), seed=0
    )
    assert result.probs["test"][0, 0] > 0.5 > result.probs["test"][0, 1]
    assert result.probs["test"][1, 1] > 0.5 > result.probs["test"][1, 0]
