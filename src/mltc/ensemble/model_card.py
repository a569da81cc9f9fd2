"""The model card: the README.md of the shipped model folder, as the Hugging Face Hub expects it
(YAML metadata, then what the model was trained on, how well it does and how to load it)."""

from collections.abc import Mapping

from mltc.core.labels import LabelSchema
from mltc.core.metrics import HEADLINE_METRICS
from mltc.core.text import Windows
from mltc.decision.rule import DecisionRule
from mltc.modeling.heads import ATTENTION, LABEL_AWARE, PLAIN


def _metric_rows(report: Mapping[str, dict]) -> list[str]:
    rows = ["| split | Jaccard | micro-F1 | macro-F1 |", "| --- | ---: | ---: | ---: |"]
    for split, scores in report.items():
        rows.append(
            f"| {split} | " + " | ".join(f"{scores[key]:.4f}" for key in HEADLINE_METRICS) + " |"
        )
    return rows


def model_card(
    schema: LabelSchema,
    data_summary: dict,
    report: Mapping[str, dict],
    rule: DecisionRule,
    members: Mapping[str, str],
    baseline_weight: float,
    max_length: int,
    heads: Mapping[str, str] | None = None,
    audit: Mapping | None = None,
    windows: Windows | None = None,
    normalise: Mapping[str, str | None] | None = None,
) -> str:
    """Markdown with Hub metadata; `report` maps each labelled split to its metrics at the rule;
    `members` maps each ensemble member to the model it was fine-tuned from; `heads` maps a
    member to its head (mltc.modeling.heads; a member not in it is plain): transformers alone
    can run plain members, not label-aware or label-attention ones; `audit` is the audit's
    summary, whose per-label reliability joins the labels table; `windows`: how long texts are
    read (None: truncated at `max_length`); `normalise` maps a member to how it rewrites a text
    first (a member not in it, or None: the text as it stands)."""
    splits = data_summary["splits"]
    made_of = ", ".join(f"`{name}` (from `{model}`)" for name, model in members.items())
    baseline = (
        f" The TF-IDF baseline's probabilities are mixed in at weight {baseline_weight}."
        if baseline_weight > 0
        else ""
    )
    head = {name: (heads or {}).get(name, PLAIN) for name in members}
    plain = [name for name in members if head[name] == PLAIN]
    label_aware = [name for name in members if head[name] == LABEL_AWARE]
    label_attention = [name for name in members if head[name] == ATTENTION]
    lines = [
        "---",
        "library_name: transformers",
        "pipeline_tag: text-classification",
        "tags: [multi-label-classification, mltc]",
        "---",
        "",
        f"# Multi-label text classifier ({len(schema.label_names)} labels)",
        "",
        f"Made by the mltc pipeline (`dvc repro`) from {len(members)} fine-tuned member(s), "
        f"averaged with equal weights: {made_of}.{baseline} Each text gets zero or more labels: "
        "one probability per label, then the tuned decision rule below.",
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
        reading(max_length, bool(label_aware), windows, normalised(members, normalise or {})),
        "",
        "## Labels and decision rule",
        "",
    ]
    reliability = (audit or {}).get("per_label")
    if reliability is not None and set(reliability) != set(schema.label_names):
        reliability = None  # an audit of other data (a stale summary): not shown
    lines += [
        "| label | threshold | training texts |"
        + (" out-of-fold F1 (train) | texts flagged |" if reliability else ""),
        "| --- | ---: | ---: |" + (" ---: | ---: |" if reliability else ""),
    ]
    train_counts = splits["train"].get("label_counts", {})
    for name in schema.label_names:
        row = f"| {name} | {rule.thresholds_by_label[name]:.3f} | {train_counts.get(name, 0)} |"
        if reliability:
            entry = reliability[name]
            flagged = entry["flagged_missing"] + entry["flagged_extra"]
            row += f" {entry['train_oof_f1']:.3f} | {flagged} |"
        lines.append(row)
    if reliability:
        lines += [
            "",
            f"The last two columns come from the label audit ({audit['folds']}-fold, the "
            f"{audit['model']} model): out-of-fold F1 at 0.5 on train says how well the texts "
            "support each label (low: few or inconsistent examples, so trust its predictions "
            "less); texts flagged are training and validation texts whose label the audit "
            "suspects (missing or wrongly given). The ranked list is `metrics/audit/"
            "label_issues.csv` in the project that made this model.",
        ]
    rare = sorted(
        {name for names in data_summary.get("rare_labels", {}).values() for name in names}
    )
    if rare:
        lines += [
            "",
            f"Rare labels (fewer than {data_summary['rare_below']} texts in train or "
            f"validation): {', '.join(rare)}. Their predictions rest on few examples; "
            "`thresholds.json` lists any label whose validation texts were too few for a "
            "threshold of its own (it keeps the global one).",
        ]
    lines += [
        "",
        f"Thresholds: `{rule.strategy}`, tuned for `{rule.objective}` on validation only; "
        f"min_labels={rule.min_labels} (1: a text with no label above its threshold gets its most "
        "probable one). They are in `thresholds.json`; `ensemble.json` lists the members.",
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
    ]
    if plain:
        lines += [
            "or one member with transformers alone (its probabilities only; the thresholds are "
            "tuned for the whole ensemble"
            + ("; it reads a long text's first window only" if windows else "")
            + "):",
            "",
            "```python",
            "from transformers import pipeline",
            "",
            'classifier = pipeline("text-classification", '
            f'model="path/to/this/folder/members/{plain[0]}", top_k=None)',
            f'classifier(["some text"], truncation=True, max_length={max_length})',
            "```",
            "",
        ]
    if label_aware:
        lines += [
            f"Label-aware member(s) {', '.join(f'`{name}`' for name in label_aware)} read the "
            "label names before each text and score each label from its name's tokens "
            "(SpanEmo): load them through mltc, which adds the names as training did.",
            "",
        ]
    if label_attention:
        lines += [
            f"Member(s) {', '.join(f'`{name}`' for name in label_attention)} score each label "
            "by the attention of its name's query over the text (label-wise attention), a head "
            "transformers does not have: load them through mltc.",
            "",
        ]
    return "\n".join(lines)


def normalised(members: Mapping[str, str], normalise: Mapping[str, str | None]) -> str:
    """The sentence on the members that rewrite a text as a tweet first ('' where none does)."""
    which = [f"`{name}`" for name in members if normalise.get(name) is not None]
    rules = (
        "(user mentions as `@user`, links as `http`, emoji as their names, CamelCase hashtags "
        "split)"
    )
    if not which:
        return ""
    if len(which) == len(members):
        return f"Each text is first normalised as a tweet {rules}. "
    subject = f"Member {which[0]} normalises" if len(which) == 1 else (
        f"Members {', '.join(which)} normalise"
    )  # fmt: skip
    return f"{subject} each text as a tweet first {rules}; the others read it as it stands. "


def reading(max_length: int, label_aware: bool, windows: Windows | None, first: str = "") -> str:
    """How the members read a text, for the card; `first`: what they do to it before (the
    sentence of `normalised`)."""
    names = ", the label names included" if label_aware else ""
    if windows is None:
        return f"{first}Texts are truncated at {max_length} tokens{names}."
    return (
        f"{first}Texts are read in windows of {max_length} tokens{names}, {windows.overlap} tokens "
        f"repeated between neighbours, at most {windows.max_windows} windows a text; each window "
        f"is scored and a text's probability per label is its windows' {windows.pooling}."
    )
