"""Data-parallel training through the stage itself: `dvc repro` launches torchrun from the
`distributed` params. Two CPU processes (gloo) and one process, same global batch, must train the
same model: the processes split each global batch, and their gradients are averaged."""

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from safetensors.numpy import load_file

from mltc.core import paths
from mltc.core.files import read_json
from pipeline_projects import MEMBER, PIPELINE_MEMBERS, TOLERANCE, commit_params, dvc, unrun

SUMMARY = paths.member_train_summary(MEMBER)
CURVES = paths.member_train_curves(MEMBER)
WEIGHTS = paths.member_weights(MEMBER) / "model.safetensors"

pytestmark = pytest.mark.slow
# Summation order is all that differs (one batch of 16 against two of 8 whose gradients are
# averaged): in fp32 the weights agree to about 1e-7, the losses to the printed digits.


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("localhost", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def one_process(reproduced_project) -> Path:
    return reproduced_project


@pytest.fixture(scope="module")
def two_processes(one_process, tmp_path_factory) -> Path:
    """The one-process run copied, `distributed.nproc_per_node: 2` committed, and its train stage
    (the only one whose params changed) run again by `dvc repro`."""
    root = tmp_path_factory.mktemp("two") / "project"
    shutil.copytree(one_process, root, symlinks=True)
    commit_params(root, lambda params: params["distributed"].update(nproc_per_node=2), "two")
    assert f"Running stage 'train@{MEMBER}'" in dvc("repro", f"train@{MEMBER}", cwd=root)
    return root


def output_paths(root: Path) -> dict[str, tuple[int, int] | None]:
    """Every path under the project's models/ and metrics/: a file's size and modification
    time, None for a folder."""
    return {
        path.relative_to(root).as_posix(): (
            None if path.is_dir() else (path.stat().st_size, path.stat().st_mtime_ns)
        )
        for folder in ("models", "metrics")
        for path in sorted((root / folder).rglob("*"))
    }


@pytest.fixture(scope="module")
def two_machines(
    one_process, tmp_path_factory
) -> tuple[Path, Path, dict[str, tuple[int, int] | None]]:
    """Two machines that share no files, one process each, played by two copies of the
    one-process run with the two machines' settings committed and its train stage of `plain` not
    run (`unrun`): node 0 runs `dvc repro`, node 1 the worker command of docs/distributed.md.
    Also node 1's output paths before the run."""
    endpoint = f"localhost:{free_port()}"
    settings = dict(nnodes=2, rdzv_backend="static", rdzv_endpoint=endpoint, save_on_each_node=True)
    nodes = [tmp_path_factory.mktemp(f"node{rank}") / "project" for rank in (0, 1)]
    shutil.copytree(one_process, nodes[0], symlinks=True)
    commit_params(nodes[0], lambda params: params["distributed"].update(**settings), "2 machines")
    unrun(nodes[0], f"train@{MEMBER}")
    shutil.copytree(nodes[0], nodes[1], symlinks=True)
    node1_paths_before = output_paths(nodes[1])
    worker_command = ["torchrun", "--nnodes=2", "--node_rank=1", "--nproc_per_node=1",
                      "--rdzv_backend=static", f"--rdzv_endpoint={endpoint}", "stages/train.py",
                      MEMBER]  # fmt: skip
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    worker = subprocess.Popen(
        worker_command, cwd=nodes[1], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    dvc("repro", f"train@{MEMBER}", cwd=nodes[0])
    output, _ = worker.communicate(timeout=300)
    assert worker.returncode == 0, output[-3000:]
    return nodes[0], nodes[1], node1_paths_before


def test_two_processes_write_one_model_and_state_the_global_batch(two_processes, one_process):
    summary = read_json(two_processes / SUMMARY)
    assert (summary["processes"], summary["per_process_batch_size"]) == (2, 8)
    assert summary["global_batch_size"] == 16
    assert not (two_processes / "models" / "checkpoints").exists()  # removed once published
    members = sorted(path.name for path in (two_processes / paths.MEMBERS).iterdir())
    assert members == sorted([".gitignore", *PIPELINE_MEMBERS])  # no staging copy left
    assert sorted(p.name for p in (two_processes / WEIGHTS.parent).iterdir()) == sorted(
        p.name for p in (one_process / WEIGHTS.parent).iterdir()
    )
    lock = yaml.safe_load((two_processes / "dvc.lock").read_text())["stages"][f"train@{MEMBER}"]
    assert "--nproc_per_node=2" in lock["cmd"]


def test_two_processes_train_as_one_with_the_same_global_batch(two_processes, one_process):
    train_loss = pd.read_csv(one_process / CURVES / "loss.csv").query("series == 'train'")
    assert len(train_loss) == 8  # every step of the tiny model's 2 epochs x 4 global batches
    for curve, value in (("loss.csv", "loss"), ("validation.csv", "value")):
        two = pd.read_csv(two_processes / CURVES / curve)
        one = pd.read_csv(one_process / CURVES / curve)
        assert two.drop(columns=value).equals(one.drop(columns=value))
        np.testing.assert_allclose(two[value], one[value], rtol=0, atol=TOLERANCE)
    weights = [load_file(root / WEIGHTS) for root in (two_processes, one_process)]
    for name, tensor in weights[1].items():
        np.testing.assert_allclose(weights[0][name], tensor, rtol=0, atol=TOLERANCE)
    summaries = [read_json(root / SUMMARY) for root in (two_processes, one_process)]
    assert summaries[0]["best_epoch"] == summaries[1]["best_epoch"]


def test_two_machines_train_as_one_and_only_node_0_writes(two_machines, one_process):
    node0, node1, node1_paths_before = two_machines
    assert read_json(node0 / SUMMARY)["processes"] == 2
    members = sorted(path.name for path in (node0 / paths.MEMBERS).iterdir())
    assert members == sorted([".gitignore", *PIPELINE_MEMBERS])  # no staging copy left
    # node 1 wrote nothing: no model, summary, curve or checkpoint left, no file rewritten
    assert output_paths(node1) == node1_paths_before
    assert not (node1 / SUMMARY).exists()
    for curve, value in (("loss.csv", "loss"), ("validation.csv", "value")):
        two = pd.read_csv(node0 / CURVES / curve)
        one = pd.read_csv(one_process / CURVES / curve)
        np.testing.assert_allclose(two[value], one[value], rtol=0, atol=TOLERANCE)


def test_a_train_command_that_disagrees_with_the_params_stops_before_training(
    one_process, tmp_path
):
    root = tmp_path / "project"
    shutil.copytree(one_process, root, symlinks=True)
    params = yaml.safe_load((root / "params.yaml").read_text())
    params["distributed"]["nproc_per_node"] = 2
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    weights = (root / WEIGHTS).read_bytes()
    plain = subprocess.run(
        [sys.executable, "stages/train.py", MEMBER], cwd=root, capture_output=True, text=True
    )
    assert plain.returncode == 2
    assert plain.stderr.strip().splitlines()[-1] == (
        "error: the train stage runs in 1 process(es) but distributed.nproc_per_node=2 x nnodes=1 "
        "ask for 2: launch it with dvc repro, or give torchrun the same numbers"
    )
    assert (root / WEIGHTS).read_bytes() == weights


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("nproc_per_node", 0, "error: distributed.nproc_per_node=0: expected a positive integer"),
        ("nproc_per_node", 3, "error: train.batch_size=16 is the global batch and must split "
                              "evenly over 3 processes"),
    ],
)  # fmt: skip
def test_bad_distributed_params_stop_with_one_line_before_torchrun(
    one_process, tmp_path, key, value, message
):
    root = tmp_path / "project"
    shutil.copytree(one_process, root, symlinks=True)
    params = yaml.safe_load((root / "params.yaml").read_text())
    params["distributed"][key] = value
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    repro = subprocess.run(
        [sys.executable, "-m", "dvc", "repro", f"train@{MEMBER}"], cwd=root, env=env,
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert repro.returncode != 0
    assert repro.stderr.count(message) == 1  # once, from the check: no process was started
    assert "Traceback" not in repro.stderr
