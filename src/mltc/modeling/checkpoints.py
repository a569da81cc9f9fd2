"""Resumable training: epoch checkpoints that only the run that made them may reuse.

The Trainer saves a checkpoint (weights, optimiser, scheduler, RNG states, the best-epoch
bookkeeping) after every epoch in `models/checkpoints/<member>`, which DVC neither tracks nor deletes. Next
to them lies a fingerprint of everything the train stage depends on: its params and the content of
every dependency that dvc.yaml declares for it (code and data). A run whose fingerprint matches
resumes from the last checkpoint; any other starts fresh and says why.
"""

import hashlib
import json
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml
from transformers.trainer_utils import get_last_checkpoint

from mltc.core import paths

FINGERPRINT_FILE = "fingerprint.json"
BYTECODE = "__pycache__"


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fingerprint(params: Mapping[str, Any], dependencies: Iterable[Path]) -> str:
    """One hash of the params and of every file below the given files and folders (Python's
    bytecode caches left out, as .dvcignore leaves them out of DVC's hashes)."""
    digest = hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode())
    for dependency in sorted(Path(d) for d in dependencies):
        files = [dependency] if dependency.is_file() else sorted(dependency.rglob("*"))
        for file in (f for f in files if f.is_file() and BYTECODE not in f.parts):
            digest.update(f"{file.as_posix()}\0{file_digest(file)}\n".encode())
    return digest.hexdigest()


def stage_fingerprint(stage: str, params: Mapping[str, Any], member: str | None = None) -> str:
    """The fingerprint of a stage's params and of the dependencies dvc.yaml declares for it: its
    `deps`, or for a per-member stage its `foreach` entry's, with `${key}` naming `member`."""
    declared = yaml.safe_load(paths.DVC_YAML.read_text(encoding="utf-8"))["stages"][stage]
    if member is None:
        return fingerprint(params, declared["deps"])
    return fingerprint(params, [dep.replace("${key}", member) for dep in declared["do"]["deps"]])


def resume_point(checkpoints_dir: Path, run_fingerprint: str) -> tuple[Path | None, str]:
    """The checkpoint to resume from (or None), and a line saying what happens and why."""
    checkpoints_dir = Path(checkpoints_dir)
    stored = checkpoints_dir / FINGERPRINT_FILE
    last = get_last_checkpoint(str(checkpoints_dir)) if checkpoints_dir.is_dir() else None
    if last is None:
        return None, "no checkpoint to resume from: training from the start"
    if not stored.is_file() or json.loads(stored.read_text())["fingerprint"] != run_fingerprint:
        return None, (
            f"the checkpoints in {checkpoints_dir} were made with other params, data or code: "
            "training from the start"
        )
    state = json.loads((Path(last) / "trainer_state.json").read_text())
    return Path(last), (
        f"resuming from {last} (step {state['global_step']} of {state['max_steps']}, "
        f"epoch {state['epoch']:.0f})"
    )


def start_fresh(checkpoints_dir: Path, run_fingerprint: str) -> None:
    """Remove checkpoints of other runs and record this run's fingerprint."""
    checkpoints_dir = Path(checkpoints_dir)
    shutil.rmtree(checkpoints_dir, ignore_errors=True)
    checkpoints_dir.mkdir(parents=True)
    (checkpoints_dir / FINGERPRINT_FILE).write_text(
        json.dumps({"fingerprint": run_fingerprint}) + "\n", encoding="utf-8"
    )
