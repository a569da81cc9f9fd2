"""Nothing lost: each guarantee of the pipeline pinned by a test on the real `dvc repro` (tiny model)."""

import json
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from mltc.core import paths
from mltc.core.files import read_json
from pipeline_projects import MEMBER, dvc, run, unrun

pytestmark = pytest.mark.slow

# SIGKILL the train stage right after its first checkpoint is on disk, as a crash would
KILL_AFTER_FIRST_CHECKPOINT = """
import os, runpy, signal, sys
from transformers import TrainerCallback
from mltc.modeling import training

class Kill(TrainerCallback):
    def on_save(self, args, state, control, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)

build = training.build_trainer
def build_and_arm(*args, **kwargs):
    trainer = build(*args, **kwargs)
    trainer.add_callback(Kill())
    return trainer

training.build_trainer = build_and_arm
sys.argv = ["stages/train.py", "plain"]
runpy.run_path("stages/train.py", run_name="__main__")
"""
# SIGKILL a stage when it is about to publish its Nth output (the staging copy is complete, the
# target not yet replaced): the moment a non-atomic writer would leave a half-written file
KILL_AT_PUBLISH = """
import os, runpy, signal, sys
from mltc.core import files as fileio

calls, kill_at = [], int(sys.argv[2])
publish = fileio.publish
def publish_or_die(staging, target):
    calls.append(target)
    if len(calls) == kill_at:
        os.kill(os.getpid(), signal.SIGKILL)
    publish(staging, target)

fileio.publish = publish_or_die
script = sys.argv[1]
sys.argv = [script, *sys.argv[3:]]  # the member, for a per-member stage
runpy.run_path(script, run_name="__main__")
"""
RUNTIME_KEYS = ("train_runtime_s", "train_samples_per_second")


def trained(root: Path) -> dict:
    """What the train stage of `plain` produced, less its runtimes: its summary, its training
    curves and its weights."""
    summary = read_json(root / paths.member_train_summary(MEMBER))
    return {
        "summary": {k: v for k, v in summary.items() if k not in RUNTIME_KEYS},
        "curves": {
            path.name: path.read_text(encoding="utf-8")
            for path in (root / paths.member_train_curves(MEMBER)).glob("*.csv")
        },
        "weights": (root / paths.member_weights(MEMBER) / "model.safetensors").read_bytes(),
    }


def outcome(root: Path) -> dict:
    """What a run produced, less its runtimes: every metric, what train wrote (`trained`), and
    the shipped member's weights and rule."""
    metrics = {}
    for path in sorted((root / "metrics").rglob("*.json")):
        values = read_json(path)
        name = path.relative_to(root / "metrics").as_posix()
        metrics[name] = {k: v for k, v in values.items() if k not in RUNTIME_KEYS}
    shipped = root / "models" / "classifier"
    return {
        "metrics": metrics,
        "trained": trained(root),
        "shipped weights": (shipped / "members" / MEMBER / "model.safetensors").read_bytes(),
        "thresholds": read_json(shipped / "thresholds.json"),
    }


@pytest.fixture
def uninterrupted(reproduced_project) -> Path:
    return reproduced_project


@pytest.fixture(scope="module")
def resumed(reproduced_project, tmp_path_factory) -> tuple[Path, str]:
    """The reproduced project copied with its train stage of `plain` not run (`unrun`), that
    stage killed right after the first epoch's checkpoint, then `dvc repro` of it again: its log."""
    root = tmp_path_factory.mktemp("killed") / "project"
    shutil.copytree(reproduced_project, root, symlinks=True)
    unrun(root, f"train@{MEMBER}")
    (root / "kill.py").write_text(KILL_AFTER_FIRST_CHECKPOINT, encoding="utf-8")
    killed = subprocess.run([sys.executable, "kill.py"], cwd=root, capture_output=True, text=True)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    assert (root / "models" / "checkpoints" / MEMBER / "fingerprint.json").is_file()
    assert not (root / "models" / "members" / MEMBER).exists()
    return root, dvc("repro", f"train@{MEMBER}", cwd=root)


def test_a_killed_run_resumes_from_its_checkpoint_and_ends_as_an_uninterrupted_one(
    resumed, uninterrupted
):
    """Two processes training apart end bit-identical: resuming loses nothing, and training
    is deterministic on the CPU (the stages after train read only its outputs)."""
    root, log = resumed
    assert "resuming from models/checkpoints/plain/checkpoint-4 (step 4 of 8, epoch 1)" in log
    assert trained(root) == trained(uninterrupted)
    assert not (root / "models" / "checkpoints" / MEMBER).exists()  # removed once published


def test_checkpoints_of_other_params_are_not_reused(uninterrupted, tmp_path):
    root = tmp_path / "other"
    shutil.copytree(uninterrupted, root, symlinks=True)
    checkpoints = root / "models" / "checkpoints" / "plain"
    (checkpoints / "checkpoint-2").mkdir(parents=True)
    (checkpoints / "checkpoint-2" / "trainer_state.json").write_text(
        json.dumps({"global_step": 2, "max_steps": 8, "epoch": 1.0}), encoding="utf-8"
    )
    (checkpoints / "fingerprint.json").write_text(
        '{"fingerprint": "another run"}\n', encoding="utf-8"
    )
    log = dvc("repro", "--force", "--single-item", f"train@{MEMBER}", cwd=root)
    assert "were made with other params, data or code: training from the start" in log
    assert trained(root) == trained(uninterrupted)  # every epoch trained, as without them
    assert not checkpoints.exists()


def hidden_staging(root: Path) -> list[str]:
    return sorted(
        path.relative_to(root).as_posix()
        for folder in ("data", "models", "metrics")
        for path in (root / folder).rglob(".*")
        if path.name not in (".gitignore",)
    )


@pytest.mark.parametrize(
    ("stage", "kill_at"),
    [("evaluate", 2), ("tune_thresholds", 2), ("tune_thresholds", 4)],  # 4: the classifier
)
def test_a_stage_killed_mid_write_leaves_old_complete_outputs(
    uninterrupted, tmp_path, stage, kill_at
):
    root = tmp_path / "project"
    shutil.copytree(uninterrupted, root, symlinks=True)
    before = outcome(root)
    (root / "kill.py").write_text(KILL_AT_PUBLISH, encoding="utf-8")
    killed = subprocess.run(
        [sys.executable, "kill.py", f"stages/{stage}.py", str(kill_at), "plain"], cwd=root,
        capture_output=True, text=True,
    )  # fmt: skip
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    assert outcome(root) == before  # every output complete: the old one (equal to the new)
    assert hidden_staging(root)  # the unpublished staging copy is left, hidden
    assert not any(  # ignored by git until the next write of the output removes it
        ".classifier." in line or ".npz." in line or ".json." in line
        for line in run(
            ["git", "status", "--porcelain", "--untracked-files=all"], root
        ).stdout.splitlines()
    )
    dvc("repro", cwd=root)
    assert outcome(root) == before
