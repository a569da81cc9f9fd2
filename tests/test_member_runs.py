"""benchmarks/member_runs.py: a single member's run recorded as the pipeline wrote it, and the
table of validation curves made from the records."""

import json
import os

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
    assert [(c[0], c[4], c[7], c[8]) for c in cells] == [
        ("| a-prior", "prior", "plain", "1"), ("| a-prior", "prior", "plain", "2"),
        ("| b-zero", "zero", "plain", "1"), ("| b-zero", "zero", "plain", "2"),
    ]  # fmt: skip
    assert cells[0][9:15] == ["0.1000", "0.2000", "0.3000", "", "", ""]
    assert cells[1][9:16] == ["0.4000", "0.5000", "0.6000", "0.7000", "0.8000", "0.2000", "61"]
    assert cells[3][12:15] == ["", "", ""]


def test_a_setting_run_with_several_seeds_gets_its_mean_and_range(tmp_path):
    results = tmp_path / "results"
    for seed, best in ((42, 2.0), (43, 1.0), (44, 2.0)):
        root = fake_member_run(tmp_path / str(seed), "prior", False)
        params = yaml.safe_load((root / "params.yaml").read_text())
        params["train"]["seed"] = seed
        (root / "params.yaml").write_text(yaml.safe_dump(params))
        train = root / "metrics" / "members" / "plain" / "train.json"
        train.write_text(
            json.dumps({"best_epoch": best, "train_runtime_s": 61.4, "head": "attention"})
        )
        member_runs.record(root, f"prior-{seed}", "plain", results)
    member_runs.record(fake_member_run(tmp_path / "z", "zero", False), "zero", "plain", results)

    rows = member_runs.table(results).splitlines()
    summary = rows[
        rows.index("| --- | --- | --- | --- | --- | --- | --- | ---: | ---: | ---: |") + 1 :
    ]
    # kept epochs 2, 1, 2: jaccard 0.4, 0.1, 0.4; micro-F1 0.5, 0.2, 0.5; macro-F1 0.6, 0.3, 0.6
    assert summary == [
        f"| None | {PARAMS['preprocess']['max_length']} | {PARAMS['train']['label_aware']} | prior "
        f"| {PARAMS['train']['epochs']} | attention | 42, 43, 44 | 0.3000 (0.1000-0.4000) "
        "| 0.4000 (0.2000-0.5000) | 0.5000 (0.3000-0.6000) |"
    ]  # the zero-bias run has one seed: no row
