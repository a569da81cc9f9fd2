import numpy as np

from mltc.core.markdown import markdown_table
from mltc.decision import diagnostics

NAMES = ("a", "b")
GOLD = np.array([[1, 0], [1, 1], [0, 1], [0, 0]])
PROBS = np.array([[0.9, 0.6], [0.8, 0.2], [0.05, 0.95], [0.7, 0.1]])
PRED = (PROBS >= 0.5).astype(int)  # [[1, 1], [1, 0], [0, 1], [1, 0]]


def test_cooccurrence_counts_gold_against_predicted_pairs():
    rows = diagnostics.cooccurrence(GOLD, PRED, NAMES).to_dict(orient="records")
    assert rows == [
        {"gold": "a", "predicted": "a", "texts": 2},  # texts 1 and 2
        {"gold": "a", "predicted": "b", "texts": 1},  # text 1 also got b
        {"gold": "b", "predicted": "a", "texts": 1},  # text 2 got a, not b
        {"gold": "b", "predicted": "b", "texts": 1},  # text 3
    ]


def test_calibration_bins_every_text_label_pair():
    table = diagnostics.calibration(GOLD, PROBS, bins=2)
    # below 0.5: 0.2, 0.05, 0.1 (gold 1, 0, 0); from 0.5: 0.9, 0.6, 0.8, 0.95, 0.7 (gold 1, 0, 1, 1, 0)
    assert table.to_dict(orient="records") == [
        {
            "mean_probability": round((0.2 + 0.05 + 0.1) / 3, 6),
            "observed_rate": round(1 / 3, 6),
            "pairs": 3,
        },
        {
            "mean_probability": round((0.9 + 0.6 + 0.8 + 0.95 + 0.7) / 5, 6),
            "observed_rate": 0.6,
            "pairs": 5,
        },
    ]


def test_per_label_table_has_scores_and_thresholds():
    table = diagnostics.per_label_table(GOLD, PRED, NAMES, np.array([0.5, 0.45]))
    assert table.to_dict(orient="records") == [
        {
            "label": "a",
            "support": 2,
            "precision": round(2 / 3, 4),
            "recall": 1.0,
            "f1": 0.8,
            "threshold": 0.5,
        },
        {"label": "b", "support": 2, "precision": 0.5, "recall": 0.5, "f1": 0.5, "threshold": 0.45},
    ]


def test_error_examples_list_the_most_confident_mistakes_on_one_line_each():
    texts = ["one", "two\nlines", "three", "four"]
    report = diagnostics.error_examples(texts, GOLD, PROBS, PRED, NAMES, per_label=1)
    assert report.splitlines() == [
        "## a", "",
        "most confident false positives:", "- 0.700: four", "",
        "most confident false negatives:", "- none", "",
        "## b", "",
        "most confident false positives:", "- 0.600: one", "",
        "most confident false negatives:", "- 0.200: two lines",
    ]  # fmt: skip


def test_markdown_table_has_a_header_and_a_row_per_label():
    table = diagnostics.per_label_table(GOLD, PRED, NAMES, np.array([0.5, 0.5]))
    lines = markdown_table(table).splitlines()
    assert lines[0] == "| label | support | precision | recall | f1 | threshold |"
    assert lines[2] == "| a | 2 | 0.6667 | 1.0 | 0.8 | 0.5 |"


def test_the_cooccurrence_of_many_labels_keeps_the_most_frequent_ones():
    rng = np.random.default_rng(0)
    labels = 45
    gold = (rng.random((200, labels)) < np.linspace(0.01, 0.5, labels)).astype(np.int8)
    names = [f"l{i}" for i in range(labels)]
    table = diagnostics.cooccurrence(gold, gold, names)
    kept = [names[i] for i in np.argsort(-gold.sum(axis=0), kind="stable")[:30]]
    assert len(table) == 30 * 30 and set(table["gold"]) == set(kept)
    diagonal = table[table["gold"] == table["predicted"]].set_index("gold")["texts"]
    assert all(diagonal[name] == gold[:, names.index(name)].sum() for name in kept)
