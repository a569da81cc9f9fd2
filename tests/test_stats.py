import numpy as np

from mltc.core.stats import LabelTally, data_summary, label_count_rows


def test_summary_counts_labels_cardinality_and_empty_texts_per_split():
    gold = np.array([[1, 0], [1, 1], [0, 0]])
    tallies = {"train": LabelTally.of(gold), "test": LabelTally.of(None, texts=5)}
    summary = data_summary(tallies, ("a", "b"))
    assert summary == {
        "labels": 2,
        "splits": {
            "train": {"texts": 3, "labelled": True, "label_cardinality": 1.0,
                      "texts_without_labels": 1, "label_counts": {"a": 2, "b": 1}},
            "test": {"texts": 5, "labelled": False},
        },
        "rare_below": 0,
        "rare_labels": {"train": []},
    }  # fmt: skip
    assert label_count_rows(summary) == [
        {"label": "a", "split": "train", "texts": 2},
        {"label": "b", "split": "train", "texts": 1},
    ]


def test_a_tally_added_chunk_by_chunk_equals_one_of_the_whole():
    gold = np.random.default_rng(0).random((10, 3)) < 0.3
    chunked = LabelTally()
    for start in (0, 4, 8):
        chunked.add(len(gold[start : start + 4]), gold[start : start + 4])
    whole = LabelTally.of(gold)
    assert (chunked.texts, chunked.labels, chunked.without_labels) == (
        whole.texts, whole.labels, whole.without_labels,
    )  # fmt: skip
    assert chunked.label_counts.tolist() == whole.label_counts.tolist() == gold.sum(axis=0).tolist()


def test_labels_with_fewer_positives_than_rare_below_are_flagged_per_split():
    tallies = {
        "train": LabelTally.of(np.array([[1, 0, 1]] * 3 + [[1, 1, 0]])),  # a 4, b 1, c 3
        "validation": LabelTally.of(np.array([[1, 1, 0], [0, 1, 0]])),  # a 1, b 2, c 0
        "test": LabelTally.of(np.array([[0, 0, 0]])),
    }
    summary = data_summary(tallies, ("a", "b", "c"), rare_below=2)
    assert summary["rare_below"] == 2
    assert summary["rare_labels"] == {"train": ["b"], "validation": ["a", "c"]}
