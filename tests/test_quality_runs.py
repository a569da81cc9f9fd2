"""benchmarks/quality_runs.py: a run's metrics recorded as they are, and the variants table made
from the records (mean and sample standard deviation over seeds)."""

import json

import yaml

from benchmarks import quality_runs
from conftest import PARAMS


def fake_run(root, seeds: tuple[int, int], test: tuple[float, float, float], validation_cv: float):
    """A two-member ensemble's metrics files, as the pipeline writes them."""
    (root / "metrics").mkdir(parents=True)
    members = {"plain": {"seed": seeds[0]}, "pos-weight": {"seed": seeds[1]}}
    params = {**PARAMS, "ensemble": {**PARAMS["ensemble"], "members": members}}
    (root / "params.yaml").write_text(yaml.safe_dump(params))
    train = {"model": "minilm", "epochs": 8, "best_epoch": 6.0, "train_runtime_s": 300.0,
             "label_aware": True}  # fmt: skip
    files = {
        "members/plain/train.json": train,
        "members/pos-weight/train.json": {**train, "best_epoch": 7.0, "label_aware": False},
        "tune_thresholds.json": {
            "test": dict(zip(quality_runs.KEYS, test, strict=True)),
            "tuning": {"strategy": "per_label", "min_labels": 1,
                       "validation_micro_f1_cross_validated": validation_cv},
            "ensemble": {"members": {"plain": "minilm", "pos-weight": "minilm"},
                         "baseline_weight": 0.4,
                         "threshold_0_5": {"validation": {"micro_f1": 0.68}}},
        },
    }  # fmt: skip
    for name, content in files.items():
        (root / "metrics" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "metrics" / name).write_text(json.dumps(content))
    return root


def test_records_become_one_row_per_variant_with_mean_and_spread(tmp_path):
    results = tmp_path / "results"
    for seeds, jaccard in (((42, 43), 0.57), ((43, 44), 0.59)):
        run = fake_run(tmp_path / f"run{seeds[0]}", seeds, (jaccard, 0.69, 0.52), 0.69)
        quality_runs.record(run, "default", default=True, wall_s=800.0, results=results)
    run = fake_run(tmp_path / "big", (42, 43), (0.60, 0.71, 0.51), 0.71)
    path = quality_runs.record(run, "mpnet", default=False, results=results)
    assert path == results / "mpnet" / "seed-42+43.json"
    recorded = json.loads(path.read_text())
    assert (recorded["test_tuned"]["jaccard"], recorded["rule"]) == (
        0.60,
        "per_label, min_labels=1",
    )
    assert (recorded["model"], recorded["baseline_weight"]) == ("minilm+minilm", 0.4)
    assert (recorded["best_epoch"], recorded["train_runtime_s"]) == ([6.0, 7.0], 600.0)
    assert recorded["label_aware"] == [True, False]

    rows = quality_runs.table(results).splitlines()
    assert len(rows) == 6  # header, rule, two variants, a blank line, the note
    default, mpnet = (row.split(" | ") for row in rows[2:4])
    assert rows[5].startswith("Train time: the members' trainings summed.")
    assert default[:5] == [
        "| default", "minilm+minilm", "42+43, 43+44", "0.6900 ± 0.0000", "0.5800 ± 0.0141"
    ]  # fmt: skip
    assert default[-4:-1] == ["600", "800", "yes"]
    assert mpnet[:5] == ["| mpnet", "minilm+minilm", "42+43", "0.7100", "0.6000"]
    assert mpnet[-4:-1] == ["600", "", "no"]


def test_runs_on_another_cpu_make_their_own_row_and_never_overwrite_one(tmp_path, monkeypatch):
    results = tmp_path / "results"
    for cpu, seeds, jaccard in (("Xeon", (42, 43), 0.57), ("Xeon", (43, 44), 0.59),
                                ("EPYC", (44, 42), 0.61)):  # fmt: skip
        monkeypatch.setattr(quality_runs, "cpu_name", lambda cpu=cpu: cpu)
        run = fake_run(tmp_path / f"{cpu}{seeds[0]}", seeds, (jaccard, 0.69, 0.52), 0.69)
        quality_runs.record(run, "default", default=True, results=results)
    rows = [row.split(" | ") for row in quality_runs.table(results).splitlines()[2:4]]
    assert [(row[2], row[4], row[-1]) for row in rows] == [
        ("42+43, 43+44", "0.5800 ± 0.0141", "Xeon |"),
        ("44+42", "0.6100", "EPYC |"),
    ]
    monkeypatch.setattr(quality_runs, "cpu_name", lambda: "AMD EPYC (family 25, model 17)")
    beside = quality_runs.record(tmp_path / "Xeon42", "default", default=True, results=results)
    assert beside == results / "default" / "seed-42+43-amd-epyc-family-25-model-17.json"
    assert json.loads((results / "default" / "seed-42+43.json").read_text())["cpu"] == "Xeon"
