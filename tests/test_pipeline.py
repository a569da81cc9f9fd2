"""End to end: the real `dvc repro` on the tiny model and a slice of the data, in a copy of the repo."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import REPO_ROOT, SEMEVAL_DIR
from transformers import pipeline

from mltc.semeval import LABEL_NAMES

pytestmark = pytest.mark.slow
PROBABILITY_KEYS = (
    "roc_auc_micro",
    "roc_auc_macro",
    "average_precision_micro",
    "average_precision_macro",
)
LABEL_KEYS = ("jaccard", "micro_f1", "macro_f1", "subset_accuracy", "hamming_loss")


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, (
        f"{args} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )
    return result


def dvc(*args: str, cwd: Path) -> str:
    return run([sys.executable, "-m", "dvc", *args], cwd).stdout


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """The repo's tracked and new files, with the tiny model and 64 texts a split, as a git repo."""
    root = tmp_path_factory.mktemp("project")
    listed = run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"], REPO_ROOT
    ).stdout
    for name in listed.splitlines():
        source = REPO_ROOT / name
        if source.is_file() and not name.startswith(("metrics/", "dvc.lock")):
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, root / name)
    params = yaml.safe_load((root / "params.yaml").read_text())
    params["model"] = "tiny"
    params["download"]["local_dir"] = str(SEMEVAL_DIR)
    params["download"]["max_rows"] = 64
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    run(["git", "init", "-q"], root)
    run(["git", "add", "-A"], root)
    run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "tiny"], root)
    dvc("repro", cwd=root)
    return root


def test_repro_writes_a_loadable_model_and_metrics_in_range(project):
    evaluate = json.loads((project / "metrics" / "evaluate.json").read_text())
    assert set(evaluate) == {"validation", "test"}
    for scores in evaluate.values():
        for key in LABEL_KEYS + PROBABILITY_KEYS:
            assert 0.0 <= scores[key] <= 1.0, key
        assert list(scores["per_label"]) == list(LABEL_NAMES)
    assert sum(label["support"] for label in evaluate["test"]["per_label"].values()) > 0

    classifier = pipeline(
        "text-classification", model=str(project / "models" / "model"), top_k=None
    )
    assert {score["label"] for score in classifier(["What a day!"])[0]} == set(LABEL_NAMES)

    labels = json.loads((project / "data" / "raw" / "labels.json").read_text())
    assert labels["label_names"] == list(LABEL_NAMES)
    assert json.loads((project / "metrics" / "train.json").read_text())["model"] == "tiny"
    assert (project / "metrics" / "train" / "plots" / "metrics" / "eval" / "micro_f1.tsv").is_file()
    assert (project / "data" / "predictions" / "probs" / "test.npz").is_file()


def test_second_repro_runs_nothing(project):
    output = dvc("repro", cwd=project)
    assert "Running stage" not in output
    assert json.loads(dvc("status", "--json", cwd=project)) == {}


def test_learning_rate_change_retrains_without_retokenizing(project):
    original = (project / "params.yaml").read_text()
    params = yaml.safe_load(original)
    params["train"]["learning_rate"] = 0.002
    (project / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    try:
        changed = json.loads(dvc("status", "--json", cwd=project))
    finally:
        (project / "params.yaml").write_text(original)
    assert set(changed) == {"train"}  # evaluate follows once train's outputs change
    assert changed["train"] == [{"changed deps": {"params.yaml": {"train": "modified"}}}]
