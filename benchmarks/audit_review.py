"""The audit's top issues as a person read them: the first rows of metrics/audit/label_issues.csv
beside a verdict per text (results/audit/top30-verdicts.csv: `label` = the given labels look
wrong as the audit says, `model` = the given labels look right and the out-of-fold model erred),
written as results/audit/top30.md with the count.

    python -m benchmarks.audit_review   # after dvc repro audit
"""

from pathlib import Path

import pandas as pd

from mltc.core import paths
from mltc.core.markdown import markdown_table

RESULTS = Path("benchmarks/results/audit")
VERDICTS = RESULTS / "top30-verdicts.csv"


def review(issues: Path, verdicts: Path) -> str:
    judged = pd.read_csv(verdicts, dtype=str, keep_default_na=False)
    table = pd.read_csv(issues, dtype=str, keep_default_na=False).head(len(judged))
    if table["id"].tolist() != judged["id"].tolist():
        raise SystemExit(f"{verdicts} judges other texts than the top of {issues}: read them again")
    rows = table.merge(judged, on="id")[
        ["rank", "split", "given_labels", "add", "remove", "verdict", "reason", "text"]
    ]
    rows["text"] = rows["text"].str.slice(0, 90)
    label_errors = int((rows["verdict"] == "label").sum())
    return (
        f"# The audit's top {len(rows)} on SemEval-2018 E-c, read by a person\n\n"
        f"{label_errors} of {len(rows)} look like true label errors (`label`); in the others the "
        "given labels look right and the out-of-fold TF-IDF model erred (`model`), mostly on "
        "sarcasm and context. Verdicts: `top30-verdicts.csv`.\n\n" + markdown_table(rows) + "\n"
    )


def main() -> None:
    text = review(paths.AUDIT_METRICS / "label_issues.csv", VERDICTS)
    (RESULTS / "top30.md").write_text(text, encoding="utf-8")
    print(text.splitlines()[2])


if __name__ == "__main__":
    main()
