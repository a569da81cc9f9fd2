"""What the audit shows: the ranked table of label issues, the per-label summary (estimated
noise, out-of-fold reliability) and a page to read."""

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score

from mltc.audit.label_issues import LabelIssues
from mltc.core.labels import join_labels, split_labels
from mltc.core.markdown import markdown_table
from mltc.core.metrics import DEFAULT_THRESHOLD, binarize, per_label_metrics


def _names(row: np.ndarray, label_names: Sequence[str]) -> str:
    return join_labels([label_names[index] for index in np.flatnonzero(row)])


ISSUE_COLUMNS = ("rank", "id", "split", "quality", "given_labels", "add", "remove",
                 "suggested_labels", "text")  # fmt: skip


def issue_table_columns() -> pd.DataFrame:
    """The table with its columns and no row."""
    return pd.DataFrame({column: [] for column in ISSUE_COLUMNS})


def issue_table(
    issues: LabelIssues,
    ids: np.ndarray,
    splits: np.ndarray,
    texts: Sequence[str],
    gold: np.ndarray,
    label_names: Sequence[str],
) -> pd.DataFrame:
    """One row per flagged text, the most likely mislabelled first: its id, split, quality score,
    given labels, the labels to add and remove, the labels suggested, and the text."""
    rows = issues.ranked
    suggested = issues.suggested(gold)
    table = pd.DataFrame(
        {
            "rank": np.arange(1, len(rows) + 1),
            "id": ids[rows],
            "split": splits[rows],
            "quality": np.round(issues.quality[rows], 6),
            "given_labels": [_names(gold[row], label_names) for row in rows],
            "add": [_names(issues.suggest_add[row], label_names) for row in rows],
            "remove": [_names(issues.suggest_remove[row], label_names) for row in rows],
            "suggested_labels": [_names(suggested[row], label_names) for row in rows],
            "text": [" ".join(str(texts[row]).split()) for row in rows],
        }
    )
    return table[list(ISSUE_COLUMNS)]


def per_label_summary(
    issues: LabelIssues, gold: np.ndarray, probs: np.ndarray, splits: np.ndarray,
    label_names: Sequence[str],
) -> pd.DataFrame:  # fmt: skip
    """Per label: positives, the texts flagged as missing it or wrongly given it (and as a share
    of the texts: the estimated noise), and the out-of-fold reliability on train: F1 at 0.5 and
    average precision."""
    train = splits == "train"
    f1 = per_label_metrics(gold[train], binarize(probs[train], DEFAULT_THRESHOLD), label_names)
    texts = len(gold)
    rows = []
    for index, name in enumerate(label_names):
        column = gold[train, index]
        average_precision = (
            round(float(average_precision_score(column, probs[train, index])), 6)
            if column.sum() > 0
            else None
        )
        missing = int(issues.suggest_add[:, index].sum())
        extra = int(issues.suggest_remove[:, index].sum())
        rows.append(
            {
                "label": name,
                "positives": int(gold[:, index].sum()),
                "audited": bool(issues.auditable[index]),
                "flagged_missing": missing,
                "flagged_extra": extra,
                "estimated_noise_rate": round((missing + extra) / texts, 6),
                "train_oof_f1": round(f1[name]["f1"], 6),
                "train_oof_average_precision": average_precision,
            }
        )
    return pd.DataFrame(rows)


def summary(
    issues: LabelIssues, splits: np.ndarray, per_label: pd.DataFrame, folds: int, model: str,
    extra: dict,
) -> dict:  # fmt: skip
    """metrics/audit/summary.json: what was audited, how, and what was found."""
    flagged = np.zeros(len(splits), dtype=bool)
    flagged[issues.ranked] = True
    by_split = {
        str(split): {
            "texts": int((splits == split).sum()),
            "flagged": int(flagged[splits == split].sum()),
        }
        for split in dict.fromkeys(splits.tolist())
    }
    not_audited = per_label.loc[~per_label["audited"], "label"].tolist()
    return {
        "model": model,
        "folds": folds,
        **extra,
        "texts": len(splits),
        "flagged": int(flagged.sum()),
        "flagged_rate": round(float(flagged.mean()), 6) if len(splits) else 0.0,
        "by_split": by_split,
        "labels_not_audited": not_audited,
        "per_label": {  # a label never given has no average precision: null, not NaN
            row["label"]: {
                key: None if pd.isna(value) else value
                for key, value in row.items()
                if key != "label"
            }
            for row in per_label.to_dict(orient="records")
        },
    }


def issues_page(table: pd.DataFrame, per_label: pd.DataFrame, label_names: Sequence[str],
                per_direction: int) -> str:  # fmt: skip
    """Markdown: the per-label summary, then for each label the texts most likely missing it
    and those most likely wrongly given it (the table's order)."""
    lines = [
        "# Likely label errors in train and validation",
        "",
        "Out-of-fold probabilities, ranked by cleanlab's label quality score (lowest first). "
        "The full list: label_issues.csv.",
        "",
        markdown_table(per_label),
        "",
    ]
    for name in label_names:
        lines += [f"## {name}", ""]
        for title, column in (("probably missing", "add"), ("probably wrong", "remove")):
            has = table[column].map(lambda field, name=name: name in split_labels(field))
            shown = table[has].head(per_direction)
            lines.append(f"{title}:")
            if shown.empty:
                lines.append("- none")
            for row in shown.itertuples():
                lines.append(
                    f"- {row.id} ({row.split}, quality {row.quality:.3f}, given: "
                    f"{row.given_labels or 'none'}): {row.text}"
                )
            lines.append("")
    return "\n".join(lines)
