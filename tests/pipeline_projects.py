"""Copies of the project for the tests that run the real `dvc repro` (tiny model, a slice of
the data), and the commands they run in them."""

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]

MEMBER = "plain"  # the member that the resumed and distributed runs train and killed writes read
# `plain` leaves nothing to chance but the process count: fp32, no dropout, random batches (length
# grouping would group by the per-process batch), 64 texts = 4 global batches of 16 an epoch (no
# short last batch), the loss logged every step; a resumed, a distributed and a killed run of it
# are compared with the session's reproduced project
COMPARABLE = {
    "batch_size": 16, "sampling_strategy": "random", "dropout": 0.0, "precision": "fp32",
    "logging_steps": 1,
}  # fmt: skip
# the reproduced project's ensemble: `plain` reads the texts alone, `pos-weight` is label-aware
# as params.yaml's members are; one member normalises tweets and the other does not, as in
# params.yaml (there it is `plain`: here `plain` stays the reference of `COMPARABLE` runs)
PIPELINE_MEMBERS = {
    "plain": {"label_aware": False, **COMPARABLE},
    "pos-weight": {"seed": 43, "pos_weight_power": 0.5, "preprocess": {"normalise": "tweets"}},
}
TEXTS_PER_SPLIT = 64  # texts a split


# the params a user sets for each example, as in the README's "Train on your own data"
OWN_DATA_PARAMS = {
    "columns": {
        "source": "files", "path": "examples/tickets-columns/tickets.csv",
        "columns": {"id": "id", "text": "text"},
    },
    "list": {
        "source": "files", "path": "examples/tickets-list/tickets.jsonl",
        "files": {"split_column": "split"},
        "columns": {"id": "ticket", "text": "body"}, "labels": {"column": "tags"},
    },
    "delimited_ids": {
        "source": "files", "path": "examples/tickets-ids",
        "files": {"train": "train.tsv", "test": "test.tsv", "header": False},
        "columns": {"id": 0, "text": 1},
        "labels": {"column": 2, "delimiter": ",", "names_file": "examples/tickets-ids/label_names.txt"},
    },
}  # fmt: skip


def run(args: list[str], cwd: Path, environment: dict | None = None) -> subprocess.CompletedProcess:
    """`args` run in `cwd` with this environment (or `environment`), this venv's commands first on
    the PATH; a failure shows the end of its output."""
    environment = os.environ if environment is None else environment
    env = {**environment, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{environment['PATH']}"}
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, (
        f"{args} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )
    return result


def dvc(*args: str, cwd: Path) -> str:
    return run([sys.executable, "-m", "dvc", *args], cwd).stdout


def call_main(main: Callable[[], object], argv: list[str], cwd: Path) -> str:
    """What a command prints on stdout, run as `argv` in `cwd` by calling its `main` in this
    process, where torch and transformers are already imported (a new process spends about 10 s
    importing them on 2 cores). Only for commands that change nothing process-wide."""
    import contextlib
    import io

    import pytest

    printed = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(printed):
        patch.chdir(cwd)
        patch.setattr(sys, "argv", argv)
        main()
    return printed.getvalue()


def predict(args: list[str], cwd: Path) -> str:
    """What the `predict` command prints, given `args` in `cwd`, its console script's `main`
    called in this process (`call_main`); the console script itself is run by
    tests/test_pipeline.py::test_predict_command_uses_the_shipped_model."""
    from mltc.serving import cli

    return call_main(cli.main, ["predict", *args], cwd)


def copy_project(root: Path, members: dict | None = None, **data_changes) -> Path:
    """The repo's tracked and new files (no metrics, no lock) in `root`, with the tiny model,
    `members` as the ensemble (default: params.yaml's) and `data_changes` merged into params.yaml's
    data section, committed as a git repo."""
    listed = run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"], REPO_ROOT
    ).stdout
    for name in listed.splitlines():
        source = REPO_ROOT / name
        if source.is_file() and not name.startswith(("metrics/", "dvc.lock")):
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, root / name)
    params = yaml.safe_load((root / "params.yaml").read_text())
    params["model"] = "tiny"
    params["train"]["epochs"] = None  # the tiny model's own (2)
    if members is not None:
        params["ensemble"]["members"] = members
    for key, value in data_changes.items():
        merged = {**params["data"][key], **value} if isinstance(value, dict) else value
        params["data"][key] = merged
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    run(["git", "init", "-q", "-b", "main"], root)
    commit_all(root, "tiny")
    return root


def commit_all(root: Path, message: str) -> None:
    """Every change in the project in `root` that git does not ignore (DVC's outputs, listed in
    the .gitignore files DVC writes, stay out), committed."""
    run(["git", "add", "-A"], root)
    run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", message], root)


def commit_params(root: Path, change, message: str) -> None:
    """params.yaml of the project in `root` changed by `change(params)` (in place), and committed
    with whatever else changed there (commit_all): dvc.lock after a run, for example."""
    params = yaml.safe_load((root / "params.yaml").read_text(encoding="utf-8"))
    change(params)
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False), encoding="utf-8")
    commit_all(root, message)


def reproduce_in_process(root: Path) -> None:
    """What `dvc repro` runs up to the shipped classifier and its export (download, each member's
    preprocess, train and evaluate, baseline, audit, tune_thresholds, export) in the project in
    `root`, each stage's logic called in this process with the params dvc.yaml declares for it,
    as its script does: no process start, no DVC bookkeeping."""
    import dvc.api
    import pytest

    from mltc.pipeline import (
        audit,
        baseline,
        download,
        evaluate,
        export,
        preprocess,
        train,
        tune_thresholds,
    )

    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)

        def declared(stage: str) -> dict:  # what dvc.yaml declares for the stage, as dvc gives it
            return dvc.api.params_show(stages=stage)

        download.run(declared("download"))
        for member in declared("tune_thresholds")["ensemble"]["members"]:
            for name, stage in (("preprocess", preprocess), ("train", train),
                                ("evaluate", evaluate)):  # fmt: skip
                stage.run(declared(f"{name}@{member}"), member)
        baseline.run(declared("baseline"))
        audit.run(declared("audit"))
        tune_thresholds.run(declared("tune_thresholds"))
        export.run(declared("export"))


def tiny_project(root: Path) -> Path:
    """The default pipeline on 64 texts a split, 3 epochs of the tiny model, one member."""
    copy_project(root, members={"plain": {}}, max_rows=TEXTS_PER_SPLIT)
    commit_params(root, lambda params: params["train"].update(epochs=3), "3 epochs")
    return root


def unrun(root: Path, stage: str) -> Path:
    """The project in `root` as a machine that has not run `stage` sees it: the stage's entry in
    dvc.lock and the outputs it records removed, and DVC's run cache (either would restore them
    from the DVC cache instead of running the stage)."""
    lock_file = root / "dvc.lock"
    lock = yaml.safe_load(lock_file.read_text(encoding="utf-8"))
    for out in lock["stages"].pop(stage)["outs"]:
        path = root / out["path"]
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
    lock_file.write_text(yaml.safe_dump(lock, sort_keys=False), encoding="utf-8")
    shutil.rmtree(root / ".dvc" / "cache" / "runs", ignore_errors=True)
    return root


def pipeline_project(
    root: Path, processes: int = 1, target: str | None = f"train@{MEMBER}"
) -> Path:
    """The tests' pipeline in `root`: the repo's params with the tiny model, `PIPELINE_MEMBERS`
    on `TEXTS_PER_SPLIT` texts a split, `processes` per machine; reproduced up to `target` (None:
    the whole pipeline)."""
    copy_project(root, members=PIPELINE_MEMBERS, max_rows=TEXTS_PER_SPLIT)
    if processes != 1:
        commit_params(
            root, lambda params: params["distributed"].update(nproc_per_node=processes), "processes"
        )
    dvc("repro", *([target] if target else []), cwd=root)
    return root


# processes change the order of float sums: one process and two agree to this
TOLERANCE = 1e-5


if __name__ == "__main__":  # the session's reproduced project, in a process of its own (conftest)
    pipeline_project(Path(sys.argv[1]), target=None)
