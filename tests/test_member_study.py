"""benchmarks/member_study.py: the table made from saved probabilities scores each variant alone
and each pair of runs with distinct seeds, as tune_thresholds would choose."""

import json
import shutil

import numpy as np

from benchmarks import member_study
from conftest import REPO_ROOT
from mltc.core import paths


def write_study(root, runs: dict[str, np.ndarray], gold: dict[str, np.ndarray]):
    arrays = {f"{split}_labels": labels for split, labels in gold.items()}
    for run, probs_by_split in runs.items():
        for split, probs in probs_by_split.items():
            arrays[f"{run}/{split}"] = probs
        arrays[f"{run}/info"] = np.asarray(
            json.dumps({"best_epoch": 3.0, "epochs": 5, "device": "cuda"})
        )
    np.savez(root / "study.npz", **arrays)
    return root / "study.npz"


def test_table_rows_alone_with_the_baseline_and_pairs_of_distinct_seeds(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    gold = {split: rng.integers(0, 2, (40, 3)).astype(np.int8) for split in paths.EVALUATED_SPLITS}
    perfect = {split: labels.astype(np.float32) for split, labels in gold.items()}
    noise = lambda: {s: rng.random((40, 3)).astype(np.float32) for s in gold}  # noqa: E731
    runs = {"good:42": perfect, "good:43": perfect, "noise:42": noise(), "noise:44": noise()}
    study = write_study(tmp_path, runs, gold)
    shutil.copy(REPO_ROOT / "params.yaml", tmp_path / "params.yaml")
    baseline = tmp_path / paths.BASELINE_PROBS
    baseline.mkdir(parents=True)
    for split in paths.EVALUATED_SPLITS:
        np.savez(baseline / f"{split}.npz", probs=rng.random((40, 3)).astype(np.float32))
    monkeypatch.chdir(tmp_path)

    rows = {
        row.split(" | ")[0][2:]: row.split(" | ")
        for row in member_study.table(study).splitlines()
        if row.startswith("| `")
    }
    assert rows["`good` alone"][1:3] == ["42; 43", "0.0, 0.0"]
    assert rows["`good` alone"][4:] == ["1.0000 ± 0.0000"] * 2 + ["1.0000 ± 0.0000 |"]
    assert rows["`good` + baseline"][2] == "0.0, 0.0"  # the perfect runs need no baseline
    assert rows["`good` + `noise` + baseline"][1] == "42+44; 43+42; 43+44"  # never 42+42
    assert rows["`good` + `good` + baseline"][1] == "42+43"
    assert rows["`noise` + `noise` + baseline"][1] == "42+44"
