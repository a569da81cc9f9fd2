"""Every path the pipeline reads or writes, relative to the project root (DVC's working dir)."""

from pathlib import Path

DVC_YAML = Path("dvc.yaml")

DATA = Path("data")
RAW = DATA / "raw"
LABELS = RAW / "labels.json"
PROCESSED = DATA / "processed"  # <member>/: the texts tokenized for each ensemble member
PREDICTIONS = DATA / "predictions"
MEMBER_PROBS = PREDICTIONS / "members"  # <member>/: each member's, from evaluate
PROBS = (
    PREDICTIONS / "probs"
)  # the ensemble's (members and baseline combined), from tune_thresholds
BASELINE_PROBS = PREDICTIONS / "baseline_probs"
TEST_PREDICTIONS = PREDICTIONS / "test"  # test predictions in the input's own layout
AUDIT = DATA / "audit"  # out_of_fold.npz: the audit's out-of-fold probabilities
CORRECTIONS = DATA / "corrections"  # your exclude and relabel files (data.corrections)

MODELS = Path("models")
MEMBERS = MODELS / "members"  # <member>/: each train stage's fine-tuned weights and tokenizer
BASELINE = MODELS / "baseline"  # the fitted TF-IDF baseline, from the baseline stage
CLASSIFIER = MODELS / "classifier"  # what ships: the members, weights, decision rule, model card
EXPORT = MODELS / "export"  # the classifier as ONNX graphs with the same rule (export stage)
STUDENT = MODELS / "student"  # the classifier distilled into one member (distill stage)
CHECKPOINTS = MODELS / "checkpoints"  # <member>/: epoch checkpoints of an unfinished run
STUDENT_CHECKPOINTS = CHECKPOINTS / ".distill"  # the student's epoch checkpoints (not a member's)
STUDENT_WEIGHTS = CHECKPOINTS / ".distill-student"  # its best epoch, until models/student holds it
PRETRAINED = (
    MODELS / "pretrained"
)  # backbones assembled from package pieces (mltc.modeling.pretrained_parts)

METRICS = Path("metrics")
DATA_METRICS = METRICS / "data.json"
LABEL_COUNTS = METRICS / "data" / "label_counts.csv"
MEMBER_METRICS = METRICS / "members"  # <member>/: train.json, train/*.csv, evaluate.json
TUNE_METRICS = METRICS / "tune_thresholds.json"
THRESHOLD_CURVE = METRICS / "tune_thresholds" / "curve.csv"
PER_LABEL_F1 = METRICS / "tune_thresholds" / "per_label_f1.csv"
PR_CURVES = METRICS / "tune_thresholds" / "pr_curves.csv"  # the ensemble's, on test
DIAGNOSTICS = (
    METRICS / "diagnostics"
)  # <split>/cooccurrence.csv, calibration.csv, per_label.csv, errors.md
BASELINE_METRICS = METRICS / "baseline.json"  # at 0.5, from the baseline stage
BASELINE_TUNED_METRICS = METRICS / "baseline_tuned.json"  # from tune_thresholds
AUDIT_METRICS = METRICS / "audit"  # summary.json, label_issues.csv, label_issues.md
AUDIT_SUMMARY = AUDIT_METRICS / "summary.json"
EXPORT_METRICS = METRICS / "export.json"  # the export's parity with torch, and int8's scores
DISTILL_METRICS = METRICS / "distill.json"  # the student against the ensemble (distill stage)

SPLITS = ("train", "validation", "test")
EVALUATED_SPLITS = ("validation", "test")


def raw_split(split: str) -> Path:
    return RAW / f"{split}.parquet"


def probs_file(split: str, folder: Path = PROBS) -> Path:
    return folder / f"{split}.npz"


def member_processed(member: str) -> Path:
    return PROCESSED / member


def member_weights(member: str) -> Path:
    return MEMBERS / member


def member_checkpoints(member: str) -> Path:
    return CHECKPOINTS / member


def member_probs(member: str) -> Path:
    return MEMBER_PROBS / member


def member_train_summary(member: str) -> Path:
    return MEMBER_METRICS / member / "train.json"


def member_train_curves(member: str) -> Path:
    return MEMBER_METRICS / member / "train"  # loss.csv, validation.csv, learning_rate.csv


def member_evaluate_metrics(member: str) -> Path:
    return MEMBER_METRICS / member / "evaluate.json"
