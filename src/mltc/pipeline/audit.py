"""Stage audit: out-of-fold probabilities for every labelled training and validation text, and
the texts whose given labels they call into question (metrics/audit)."""

from collections.abc import Callable

import numpy as np

from mltc.audit import report
from mltc.audit.config import AuditConfig
from mltc.audit.label_issues import auditable_labels, find_label_issues
from mltc.audit.out_of_fold import assign_folds, baseline_out_of_fold
from mltc.core import paths, split_files
from mltc.core.errors import PipelineError
from mltc.core.files import atomic_path, read_json, write_csv, write_json, write_npz
from mltc.core.labels import LabelSchema
from mltc.ensemble.config import EnsembleConfig

AUDITED_SPLITS = ("train", "validation")  # test stays as published: it is never audited
# each fold fits every label once, at the baseline stage's C
FOLDS_REMEDY = "fewer audit.folds cost less; audit.model: none skips the audit"


def baseline_c() -> float:
    """The C the baseline stage chose on validation (metrics/baseline.json): the audit fits the
    baseline as it ships, once a fold, instead of searching baseline.c_grid in every fold."""
    remedy = "run `dvc repro baseline` first (dvc repro audit does)"
    if not paths.BASELINE_METRICS.is_file():
        raise PipelineError(f"{paths.BASELINE_METRICS} is missing: {remedy}")
    c = read_json(paths.BASELINE_METRICS).get("c")
    if isinstance(c, bool) or not isinstance(c, int | float) or c <= 0:
        raise PipelineError(f"{paths.BASELINE_METRICS} has no C > 0 (c={c!r}): {remedy}")
    return float(c)


def write_skipped() -> None:
    """audit.model: none: the outputs dvc.yaml declares, saying that no audit ran."""
    with atomic_path(paths.AUDIT) as staging:
        staging.mkdir()
    write_csv(paths.AUDIT_METRICS / "label_issues.csv", report.issue_table_columns())
    with atomic_path(paths.AUDIT_METRICS / "label_issues.md") as staging:
        staging.write_text("# No label audit\n\naudit.model is none.\n", encoding="utf-8")
    write_json(paths.AUDIT_SUMMARY, {"model": "none"})
    print("audit: audit.model is none, nothing audited")


def stage_params(declared: dict, every_param: Callable[[], dict]) -> dict:
    """The params the audit reads: the section dvc.yaml declares for it (audit); with
    audit.model: members, every section (`every_param()`): the members' params are read but not
    declared, so that a train param change does not re-run the default TF-IDF audit."""
    if AuditConfig.from_params(declared).model == "members":
        return every_param()
    return declared


def run(params: dict) -> None:
    """Fit the baseline K times at the baseline stage's C, score each fold with the model that
    did not see it, rank the label issues, and write the table, the summary and the page."""
    config = AuditConfig.from_params(params)
    if config.model == "none":
        write_skipped()
        return
    c = baseline_c() if config.model == "baseline" else None
    schema = LabelSchema.load(paths.LABELS)
    names = list(schema.label_names)
    frames = {split: split_files.read_split(split) for split in AUDITED_SPLITS}
    ids = np.concatenate([frames[split]["id"].to_numpy(dtype=str) for split in AUDITED_SPLITS])
    splits = np.concatenate([np.full(len(frames[split]), split) for split in AUDITED_SPLITS])
    texts = [text for split in AUDITED_SPLITS for text in frames[split]["text"].tolist()]
    gold = np.concatenate(
        [split_files.gold_matrix(frames[split], schema, split) for split in AUDITED_SPLITS]
    )
    auditable = auditable_labels(gold, config.folds)
    for index in np.flatnonzero(~auditable):
        print(
            f"audit: label '{names[index]}' has {int(gold[:, index].sum())} positive texts of "
            f"{len(gold)}: fewer than audit.folds={config.folds} on one side, so it is not "
            "audited (its out-of-fold scores are still reported); label more texts with it, or "
            "lower audit.folds"
        )
    fold = assign_folds(gold, config.folds, config.seed)
    if config.model == "baseline":
        out_of_fold = baseline_out_of_fold(
            texts, gold, fold, (c,), config.seed, "audit", FOLDS_REMEDY
        )
        probs = out_of_fold.probs
        how = {
            "c": c,  # the baseline stage's
            "oof_average_precision_micro": round(out_of_fold.average_precision_by_c[c], 6),
        }
    else:
        # imported only for this choice: the fine-tuning libraries (torch, transformers) take
        # seconds to import, which the default baseline audit does not pay
        from mltc.audit.member_folds import member_out_of_fold, member_setup

        members = list(EnsembleConfig.from_params(params).members)
        setups = [member_setup(params, member, schema) for member in members]  # params checked
        is_train = splits == "train"
        probs = np.mean(
            [member_out_of_fold(setup, ids, texts, gold, is_train, fold) for setup in setups],
            axis=0,
        )
        how = {"members": members}
    issues = find_label_issues(gold, probs, auditable)
    per_label = report.per_label_summary(issues, gold, probs, splits, names)
    table = report.issue_table(issues, ids, splits, texts, gold, names)
    summary = report.summary(issues, splits, per_label, config.folds, config.model, how)
    with atomic_path(paths.AUDIT) as staging:
        staging.mkdir()
        write_npz(staging / "out_of_fold.npz", ids=ids, splits=splits, fold=fold, probs=probs,
                  labels=gold, label_names=np.asarray(names))  # fmt: skip
    write_csv(paths.AUDIT_METRICS / "label_issues.csv", table)
    with atomic_path(paths.AUDIT_METRICS / "label_issues.md") as staging:
        staging.write_text(
            report.issues_page(table, per_label, names, config.examples_per_label),
            encoding="utf-8",
        )
    write_json(paths.AUDIT_SUMMARY, summary)
    print(
        f"audit ({config.model}, {config.folds} folds): {summary['flagged']} "
        f"of {summary['texts']} texts flagged -> {paths.AUDIT_METRICS / 'label_issues.csv'}"
    )
