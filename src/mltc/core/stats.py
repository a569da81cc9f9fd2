"""What the data looks like before any model sees it: texts, label counts and cardinality."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np


@dataclass
class LabelTally:
    """Counts over a split's texts, added chunk by chunk; `labelled` is False for a split
    without labels (a test split may come without)."""

    texts: int = 0
    labelled: bool = True
    label_counts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    labels: int = 0  # label occurrences, for the mean per text
    without_labels: int = 0

    def add(self, texts: int, gold: np.ndarray | None) -> None:
        self.texts += texts
        if gold is None:
            self.labelled = False
            return
        counts = gold.sum(axis=0, dtype=np.int64)
        self.label_counts = counts if not self.label_counts.size else self.label_counts + counts
        per_text = gold.sum(axis=1)
        self.labels += int(per_text.sum())
        self.without_labels += int((per_text == 0).sum())

    @classmethod
    def of(cls, gold: np.ndarray | None, texts: int | None = None) -> "LabelTally":
        tally = cls()
        tally.add(len(gold) if texts is None else texts, gold)
        return tally


def data_summary(
    tallies: Mapping[str, LabelTally], label_names: Sequence[str], rare_below: int = 0
) -> dict:
    """Per split: texts, and for labelled splits the label counts, the mean number of labels per
    text (label cardinality) and the texts without any label; and the rare labels: those with
    fewer than `rare_below` positive texts in train or validation."""
    splits = {}
    for split, tally in tallies.items():
        entry: dict = {"texts": tally.texts, "labelled": tally.labelled}
        if tally.labelled:
            counts = tally.label_counts if tally.label_counts.size else np.zeros(len(label_names))
            entry |= {
                "label_cardinality": round(tally.labels / tally.texts, 4) if tally.texts else 0.0,
                "texts_without_labels": tally.without_labels,
                "label_counts": {
                    name: int(count) for name, count in zip(label_names, counts, strict=True)
                },
            }
        splits[split] = entry
    rare = {
        split: [name for name, count in splits[split]["label_counts"].items() if count < rare_below]
        for split in ("train", "validation")
        if split in splits and splits[split]["labelled"]
    }
    return {"labels": len(label_names), "splits": splits, "rare_below": rare_below,
            "rare_labels": rare}  # fmt: skip


def label_count_rows(summary: dict) -> list[dict]:
    """Long format for the label-count plot: one row per (split, label)."""
    return [
        {"label": label, "split": split, "texts": count}
        for split, entry in summary["splits"].items()
        for label, count in entry.get("label_counts", {}).items()
    ]
