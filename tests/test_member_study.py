"""benchmarks/member_study.py: the table made from saved probabilities scores each variant alone
and each pair of runs with distinct seeds, as tune_thresholds would choose."""

import json
import shutil

import numpy as np
import yaml

from benchmarks import member_study
from conftest import REPO_ROOT
from mltc.core import paths


def write_study(root, runs: dict[str, np.ndarray], gold: dict[str, np.ndarray], name="study"):
    arrays = {f"{split}_labels": labels for split, labels in gold.items()}
    for run, probs_by_split in runs.items():
        for split, probs in probs_by_split.items():
            arrays[f"{run}/{split}"] = probs
        arrays[f"{run}/info"] = np.asarray(
            json.dumps({"best_epoch": 3.0, "epochs": 5, "device": "cuda"})
        )
    np.savez(root / f"{name}.npz", **arrays)
    return root / f"{name}.npz"


def with_baseline(root, rng) -> None:
    """params.yaml and the baseline stage's validation and test probabilities (noise) in root."""
    shutil.copy(REPO_ROOT / "params.yaml", root / "params.yaml")
    baseline = root / paths.BASELINE_PROBS
    baseline.mkdir(parents=True)
    for split in paths.EVALUATED_SPLITS:
        np.savez(baseline / f"{split}.npz", probs=rng.random((40, 3)).astype(np.float32))


def test_table_rows_alone_with_the_baseline_and_pairs_of_distinct_seeds(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    gold = {split: rng.integers(0, 2, (40, 3)).astype(np.int8) for split in paths.EVALUATED_SPLITS}
    perfect = {split: labels.astype(np.float32) for split, labels in gold.items()}
    noise = lambda: {s: rng.random((40, 3)).astype(np.float32) for s in gold}  # noqa: E731
    runs = {"good:42": perfect, "good:43": perfect, "noise:42": noise(), "noise:44": noise()}
    study = write_study(tmp_path, runs, gold)
    with_baseline(tmp_path, rng)
    monkeypatch.chdir(tmp_path)

    rows = {
        row.split(" | ")[0][2:]: row.split(" | ")
        for row in member_study.table([study]).splitlines()
        if row.startswith("| `")
    }
    assert rows["`good` alone"][1:3] == ["42; 43", "0.0, 0.0"]
    assert rows["`good` alone"][4:] == ["1.0000 ± 0.0000"] * 2 + ["1.0000 ± 0.0000 |"]
    assert rows["`good` + baseline"][2] == "0.0, 0.0"  # the perfect runs need no baseline
    assert rows["`good` + `noise` + baseline"][1] == "42+44; 43+42; 43+44"  # never 42+42
    assert rows["`good` + `good` + baseline"][1] == "42+43"
    assert rows["`noise` + `noise` + baseline"][1] == "42+44"


def test_the_teacher_mixes_the_runs_with_the_baselines_out_of_fold_probabilities_by_id(
    tmp_path, monkeypatch
):
    rng = np.random.default_rng(1)
    splits = (*paths.EVALUATED_SPLITS, "train")
    gold = {split: rng.integers(0, 2, (40, 3)).astype(np.int8) for split in splits}
    first = {split: rng.random((40, 3)).astype(np.float32) for split in splits}
    second = {split: rng.random((40, 3)).astype(np.float32) for split in splits}
    teachers = write_study(tmp_path, {"a:42": first, "b:43": second}, gold, "teachers")
    ids = np.asarray([f"t{i}" for i in range(40)])
    with np.load(teachers) as saved:
        np.savez(teachers, **saved, train_ids=ids)
    with_baseline(tmp_path, rng)
    params = yaml.safe_load((tmp_path / "params.yaml").read_text(encoding="utf-8"))
    params["ensemble"]["baseline_weights"] = [0.4]  # the one candidate: the teacher mixes at 0.4
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params), encoding="utf-8")
    (tmp_path / paths.AUDIT).mkdir(parents=True)
    order = rng.permutation(40)  # the audit's texts in another order, with validation's after
    oof = np.concatenate([rng.random((40, 3)), np.zeros((5, 3))]).astype(np.float32)
    np.savez(tmp_path / member_study.OUT_OF_FOLD,
             ids=np.concatenate([ids[order], [f"v{i}" for i in range(5)]]),
             probs=oof[np.concatenate([order, np.arange(40, 45)])])  # fmt: skip
    monkeypatch.chdir(tmp_path)

    member_study.teacher([teachers], None, tmp_path / "teacher.npz")
    saved = np.load(tmp_path / "teacher.npz")
    assert float(saved["baseline_weight"]) == 0.4
    assert saved["ids"].tolist() == ids.tolist()
    assert saved["runs"].tolist() == ["a:42", "b:43"]
    expected = 0.6 * (first["train"] + second["train"]) / 2 + 0.4 * oof[:40]
    np.testing.assert_allclose(saved["probs"], expected, rtol=1e-6)
