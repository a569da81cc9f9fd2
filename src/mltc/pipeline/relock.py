"""Record in dvc.lock the code that every stage depends on now, keeping the recorded hash of
every output: `make relock`, for a change that moves no output (a refactor, a renamed module, a
comment). A changed param or input file moves outputs: it is refused (run dvc repro). Needs no outputs in the
workspace, so it works in a fresh clone; prove first that the change moves no output
(docs/architecture.md, "Refreshing the lock"). `--params-added` also records new params whose
values keep today's behaviour: every layer's config reads the same with and without them (`make relock RELOCK_ARGS=--params-added`)."""

import argparse
import copy
from pathlib import Path, PurePosixPath
from typing import Any

import yaml
from dvc.dependency import ParamsDependency
from dvc.repo import Repo
from dvc.utils.serialize import load_yaml, modify_yaml

from mltc.audit.config import AuditConfig
from mltc.core.errors import PipelineError, run_stage
from mltc.decision.config import TuningConfig
from mltc.ensemble.config import EnsembleConfig
from mltc.export.config import ExportConfig
from mltc.ingest.config import DataConfig
from mltc.modeling.baseline.config import BaselineConfig
from mltc.modeling.config import DistributedConfig, EvaluateConfig, PreprocessConfig
from mltc.modeling.members import member_training

LOCK_FILE = "dvc.lock"
PARAMS_FILE = "params.yaml"
CODE = ("src/", "stages/")  # what relock records; everything else must be as locked


def produced(path: str, outputs: list[PurePosixPath]) -> bool:
    """Whether a dependency is (inside, or holds) another stage's output."""
    dependency = PurePosixPath(path)
    return any(
        dependency == out or out in dependency.parents or dependency in out.parents
        for out in outputs
    )


def added_keys(before: Any, after: Any, prefix: tuple[str, ...] = ()) -> list[tuple] | None:
    """The params `after` adds to `before`, each as (its path, its value), or None where it
    changes or removes one."""
    if not isinstance(before, dict) or not isinstance(after, dict):
        return [] if before == after else None
    added = []
    for key, value in before.items():
        if key not in after:
            return None
        inner = added_keys(value, after[key], (*prefix, *str(key).split(".")))
        if inner is None:
            return None
        added += inner
    added += [((*prefix, *str(key).split(".")), after[key]) for key in after if key not in before]
    return added


def layer_configs(params: dict) -> list:
    """Every layer's config as the stages read it from `params` (each member's train config
    included): what a param can change."""
    configs = [config.from_params(params) for config in (
        DataConfig, PreprocessConfig, DistributedConfig, EvaluateConfig, EnsembleConfig,
        TuningConfig, BaselineConfig, AuditConfig, ExportConfig,
    )]  # fmt: skip
    for member in configs[4].members:
        configs.append(member_training(params, member)[2])
    return configs


def keeps_behaviour(params: dict, added: list[tuple]) -> bool:
    """Whether the params read the same without the `added` ones: each layer's config equal, so
    each new param holds the value the code assumed while it was absent."""
    before = copy.deepcopy(params)
    for path, _ in added:
        section = before
        for key in path[:-1]:
            section = section[key]
        del section[path[-1]]
    return layer_configs(before) == layer_configs(params)


def relock(params_added: bool = False) -> list[str]:
    """Update dvc.lock's hashes of each stage's code from the workspace, and drop lock entries of
    stages that dvc.yaml no longer has; fail, before writing anything, where a param or an input
    that no stage produces differs from the lock. With `params_added`, params that only add keys
    to the locked ones (a new param at the value that keeps today's behaviour) are recorded too.
    A stage that the lock does not hold yet (a new one) has nothing to record: it is named, for
    dvc repro. Returns what changed."""
    changed = []
    params = yaml.safe_load(Path(PARAMS_FILE).read_text(encoding="utf-8"))
    with Repo() as repo, repo.lock:
        stages = list(repo.index.stages)
        outputs = [PurePosixPath(str(out)) for stage in stages for out in stage.outs]
        locked_stages = set(load_yaml(LOCK_FILE)["stages"])
        updated = []
        for stage in stages:
            if stage.addressing not in locked_stages:
                changed.append(f"{stage.addressing}: not in {LOCK_FILE} yet: run dvc repro "
                               f"{stage.addressing}")  # fmt: skip
                continue
            own = [dep for dep in stage.deps if not produced(str(dep), outputs)]
            locked = [dep.hash_info for dep in own]
            for dep, before in zip(own, locked, strict=True):
                dep.save()
                if dep.hash_info == before or str(dep).startswith(CODE):
                    continue
                added = None
                if params_added and isinstance(dep, ParamsDependency):
                    added = added_keys(before.value or {}, dep.hash_info.value)
                if added is None:
                    raise PipelineError(
                        f"{stage.addressing}: {dep} differs from {LOCK_FILE}, and it is not code: "
                        "the outputs may move, so run dvc repro (relock records code only"
                        + (")" if params_added else "; --params-added records new params only)")
                    )
                names = ", ".join(f"{'.'.join(path)}={value!r}" for path, value in added)
                if not keeps_behaviour(params, added):
                    raise PipelineError(
                        f"{stage.addressing}: new params {names} change what the stages read "
                        "(not the value the code assumed without them): run dvc repro"
                    )
                changed.append(f"{stage.addressing}: params added: {names}")
            if [dep.hash_info for dep in own] != locked:
                updated.append(stage)
        for stage in updated:
            stage.md5 = stage.compute_md5()
            stage.dump(update_pipeline=False)
            changed.append(f"{stage.addressing}: code dependencies recorded")
        names = {stage.addressing for stage in stages}
        with modify_yaml(LOCK_FILE) as lock:
            for stale in [name for name in lock["stages"] if name not in names]:
                del lock["stages"][stale]
                changed.append(f"{stale}: no such stage, removed from {LOCK_FILE}")
    return changed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--params-added", action="store_true",
        help="also record params that only add keys (shown first to move no output)",
    )  # fmt: skip
    arguments = parser.parse_args()
    for line in relock(arguments.params_added) or ["dvc.lock is current: nothing to record"]:
        print(line)


if __name__ == "__main__":
    run_stage(main)
