"""Record in dvc.lock the code that every stage depends on now, keeping the recorded hash of
every output: `make relock`, for a change that moves no output (a refactor, a renamed module, a
comment). A changed param or input file moves outputs: it is refused (run dvc repro). Needs no outputs in the
workspace, so it works in a fresh clone; prove first that the change moves no output
(docs/architecture.md, "Refreshing the lock")."""

from pathlib import PurePosixPath

from dvc.repo import Repo
from dvc.utils.serialize import load_yaml, modify_yaml

from mltc.core.errors import PipelineError, run_stage

LOCK_FILE = "dvc.lock"
CODE = ("src/", "stages/")  # what relock records; everything else must be as locked


def produced(path: str, outputs: list[PurePosixPath]) -> bool:
    """Whether a dependency is (inside, or holds) another stage's output."""
    dependency = PurePosixPath(path)
    return any(
        dependency == out or out in dependency.parents or dependency in out.parents
        for out in outputs
    )


def relock() -> list[str]:
    """Update dvc.lock's hashes of each stage's code from the workspace, and drop lock entries of
    stages that dvc.yaml no longer has; fail, before writing anything, where a param or an input
    that no stage produces differs from the lock. A stage that the lock does not hold yet (a new
    one) has nothing to record: it is named, for dvc repro. Returns what changed."""
    changed = []
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
                if dep.hash_info != before and not str(dep).startswith(CODE):
                    raise PipelineError(
                        f"{stage.addressing}: {dep} differs from {LOCK_FILE}, and it is not code: "
                        "the outputs may move, so run dvc repro (relock records code only)"
                    )
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
    for line in relock() or ["dvc.lock is current: nothing to record"]:
        print(line)


if __name__ == "__main__":
    run_stage(main)
