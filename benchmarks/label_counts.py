"""Every stage of the default pipeline (tiny model) on synthetic data with 11, 200 and 1000
labels: the time and peak memory of each stage as `dvc repro <stage>` runs it, in a scratch copy
of the project. The data are large_data's (random words, 0 to 3 labels a text, Zipf-distributed
label frequencies); the pipeline is params.yaml's except `model: tiny` (the tiny BERT the tests
use: a stage's cost, not a model's quality) and the data params that read the CSV files.

    python -m benchmarks.label_counts [--labels 11 200 1000] [--texts 4000] [--out FILE.md]
                                      [--set audit.model=none baseline.c_grid=[4.0] ...]

`--set` changes params.yaml the way `dvc exp run -S` does (a dotted key, a YAML value).
"""

import argparse
import os
import platform
import shutil
import sys
import tempfile
from pathlib import Path

import networkx
import yaml
from dvc.repo import Repo

from benchmarks.large_data import ROOT, cpu_name, measured, scratch_project


def with_setting(params: dict, setting: str) -> None:
    """`params` with one `dotted.key=yaml value` applied; an unknown key is an error."""
    key, _, value = setting.partition("=")
    *sections, name = key.split(".")
    section = params
    for part in sections:
        section = section.get(part) if isinstance(section, dict) else None
    if not isinstance(section, dict) or name not in section or not value:
        raise SystemExit(f"--set {setting}: expected KEY=VALUE with a key of params.yaml")
    section[name] = yaml.safe_load(value)


def pipeline_project(work: Path, texts: int, labels: int, settings: list[str]) -> Path:
    """large_data's scratch project with the package's code (the stages' DVC dependencies), the
    tiny model and `settings` (KEY=VALUE) applied to its params."""
    project = scratch_project(work, texts, labels, num_proc=1)
    shutil.copytree(ROOT / "src", project / "src", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "data" / "corrections", project / "data" / "corrections")
    params_file = project / "params.yaml"
    params = yaml.safe_load(params_file.read_text(encoding="utf-8"))
    params["model"] = "tiny"
    params["train"]["epochs"] = None  # the tiny model's own (2)
    for setting in settings:
        with_setting(params, setting)
    params_file.write_text(yaml.safe_dump(params, sort_keys=False), encoding="utf-8")
    return project


def stages(project: Path) -> list[str]:
    """The pipeline's stages (members expanded), each after every stage whose outputs it reads,
    as DVC's own graph orders them (ties in name order)."""
    with Repo(str(project)) as repo:
        graph = repo.index.graph  # an edge runs from a stage to one it depends on
        order = networkx.lexicographical_topological_sort(
            graph.reverse(), key=lambda stage: stage.name
        )
        return [stage.name for stage in order]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=int, nargs="+", default=[11, 200, 1000])
    parser.add_argument("--texts", type=int, default=4000, help="texts in all (80/10/10)")
    parser.add_argument("--out", type=Path, help="also write the table here")
    parser.add_argument("--set", nargs="+", default=[], metavar="KEY=VALUE",
                        help="params changed for every run, as dvc exp run -S")  # fmt: skip
    args = parser.parse_args()
    changed = f" with {', '.join(args.set)}" if args.set else ""
    lines = [
        f"{cpu_name()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
        f"{args.texts} texts (80/10/10), model tiny, params.yaml's pipeline otherwise{changed}",
        "",
        "| labels | stage | wall (s) | peak resident (MiB) | peak anonymous (MiB) |",
        "| ---: | --- | ---: | ---: | ---: |",
    ]
    print("\n".join(lines), flush=True)
    env_path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    os.environ["PATH"] = env_path  # the stage commands' `python` is this one
    with tempfile.TemporaryDirectory(prefix="mltc-labels-") as work:
        for labels in args.labels:
            (Path(work) / str(labels)).mkdir()
            project = pipeline_project(Path(work) / str(labels), args.texts, labels, args.set)
            os.environ["PYTHONPATH"] = str(project / "src")  # the copied code, not the checkout's
            total = 0.0
            for stage in stages(project):
                command = [sys.executable, "-m", "dvc", "repro", "--single-item", stage]
                seconds, resident, anonymous = measured(command, project)
                total += seconds
                lines.append(f"| {labels} | {stage} | {seconds:.1f} | {resident:.0f} | "
                             f"{anonymous:.0f} |")  # fmt: skip
                print(lines[-1], flush=True)
            lines.append(f"| {labels} | **all** | {total:.1f} | | |")
            print(lines[-1], flush=True)
            shutil.rmtree(project)
    if args.out:
        args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
