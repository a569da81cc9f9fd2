"""The model card: the README.md of the shipped model folder, as the Hugging Face Hub expects it
(YAML metadata, then what the model was trained on, how well it does and how to load it)."""

from collections.abc import Mapping

from mltc.data.labels import LabelSchema
from mltc.decision.rule import DecisionRule

SCORES = ("jaccard", "micro_f1", "macro_f1")


def _metric_rows(report: Mapping[str, dict]) -> list[str]:
    rows = ["| split | Jaccard | micro-F1 | macro-F1 |", "| --- | ---: | ---: | ---: |"]
    for split, scores in report.items():
        rows.append(f"| {split} | " + " | ".join(f"{scores[key]:.4f}" for key in SCORES) + " |")
    return rows


def model_card(
    schema: LabelSchema,
    data_summary: dict,
    report: Mapping[str, dict],
    rule: DecisionRule,
    base_model: str,
    max_length: int,
) -> str:
    """Markdown with Hub metadata; `report` maps each labelled split to its metrics at the rule."""
    splits = data_summary["splits"]
    lines = [
        "---",
        "library_name: transformers",
        "pipeline_tag: text-classification",
        "tags: [multi-label-classification, mltc]",
        "---",
        "",
        f"# Multi-label text classifier ({len(schema.label_names)} labels)",
        "",
        f"Fine-tuned from `{base_model}` by the mltc pipeline (`dvc repro`). Each text gets zero "
        "or more labels: one sigmoid probability per label, then the tuned decision rule below.",
        "",
        "## Data",
        "",
        "| split | texts | labelled | labels per text |",
        "| --- | ---: | --- | ---: |",
    ]
    for split, entry in splits.items():
        cardinality = f"{entry['label_cardinality']:.2f}" if entry["labelled"] else ""
        lines.append(
            f"| {split} | {entry['texts']} | {'yes' if entry['labelled'] else 'no'} | {cardinality} |"
        )
    lines += [
        "",
        f"Texts are truncated at {max_length} tokens.",
        "",
        "## Labels and decision rule",
        "",
    ]
    lines += ["| label | threshold | training texts |", "| --- | ---: | ---: |"]
    train_counts = splits["train"].get("label_counts", {})
    for name in schema.label_names:
        lines.append(
            f"| {name} | {rule.thresholds_by_label[name]:.3f} | {train_counts.get(name, 0)} |"
        )
    lines += [
        "",
        f"Thresholds: `{rule.strategy}`, tuned for `{rule.objective}` on validation only; "
        f"min_labels={rule.min_labels} (1: a text with no label above its threshold gets its most "
        "probable one). They are in `thresholds.json` and in `config.json`.",
        "",
        "## Metrics at the tuned rule",
        "",
        *_metric_rows(report),
        "",
        "Jaccard is the per-text Jaccard index of gold and predicted label sets, averaged (a text "
        "with no gold and no predicted label scores 1).",
        "",
        "## How to load it",
        "",
        "```python",
        "from mltc.serving.predictor import Predictor  # pip install the mltc project",
        "",
        'predictor = Predictor("path/to/this/folder")  # applies the tuned thresholds',
        'predictor.predict(["some text"])',
        "```",
        "",
        "or with transformers alone (probabilities only; apply `thresholds.json` yourself):",
        "",
        "```python",
        "from transformers import pipeline",
        "",
        'classifier = pipeline("text-classification", model="path/to/this/folder", top_k=None)',
        f'classifier(["some text"], truncation=True, max_length={max_length})',
        "```",
        "",
    ]
    return "\n".join(lines)
