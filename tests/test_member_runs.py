"""benchmarks/member_runs.py: a single member's run recorded as the pipeline wrote it, and the
table of validation curves made from the records."""

import json
import os

import pytest
import yaml

from benchmarks import member_runs
from conftest import PARAMS

CURVE = "epoch,series,value,kept\n" + "".join(
    f"{epoch},{series},{value},{kept}\n"
    for epoch, kept, values in ((1, 0, (0.1, 0.2, 0.3)), (2, 1, (0.4, 0.5, 0.6)))
    for series, value in zip(("jaccard", "micro_f1", "macro_f1"), values, strict=True)
)


def fake_member_run(root, head_bias: str, evaluated: bool):
    """The files `dvc repro evaluate@plain` leaves: params, train.json, the curve, evaluate.json."""
    metrics = root / "metrics" / "members" / "plain"
    (metrics / "train").mkdir(parents=True)
    params = {**PARAMS, "train": {**PARAMS["train"], "head_bias": head_bias}}
    (root / "params.yaml").write_text(yaml.safe_dump(params))
    (metrics / "train" / "validation.csv").write_text(CURVE)
    (metrics / "train.json").write_text(json.dumps({"best_epoch": 2.0, "train_runtime_s": 61.4}))
    test = {"test": {"jaccard": 0.7, "micro_f1": 0.8, "macro_f1": 0.2, "hamming_loss": 0.01}}
    (metrics / "evaluate.json").write_text(json.dumps(test))
    if not evaluated:  # evaluate.json left from an earlier training: older than train.json
        os.utime(metrics / "evaluate.json", (0, 0))
    return root


def test_a_member_run_becomes_one_row_per_epoch_with_test_scores_only_when_evaluated(tmp_path):
    results = tmp_path / "results"
    member_runs.record(fake_member_run(tmp_path / "a", "prior", True), "a-prior", "plain", results)
    path = member_runs.record(
        fake_member_run(tmp_path / "b", "zero", False), "b-zero", "plain", results
    )
    recorded = json.loads(path.read_text())
    assert recorded["params"]["train.head_bias"] == "zero"
    assert recorded["test_at_0_5"] is None

    rows = member_runs.table(results).splitlines()
    assert len(rows) == 8  # header, rule, two runs of two epochs, a blank line, the note
    cells = [row.split(" | ") for row in rows[2:6]]
    # the fake train.json names no head and is not label-aware: a record from before `head`
    assert [(c[0], c[5], c[8], c[9]) for c in cells] == [
        ("| a-prior", "prior", "plain", "1"), ("| a-prior", "prior", "plain", "2"),
        ("| b-zero", "zero", "plain", "1"), ("| b-zero", "zero", "plain", "2"),
    ]  # fmt: skip
    assert cells[0][3] == "truncate"  # preprocess.long_texts
    assert cells[0][10:16] == ["0.1000", "0.2000", "0.3000", "", "", ""]
    assert cells[1][10:17] == ["0.4000", "0.5000", "0.6000", "0.7000", "0.8000", "0.2000", "61"]
    assert cells[3][13:16] == ["", "", ""]


def seeded_run(tmp_path, seed: int, best: float, head: str, label_aware, evaluated: bool):
    """A fake member run at `seed` whose train.json names `head` and keeps epoch `best`, with
    train.label_aware set to `label_aware`."""
    root = fake_member_run(tmp_path / f"{head}-{seed}", "prior", evaluated)
    params = yaml.safe_load((root / "params.yaml").read_text())
    params["train"].update(seed=seed, label_aware=label_aware)
    (root / "params.yaml").write_text(yaml.safe_dump(params))
    train = root / "metrics" / "members" / "plain" / "train.json"
    train.write_text(json.dumps({"best_epoch": best, "train_runtime_s": 61.4, "head": head}))
    if evaluated:  # evaluate ran after this training
        os.utime(train, (0, 0))
    return root


def summary_rows(results) -> list[str]:
    rows = member_runs.table(results).splitlines()
    rule = "| --- | --- | --- | --- | --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
    return rows[rows.index(rule) + 1 :]


def test_a_setting_run_with_several_seeds_gets_its_mean_and_range(tmp_path):
    results = tmp_path / "results"
    for seed, best in ((42, 2.0), (43, 1.0), (44, 2.0)):
        root = seeded_run(tmp_path, seed, best, "attention", "attention", evaluated=False)
        member_runs.record(root, f"attention-{seed}", "plain", results)
    member_runs.record(fake_member_run(tmp_path / "z", "zero", False), "zero", "plain", results)

    # kept epochs 2, 1, 2: jaccard 0.4, 0.1, 0.4; micro-F1 0.5, 0.2, 0.5; macro-F1 0.6, 0.3, 0.6;
    # no test figures: evaluate did not run after these trainings
    assert summary_rows(results) == [
        f"| None | {PARAMS['preprocess']['max_length']} | truncate | prior "
        f"| {PARAMS['train']['epochs']} | attention | attention | 42, 43, 44 | 0.3000 (0.1000-0.4000) | 0.4000 (0.2000-0.5000) "
        "| 0.5000 (0.3000-0.6000) |  |  |  |"
    ]  # the zero-bias run has one seed: no row


def test_seeds_group_by_the_head_trained_whichever_label_aware_setting_chose_it(tmp_path):
    """`auto` chose the plain head at 90 labels before it fell back to attention; `false` chooses
    it now. Records of the plain head group across both settings, apart from the attention head
    at the same seeds; a seed recorded twice counts once, its evaluated record kept; test figures
    are summarised only where every seed has them."""
    results = tmp_path / "results"
    plain = (  # name, seed, kept epoch, train.label_aware, evaluated
        ("plain-42", 42, 1.0, "auto", True),
        ("plain-43-a", 43, 2.0, "auto", False),  # the repeat's first record: no test figures
        ("plain-43-b", 43, 2.0, False, True),
    )
    for name, seed, best, label_aware, evaluated in plain:
        root = seeded_run(tmp_path / name, seed, best, "plain", label_aware, evaluated=evaluated)
        member_runs.record(root, name, "plain", results)
    for seed, evaluated in ((42, True), (43, False)):
        root = seeded_run(tmp_path, seed, 1.0, "attention", "attention", evaluated=evaluated)
        member_runs.record(root, f"attention-{seed}", "plain", results)

    common = (
        f"| None | {PARAMS['preprocess']['max_length']} | truncate | prior "
        f"| {PARAMS['train']['epochs']}"
    )
    # plain: kept epochs 1 and 2 (seed 43 once: 0.25, not 0.3 with it twice), both evaluated;
    # attention: one seed of two evaluated, so no test figures
    assert summary_rows(results) == [
        f"{common} | False, auto | plain | 42, 43 | 0.2500 (0.1000-0.4000) "
        "| 0.3500 (0.2000-0.5000) | 0.4500 (0.3000-0.6000) | 0.7000 (0.7000-0.7000) "
        "| 0.8000 (0.8000-0.8000) | 0.2000 (0.2000-0.2000) |",
        f"{common} | attention | attention | 42, 43 | 0.1000 (0.1000-0.1000) "
        "| 0.2000 (0.2000-0.2000) | 0.3000 (0.3000-0.3000) |  |  |  |",
    ]


def test_windows_and_truncation_at_one_seed_are_two_settings_and_old_records_truncated(tmp_path):
    """A record from before `preprocess.long_texts` was shown (its params lack it) ran truncated:
    it groups with truncating records, and a windows run at the same seed is a setting apart."""
    results = tmp_path / "results"
    for seed in (42, 43):
        root = seeded_run(tmp_path / f"truncate-{seed}", seed, 2.0, "plain", False, True)
        path = member_runs.record(root, f"truncate-{seed}", "plain", results)
        if seed == 42:  # as written before the key was shown
            entry = json.loads(path.read_text())
            del entry["params"]["preprocess.long_texts"]
            path.write_text(json.dumps(entry))
        root = seeded_run(tmp_path / f"windows-{seed}", seed, 1.0, "plain", False, True)
        params = yaml.safe_load((root / "params.yaml").read_text())
        params["preprocess"]["long_texts"] = "windows"
        (root / "params.yaml").write_text(yaml.safe_dump(params))
        member_runs.record(root, f"windows-{seed}", "plain", results)
    rows = summary_rows(results)
    assert [row.split(" | ")[2] for row in rows] == ["truncate", "windows"]
    jaccard = [row.split(" | ")[8] for row in rows]  # at the kept epochs, 2 and 1
    assert jaccard == ["0.4000 (0.4000-0.4000)", "0.1000 (0.1000-0.1000)"]


@pytest.mark.parametrize("differing", ["validation", "test"])
def test_a_seed_recorded_twice_with_other_figures_is_refused_by_name(tmp_path, differing):
    results = tmp_path / "results"
    for name in ("first", "second"):
        best = 1.0 if differing == "validation" and name == "second" else 2.0
        root = seeded_run(tmp_path / name, 42, best, "plain", False, evaluated=True)
        if differing == "test" and name == "second":
            evaluated = root / "metrics" / "members" / "plain" / "evaluate.json"
            scores = json.loads(evaluated.read_text())
            evaluated.write_text(json.dumps({"test": {**scores["test"], "jaccard": 0.6}}))
        member_runs.record(root, name, "plain", results)
    root = seeded_run(tmp_path / "other", 43, 2.0, "plain", False, evaluated=True)
    member_runs.record(root, "other", "plain", results)
    with pytest.raises(ValueError) as error:
        member_runs.table(results)
    assert str(error.value) == (
        "records 'first' and 'second': the same setting and seed with different figures; keep "
        "one of them in the results folder"
    )
