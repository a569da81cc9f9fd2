"""make relock re-hashes only what no stage produces: code, params and source data."""

import json
import subprocess
import sys
from pathlib import PurePosixPath

import pytest
import yaml

from conftest import REPO_ROOT
from mltc.pipeline.relock import added_keys, keeps_behaviour, produced
from pipeline_projects import dvc, run

OUTPUTS = [PurePosixPath("data/raw"), PurePosixPath("models/members/plain")]


def test_an_output_what_lies_in_one_and_what_holds_one_are_produced():
    assert produced("data/raw", OUTPUTS)
    assert produced("data/raw/labels.json", OUTPUTS)
    assert produced("models/members", OUTPUTS)


def test_code_params_and_source_data_are_not_produced():
    for path in ("src/mltc/core", "stages/train.py", "params.yaml", "data/semeval2018-task1"):
        assert not produced(path, OUTPUTS), path
    assert not produced("data/rawer", OUTPUTS)  # a sibling with a common prefix


@pytest.mark.slow
def test_a_code_change_is_recorded_and_a_param_change_refused(project_copy):
    """In a reproduced project: a comment added to a layer is recorded, every output kept, and
    dvc status is clean again; a changed param is refused with one line, the lock untouched."""
    locked = yaml.safe_load((project_copy / "dvc.lock").read_text())["stages"]
    module = project_copy / "src" / "mltc" / "core" / "paths.py"
    module.write_text(module.read_text(encoding="utf-8") + "# a comment\n", encoding="utf-8")
    assert json.loads(dvc("status", "--json", cwd=project_copy))  # every stage: changed code
    pipeline = project_copy / "dvc.yaml"
    original = pipeline.read_text(encoding="utf-8")
    pipeline.write_text(original.replace("stages:\n", "stages:\n  added:\n    cmd: echo\n    "
                                         "deps: [params.yaml]\n", 1))  # fmt: skip
    printed = run([sys.executable, "-m", "mltc.pipeline.relock"], project_copy).stdout
    assert "added: not in dvc.lock yet: run dvc repro added" in printed
    pipeline.write_text(original)
    assert json.loads(dvc("status", "--json", cwd=project_copy)) == {}
    relocked = yaml.safe_load((project_copy / "dvc.lock").read_text())["stages"]
    for name, entry in locked.items():
        assert relocked[name]["outs"] == entry["outs"]
        assert relocked[name].get("params") == entry.get("params")

    params = project_copy / "params.yaml"
    params.write_text(params.read_text().replace("grid_step: 0.05", "grid_step: 0.1"))
    before = (project_copy / "dvc.lock").read_bytes()
    refused = subprocess.run(
        [sys.executable, "-m", "mltc.pipeline.relock"], cwd=project_copy,
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines()[-1] == (
        "error: tune_thresholds: params.yaml differs from dvc.lock, and it is not code: the "
        "outputs may move, so run dvc repro (relock records code only; --params-added "
        "records new params only)"
    )
    assert (project_copy / "dvc.lock").read_bytes() == before

    # a new key beside the old values is recorded with --params-added, a changed one still not
    params.write_text(params.read_text().replace("grid_step: 0.1", "grid_step: 0.05\n  added: 1"))
    printed = run([sys.executable, "-m", "mltc.pipeline.relock", "--params-added"],
                  project_copy).stdout  # fmt: skip
    assert "tune_thresholds: params added: tune_thresholds.added=1" in printed
    assert json.loads(dvc("status", "--json", cwd=project_copy)) == {}
    params.write_text(params.read_text().replace("  long_texts: truncate", "  long_texts: windows"))
    refused = subprocess.run(
        [sys.executable, "-m", "mltc.pipeline.relock", "--params-added"], cwd=project_copy,
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert refused.returncode == 2
    assert "differs from dvc.lock" in refused.stderr


def test_only_keys_added_beside_unchanged_values_count_as_added():
    before = {"train": {"seed": 42}, "model": "minilm"}
    assert added_keys(before, before) == []
    assert added_keys(before, {"train": {"seed": 42, "loss": "bce"}, "model": "minilm",
                               "preprocess.windows": {"overlap": 32}}) == [
        (("train", "loss"), "bce"), (("preprocess", "windows"), {"overlap": 32})
    ]  # fmt: skip
    assert added_keys(before, {"train": {"seed": 43, "loss": "bce"}, "model": "minilm"}) is None
    assert added_keys(before, {"train": {"seed": 42}}) is None  # a key removed


def test_a_new_param_keeps_behaviour_only_at_the_value_the_code_assumed_without_it():
    params = yaml.safe_load((REPO_ROOT / "params.yaml").read_text(encoding="utf-8"))
    params["data"]["path"] = str(REPO_ROOT / params["data"]["path"])
    added = [(("train", "loss"), "bce"), (("preprocess", "long_texts"), "truncate"),
             (("preprocess", "windows"), params["preprocess"]["windows"])]  # fmt: skip
    assert keeps_behaviour(params, added)
    params["train"]["loss"] = "asymmetric"
    assert not keeps_behaviour(params, added)
    params["train"]["loss"] = "bce"
    params["preprocess"]["long_texts"] = "windows"
    assert not keeps_behaviour(params, added)
