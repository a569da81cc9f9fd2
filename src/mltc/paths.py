"""Every path the pipeline reads or writes, relative to the project root (DVC's working dir)."""

from pathlib import Path

DVC_YAML = Path("dvc.yaml")

DATA = Path("data")
RAW = DATA / "raw"
LABELS = RAW / "labels.json"
PROCESSED = DATA / "processed"
PREDICTIONS = DATA / "predictions"
PROBS = PREDICTIONS / "probs"  # the fine-tuned model's, from evaluate
BASELINE_PROBS = PREDICTIONS / "baseline_probs"
TEST_PREDICTIONS = PREDICTIONS / "test"  # test predictions in the input's own layout

MODELS = Path("models")
WEIGHTS = MODELS / "weights"  # the train stage's fine-tuned weights, before the decision rule
CLASSIFIER = MODELS / "classifier"  # what ships: weights, tuned thresholds, model card
CHECKPOINTS = MODELS / "checkpoints"
PRETRAINED = (
    MODELS / "pretrained"
)  # backbones assembled from package pieces (mltc.modeling.model_parts)

METRICS = Path("metrics")
DATA_METRICS = METRICS / "data.json"
LABEL_COUNTS = METRICS / "data" / "label_counts.csv"
TRAIN_CURVES = METRICS / "train"  # loss.csv, validation.csv, learning_rate.csv
TRAIN_SUMMARY = METRICS / "train.json"
EVALUATE_METRICS = METRICS / "evaluate.json"
TUNE_METRICS = METRICS / "tune_thresholds.json"
THRESHOLD_CURVE = METRICS / "tune_thresholds" / "curve.csv"
PER_LABEL_F1 = METRICS / "tune_thresholds" / "per_label_f1.csv"
PR_CURVES = METRICS / "evaluate" / "pr_curves.csv"
DIAGNOSTICS = (
    METRICS / "diagnostics"
)  # <split>/cooccurrence.csv, calibration.csv, per_label.csv, errors.md
BASELINE_METRICS = METRICS / "baseline.json"  # at 0.5, from the baseline stage
BASELINE_TUNED_METRICS = METRICS / "baseline_tuned.json"  # from tune_thresholds

SPLITS = ("train", "validation", "test")
EVALUATED_SPLITS = ("validation", "test")


def raw_split(split: str) -> Path:
    return RAW / f"{split}.parquet"


def probs_file(split: str, folder: Path = PROBS) -> Path:
    return folder / f"{split}.npz"
