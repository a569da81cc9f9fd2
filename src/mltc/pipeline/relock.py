"""Record in dvc.lock the code and params that every stage depends on now, keeping the recorded
hash of every output and of every dependency that another stage produces: `make relock`, for a
change that moves no output (a refactor, a renamed module, a comment). Needs no outputs in the
workspace, so it works in a fresh clone; prove first that the change moves no output
(docs/architecture.md, "Refreshing the lock")."""

from pathlib import PurePosixPath

from dvc.repo import Repo
from dvc.utils.serialize import modify_yaml

LOCK_FILE = "dvc.lock"


def produced(path: str, outputs: list[PurePosixPath]) -> bool:
    """Whether a dependency is (inside, or holds) another stage's output."""
    dependency = PurePosixPath(path)
    return any(
        dependency == out or out in dependency.parents or dependency in out.parents
        for out in outputs
    )


def relock() -> list[str]:
    """Update dvc.lock's hashes of each stage's code, params and source data from the workspace,
    and drop lock entries of stages that dvc.yaml no longer has. Returns what changed."""
    changed = []
    with Repo() as repo, repo.lock:
        stages = list(repo.index.stages)
        outputs = [PurePosixPath(str(out)) for stage in stages for out in stage.outs]
        for stage in stages:
            own = [dep for dep in stage.deps if not produced(str(dep), outputs)]
            locked = [dep.hash_info for dep in own]
            for dep in own:
                dep.save()
            if [dep.hash_info for dep in own] != locked:
                stage.md5 = stage.compute_md5()
                stage.dump(update_pipeline=False)
                changed.append(f"{stage.addressing}: dependencies recorded")
        names = {stage.addressing for stage in stages}
        with modify_yaml(LOCK_FILE) as lock:
            for stale in [name for name in lock["stages"] if name not in names]:
                del lock["stages"][stale]
                changed.append(f"{stale}: no such stage, removed from {LOCK_FILE}")
    return changed


if __name__ == "__main__":
    for line in relock():
        print(line)
