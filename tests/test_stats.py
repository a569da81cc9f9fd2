import numpy as np

from mltc.data.stats import data_summary, label_count_rows


def test_summary_counts_labels_cardinality_and_empty_texts_per_split():
    gold = {"train": np.array([[1, 0], [1, 1], [0, 0]]), "test": None}
    summary = data_summary(gold, {"train": 3, "test": 5}, ("a", "b"))
    assert summary == {
        "labels": 2,
        "splits": {
            "train": {"texts": 3, "labelled": True, "label_cardinality": 1.0,
                      "texts_without_labels": 1, "label_counts": {"a": 2, "b": 1}},
            "test": {"texts": 5, "labelled": False},
        },
    }  # fmt: skip
    assert label_count_rows(summary) == [
        {"label": "a", "split": "train", "texts": 2},
        {"label": "b", "split": "train", "texts": 1},
    ]
