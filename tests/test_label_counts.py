"""benchmarks/label_counts.py: the stages run one at a time in an order DVC can run them, and the
params it is given are applied."""

from pathlib import Path

import pytest
import yaml
from dvc.repo import Repo

from benchmarks.label_counts import stages, with_setting


def test_stages_follow_what_they_read_not_the_order_dvc_yaml_lists_them(tmp_path: Path) -> None:
    Repo.init(str(tmp_path), no_scm=True).close()
    listed_last_runs_first = {
        "stages": {
            "report": {"cmd": "cat b.txt > report.txt", "deps": ["b.txt"], "outs": ["report.txt"]},
            "member": {
                "foreach": ["x", "y"],
                "do": {"cmd": "echo ${item} > b.txt", "deps": ["a.txt"], "outs": ["${item}.txt"]},
            },
            "make_b": {"cmd": "cat a.txt > b.txt", "deps": ["a.txt"], "outs": ["b.txt"]},
            "make_a": {"cmd": "echo a > a.txt", "outs": ["a.txt"]},
        }
    }
    (tmp_path / "dvc.yaml").write_text(yaml.safe_dump(listed_last_runs_first), encoding="utf-8")
    assert stages(tmp_path) == ["make_a", "make_b", "member@x", "member@y", "report"]


def test_a_setting_changes_one_nested_param_to_its_yaml_value() -> None:
    params = {"audit": {"model": "baseline", "folds": 5}, "baseline": {"c_grid": [1.0, 2.0]}}
    with_setting(params, "audit.model=none")
    with_setting(params, "baseline.c_grid=[4.0]")
    assert params == {"audit": {"model": "none", "folds": 5}, "baseline": {"c_grid": [4.0]}}


@pytest.mark.parametrize("setting", ["audit.modle=none", "audit.model", "nowhere.model=none"])
def test_a_setting_outside_params_stops_the_benchmark(setting: str) -> None:
    with pytest.raises(SystemExit) as stopped:
        with_setting({"audit": {"model": "baseline"}}, setting)
    assert str(stopped.value) == f"--set {setting}: expected KEY=VALUE with a key of params.yaml"
