"""What the data looks like before any model sees it: texts, label counts and cardinality."""

from collections.abc import Mapping, Sequence

import numpy as np


def data_summary(
    gold_by_split: Mapping[str, np.ndarray | None],
    texts_by_split: Mapping[str, int],
    label_names: Sequence[str],
) -> dict:
    """Per split: texts, and for labelled splits the label counts, the mean number of labels per
    text (label cardinality) and the texts without any label."""
    splits = {}
    for split, texts in texts_by_split.items():
        gold = gold_by_split.get(split)
        entry: dict = {"texts": int(texts), "labelled": gold is not None}
        if gold is not None:
            per_text = gold.sum(axis=1)
            entry |= {
                "label_cardinality": round(float(per_text.mean()), 4),
                "texts_without_labels": int((per_text == 0).sum()),
                "label_counts": {
                    name: int(count)
                    for name, count in zip(label_names, gold.sum(axis=0), strict=True)
                },
            }
        splits[split] = entry
    return {"labels": len(label_names), "splits": splits}


def label_count_rows(summary: dict) -> list[dict]:
    """Long format for the label-count plot: one row per (split, label)."""
    return [
        {"label": label, "split": split, "texts": count}
        for split, entry in summary["splits"].items()
        for label, count in entry.get("label_counts", {}).items()
    ]
