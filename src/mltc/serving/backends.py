"""What runs the classifier (a light module: `predict` reads it before loading anything): torch
on the shipped classifier folder, or onnxruntime on its export, without torch or transformers."""

from pathlib import Path

from mltc.core import paths

BACKENDS = ("torch", "onnx")
DEFAULT_MODEL = {"torch": paths.CLASSIFIER, "onnx": paths.EXPORT}  # dvc repro writes both


def model_folder(model: str | None, backend: str) -> Path:
    """The folder given, else the pipeline's own for the backend."""
    return Path(model) if model else DEFAULT_MODEL[backend]
