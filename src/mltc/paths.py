"""Every path the pipeline reads or writes, relative to the project root (DVC's working dir)."""

from pathlib import Path

DATA = Path("data")
RAW = DATA / "raw"
LABELS = RAW / "labels.json"
PROCESSED = DATA / "processed"
PREDICTIONS = DATA / "predictions"
PROBS = PREDICTIONS / "probs"

MODELS = Path("models")
MODEL = MODELS / "model"
CHECKPOINTS = MODELS / "checkpoints"

METRICS = Path("metrics")
TRAIN_LIVE = METRICS / "train"
TRAIN_SUMMARY = METRICS / "train.json"
EVALUATE_METRICS = METRICS / "evaluate.json"

SPLITS = ("train", "validation", "test")


def raw_split(split: str) -> Path:
    return RAW / f"{split}.parquet"


def probs_file(split: str) -> Path:
    return PROBS / f"{split}.npz"
