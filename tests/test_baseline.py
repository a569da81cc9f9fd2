import numpy as np

from mltc.modeling.baseline.tfidf import BaselineScorer, fit_baseline, load_baseline, save_baseline


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


def fitted(semeval_slice, gold: np.ndarray):
    splits = semeval_slice.splits
    texts = list(splits["train"].texts)
    return fit_baseline(texts, gold, texts, gold, {}, c_grid=(1.0,), seed=0).model


def test_the_scorer_gives_the_pipelines_probabilities_to_the_bit(semeval_slice):
    model = fitted(semeval_slice, semeval_slice.splits["train"].gold)
    texts = [*semeval_slice.splits["test"].texts, "émojis 😡 and unseen words"]
    scorer = BaselineScorer(model)
    assert scorer.linear
    np.testing.assert_array_equal(scorer.predict_proba(texts), model.predict_proba(texts))
    np.testing.assert_array_equal(scorer.predict_proba(texts[:1]), model.predict_proba(texts[:1]))


def test_a_label_seen_one_way_keeps_the_pipelines_path(semeval_slice):
    gold = semeval_slice.splits["train"].gold.copy()
    gold[:, 0] = 1  # every text has label 0: a constant estimator
    model = fitted(semeval_slice, gold)
    scorer = BaselineScorer(model)
    assert not scorer.linear
    texts = list(semeval_slice.splits["test"].texts)
    np.testing.assert_array_equal(scorer.predict_proba(texts), model.predict_proba(texts))


def test_a_baseline_with_a_label_never_given_saves_and_loads(semeval_slice, tmp_path):
    gold = semeval_slice.splits["train"].gold.copy()
    gold[:, 3] = 0  # no text has label 3: its estimator is a constant
    model = fitted(semeval_slice, gold)
    save_baseline(tmp_path, model, [f"l{i}" for i in range(gold.shape[1])])
    loaded, names = load_baseline(tmp_path)
    texts = list(semeval_slice.splits["test"].texts)
    np.testing.assert_array_equal(loaded.predict_proba(texts), model.predict_proba(texts))
    assert (loaded.predict_proba(texts)[:, 3] == 0).all() and names[3] == "l3"
