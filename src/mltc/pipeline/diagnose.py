"""Stage diagnose: per-label diagnostics of the shipped decision rule, on validation and (for
reporting) on test: label co-occurrence, calibration, a per-label table and the errors to read."""

import numpy as np

from mltc.core import paths, split_files
from mltc.core.files import atomic_path
from mltc.core.labels import LabelSchema
from mltc.core.markdown import markdown_table
from mltc.core.metrics import binarize
from mltc.core.probabilities import load_probs
from mltc.decision import diagnostics
from mltc.decision import rule as decision_rule


def run() -> None:
    """Diagnostics of the shipped rule on each labelled split, into metrics/diagnostics."""
    schema = LabelSchema.load(paths.LABELS)
    names = list(schema.label_names)
    rule = decision_rule.load(paths.CLASSIFIER, names)
    thresholds = rule.thresholds(names)
    available = split_files.available_splits()
    rows = {
        split: split_files.read_split(split, ["id", "text"])
        for split in paths.EVALUATED_SPLITS
        if split in available
    }
    test_ids = rows["test"]["id"].tolist() if "test" in rows else None
    saved = load_probs(paths.PROBS, schema, test_ids)
    with atomic_path(paths.DIAGNOSTICS) as staging:
        for split, arrays in saved.items():
            if not schema.is_labelled(split):
                continue
            texts = rows[split]["text"].tolist()
            gold, probs = arrays["labels"].astype(np.int8), arrays["probs"]
            pred = binarize(probs, thresholds, rule.min_labels)
            folder = staging / split
            folder.mkdir(parents=True)
            diagnostics.cooccurrence(gold, pred, names).to_csv(
                folder / "cooccurrence.csv", index=False
            )
            diagnostics.calibration(gold, probs).to_csv(folder / "calibration.csv", index=False)
            table = diagnostics.per_label_table(gold, pred, names, thresholds)
            table.to_csv(folder / "per_label.csv", index=False)
            examples = diagnostics.error_examples(texts, gold, probs, pred, names)
            (folder / "errors.md").write_text(
                f"# Errors on {split} at the shipped decision rule\n\n"
                + markdown_table(table) + "\n\n" + examples, encoding="utf-8",
            )  # fmt: skip
            print(f"{split}: diagnostics -> {paths.DIAGNOSTICS / split}")
