"""Atomic writes: an output is either the old complete file or the new complete file, never half."""

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mltc.core.errors import PipelineError

STAGING_PREFIX = "."  # staging folders are hidden siblings: `.<name>.<random>/<name>`


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary sibling path; on success it replaces `target` (file or folder).

    A process killed before the replace leaves the old `target` (or none) and a hidden staging
    folder, which the next write of the same target removes.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    for stale in target.parent.glob(f"{STAGING_PREFIX}{target.name}.*"):
        shutil.rmtree(stale, ignore_errors=True)
    tmp = (
        Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{target.name}.", dir=target.parent))
        / target.name
    )
    try:
        yield tmp
        publish(tmp, target)
    finally:
        shutil.rmtree(tmp.parent, ignore_errors=True)


def publish(staging: Path, target: Path) -> None:
    """Move a complete file or folder into place, replacing what was there."""
    target = Path(target)
    if target.is_dir() and not target.is_symlink():
        shutil.rmtree(target)
    os.replace(staging, target)


def write_json(path: Path, payload: Any) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(payload, indent=2, allow_nan=False) + "\n", encoding="utf-8")


def read_json(path: Path) -> Any:
    """A JSON file's content; a damaged file (not UTF-8, not JSON) is named in one line."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PipelineError(
            f"{path} is damaged: not valid JSON ({error}); restore it with dvc checkout, or "
            "re-run dvc repro"
        ) from error


def write_npz(path: Path, **arrays: np.ndarray) -> None:
    with atomic_path(path) as tmp, tmp.open("wb") as handle:
        np.savez(handle, **arrays)


def write_csv(path: Path, frame: pd.DataFrame) -> None:
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False, float_format="%.6g")
