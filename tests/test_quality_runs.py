"""benchmarks/quality_runs.py: a run's metrics recorded as they are, and the variants table made
from the records (mean and sample standard deviation over seeds)."""

import json
import sys

import yaml

from conftest import PARAMS, REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
import quality_runs


def fake_run(root, seed: int, test: tuple[float, float, float], validation_cv: float):
    (root / "metrics").mkdir(parents=True)
    params = {**PARAMS, "train": {**PARAMS["train"], "seed": seed}}
    (root / "params.yaml").write_text(yaml.safe_dump(params))
    scores = dict(zip(quality_runs.KEYS, test, strict=True))
    files = {
        "train.json": {"model": "minilm", "epochs": 8, "best_epoch": 6.0, "train_runtime_s": 300.0},
        "evaluate.json": {"validation": {"micro_f1": 0.68}},
        "tune_thresholds.json": {
            "test": scores,
            "tuning": {"strategy": "per_label", "min_labels": 1,
                       "validation_micro_f1_cross_validated": validation_cv},
        },
    }  # fmt: skip
    for name, content in files.items():
        (root / "metrics" / name).write_text(json.dumps(content))
    return root


def test_records_become_one_row_per_variant_with_mean_and_spread(tmp_path):
    results = tmp_path / "results"
    for seed, jaccard in ((42, 0.57), (43, 0.59)):
        run = fake_run(tmp_path / f"run{seed}", seed, (jaccard, 0.69, 0.52), 0.69)
        quality_runs.record(run, "default", default=True, results=results)
    run = fake_run(tmp_path / "big", 42, (0.60, 0.71, 0.51), 0.71)
    path = quality_runs.record(run, "mpnet", default=False, results=results)
    assert path == results / "mpnet" / "seed-42.json"
    recorded = json.loads(path.read_text())
    assert (recorded["test_tuned"]["jaccard"], recorded["rule"]) == (
        0.60,
        "per_label, min_labels=1",
    )

    rows = quality_runs.table(results).splitlines()
    assert len(rows) == 4  # header, rule, two variants
    default, mpnet = (row.split(" | ") for row in rows[2:])
    assert default[:5] == ["| default", "minilm", "42, 43", "0.6900 ± 0.0000", "0.5800 ± 0.0141"]
    assert default[-2] == "yes"
    assert mpnet[:5] == ["| mpnet", "minilm", "42", "0.7100", "0.6000"]
    assert mpnet[-2] == "no"
