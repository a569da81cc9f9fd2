"""benchmarks/member_study.py: the table made from saved probabilities scores each variant alone
and each pair of runs with distinct seeds, as tune_thresholds would choose."""

import argparse
import copy
import json
import shutil

import numpy as np
import pandas as pd
import pytest
import yaml

from benchmarks import member_study
from benchmarks.quality_runs import mean_and_spread
from conftest import EXAMPLES, PARAMS, REPO_ROOT
from mltc.audit.out_of_fold import assign_folds, baseline_out_of_fold
from mltc.core import paths
from mltc.pipeline import download


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
    threes = {
        row.split(" | ")[0][2:]: row.split(" | ")[1]
        for row in member_study.table([study], largest=3).splitlines()
        if row.count("` + `") == 2
    }
    assert threes == {
        "`good` + `good` + `noise` + baseline": "42+43+44",
        "`good` + `noise` + `noise` + baseline": "43+42+44",
    }


def test_the_table_tunes_the_rule_given_in_place_of_params_yamls(tmp_path, monkeypatch):
    """`--rule`: one global threshold on a grid of step 0.5 and no fallback leaves 0.5 as the only
    rule, so a run alone scores its test probabilities cut at 0.5."""
    from sklearn.metrics import f1_score

    rng = np.random.default_rng(2)
    gold = {split: rng.integers(0, 2, (40, 3)).astype(np.int8) for split in paths.EVALUATED_SPLITS}
    runs = {f"noise:{seed}": {s: rng.random((40, 3)).astype(np.float32) for s in gold}
            for seed in (42, 43)}  # fmt: skip
    study = write_study(tmp_path, runs, gold)
    with_baseline(tmp_path, rng)
    monkeypatch.chdir(tmp_path)

    rule = {"strategy": "global", "grid_step": 0.5, "min_labels": 0, "objective": "macro_f1"}
    lines = member_study.table([study], rule=rule).splitlines()
    assert "validation macro-F1, CV of the rule" in lines[0]
    alone = next(row.split(" | ") for row in lines if row.startswith("| `noise` alone"))
    micro = [f1_score(gold["test"], run["test"] >= 0.5, average="micro") for run in runs.values()]
    assert alone[5] == mean_and_spread(micro)
    assert lines[-1].endswith(
        " Decision rule: params.yaml's `tune_thresholds` with `strategy: global`, "
        "`grid_step: 0.5`, `min_labels: 0`, `objective: macro_f1`."
    )


def test_the_rule_is_given_on_the_command_line_as_key_value_pairs(tmp_path, monkeypatch, capsys):
    rng = np.random.default_rng(3)
    gold = {split: rng.integers(0, 2, (40, 3)).astype(np.int8) for split in paths.EVALUATED_SPLITS}
    noise = {s: rng.random((40, 3)).astype(np.float32) for s in gold}
    study = write_study(tmp_path, {"noise:42": noise}, gold)
    with_baseline(tmp_path, rng)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "objective.md"
    argv = ["member_study", "table", str(study), "--rule", "objective=macro_f1", "grid_step=0.5"]
    monkeypatch.setattr("sys.argv", [*argv, "--out", str(out)])
    member_study.main()
    written = out.read_text()
    assert "| validation macro-F1, CV of the rule |" in written.splitlines()[0]
    assert written.rstrip().endswith("with `objective: macro_f1`, `grid_step: 0.5`.")
    monkeypatch.setattr("sys.argv", [*argv[:4], "objective"])
    with pytest.raises(SystemExit):
        member_study.main()
    assert "--rule objective: write KEY=VALUE, for example objective=macro_f1" in (
        capsys.readouterr().err
    )


def test_the_teacher_mixes_the_runs_with_the_baseline_at_the_weight_chosen_on_validation(
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
    baseline = rng.random((40, 3)).astype(np.float32)
    asked = []
    monkeypatch.setattr(member_study, "baseline_train_out_of_fold",
                        lambda params, ids: asked.append(ids.tolist()) or baseline)  # fmt: skip
    monkeypatch.chdir(tmp_path)

    member_study.teacher([teachers], None, tmp_path / "teacher.npz")
    saved = np.load(tmp_path / "teacher.npz")
    assert float(saved["baseline_weight"]) == 0.4
    assert saved["ids"].tolist() == ids.tolist() == asked[0]
    assert saved["runs"].tolist() == ["a:42", "b:43"]
    expected = 0.6 * (first["train"] + second["train"]) / 2 + 0.4 * baseline
    np.testing.assert_allclose(saved["probs"], expected, rtol=1e-6)


def test_the_teachers_baseline_is_out_of_fold_on_train_alone_row_by_id(tmp_path, monkeypatch):
    params = copy.deepcopy(PARAMS)
    params["data"] |= {"source": "files", "path": str(EXAMPLES / "tickets-columns" / "tickets.csv"),
                       "columns": {"id": "id", "text": "text"}}  # fmt: skip
    params["baseline"]["c_grid"] = [1.0]
    monkeypatch.chdir(tmp_path)
    download.run(params)
    train = pd.read_parquet(paths.raw_split("train"))
    ids = train["id"].astype(str).to_numpy()[::-1]  # in another order than data/raw's
    before = member_study.baseline_train_out_of_fold(params, ids)
    assert before.shape == (len(train), 5)

    validation = pd.read_parquet(paths.raw_split("validation"))
    validation["labels"] = [1 - np.asarray(labels) for labels in validation["labels"]]
    validation.to_parquet(paths.raw_split("validation"))
    np.testing.assert_array_equal(member_study.baseline_train_out_of_fold(params, ids), before)

    gold = np.stack(train["labels"].to_numpy())  # in data/raw's order: the rows reversed
    folds = assign_folds(gold, params["audit"]["folds"], params["audit"]["seed"])
    scored = baseline_out_of_fold(
        train["text"].tolist(), gold, folds, [1.0], params["baseline"]["seed"]
    )
    np.testing.assert_array_equal(before[::-1], scored.probs)


def test_larger_groups_take_each_mix_of_variants_once_and_never_a_seed_twice():
    variants = {"a": ["a:42", "a:44", "a:45"], "b": ["b:43"]}
    groups = dict(member_study.groups_of(variants, 3))
    assert list(groups) == [("a", "a", "a"), ("a", "a", "b")]  # b has one run: no b + b
    assert groups[("a", "a", "a")] == [("a:42", "a:44", "a:45")]
    assert groups[("a", "a", "b")] == [
        ("a:42", "a:44", "b:43"), ("a:42", "a:45", "b:43"), ("a:44", "a:45", "b:43"),
    ]  # fmt: skip
    pairs = member_study.groups_of(variants, 2)
    assert [names for names, _ in pairs] == [("a", "b"), ("a", "a")]  # the pairs' order as before


def test_paired_subtracts_the_base_groups_figures_from_the_levers_at_the_same_seeds(
    tmp_path, monkeypatch
):
    rng = np.random.default_rng(5)
    gold = {split: rng.integers(0, 2, (40, 3)).astype(np.int8) for split in paths.EVALUATED_SPLITS}
    perfect = {split: labels.astype(np.float32) for split, labels in gold.items()}
    noise = lambda: {s: rng.random((40, 3)).astype(np.float32) for s in gold}  # noqa: E731
    runs = {"raw:42": noise(), "raw:44": noise(), "clean:42": perfect, "other:43": noise(),
            "other:44": noise()}  # fmt: skip
    study = write_study(tmp_path, runs, gold)
    with_baseline(tmp_path, rng)
    monkeypatch.chdir(tmp_path)
    score, _, weights = member_study.group_scorer(member_study.load_studies([study]))
    text = member_study.paired([study], ["raw", "other"], ["clean", "other"])
    lines = text.splitlines()
    # clean has seed 42 only; other's 42 does not exist and 42+42 is never a group
    assert [line.split(" | ")[0] for line in lines[2:-2]] == ["| 42+43", "| 42+44"]
    for line, seeds in zip(lines[2:4], ("43", "44"), strict=True):
        before = score(("raw:42", f"other:{seeds}"), weights)
        after = score(("clean:42", f"other:{seeds}"), weights)
        expected = [f"{after[k] - before[k]:+.4f}" for k in ("cv", *member_study.KEYS)]
        assert line.split(" | ")[1:] == [*expected[:-1], expected[-1] + " |"]
    raised = sum(
        score(("clean:42", f"other:{s}"), weights)["jaccard"]
        > score(("raw:42", f"other:{s}"), weights)["jaccard"]
        for s in ("43", "44")
    )
    assert f"Higher in 2 of 2, {raised} of 2," in lines[-1]
    with pytest.raises(SystemExit, match="no runs of 'missing' in"):
        member_study.paired([study], ["raw"], ["missing"])


def test_key_values_read_numbers_yaml_would_leave_as_strings():
    parser = argparse.ArgumentParser()
    pairs = ["learning_rate=3e-3", "epochs=2", "loss=asymmetric", "label_aware=true"]
    assert member_study.key_values(parser, "--train-key", pairs, "learning_rate=1.5e-4") == {
        "learning_rate": 0.003, "epochs": 2, "loss": "asymmetric", "label_aware": True,
    }  # fmt: skip
