"""Quality runs kept as records, and the table of variants made from them, never typed by hand.

After a full run (`dvc repro`, or `dvc exp run -S ...` and `dvc exp apply`), record its metrics
under a variant name; `table` then writes one row per variant: the seeds (of each run's members,
joined by '+'), the mean and spread (sample standard deviation) of the validation and test
figures, the training and pipeline times and whether the variant is the default.

    python -m benchmarks.quality_runs record VARIANT [--project .] [--default] [--wall-s S]
    python -m benchmarks.quality_runs table          # -> benchmarks/results/quality/table.md

`--results DIR` keeps another dataset's runs apart (benchmarks/results/reuters: Reuters-21578).
"""

import argparse
import json
import re
import statistics
from pathlib import Path

import yaml

from benchmarks.large_data import cpu_name
from mltc.core.metrics import HEADLINE_METRICS
from mltc.modeling.members import member_params

RESULTS = Path(__file__).resolve().parent / "results" / "quality"
KEYS = HEADLINE_METRICS


def record(
    project: Path, variant: str, default: bool, wall_s: float | None = None, results: Path = RESULTS
) -> Path:
    """One run's figures as `results/<variant>/seed-<seeds>.json` (the members' seeds, joined
    by '+'); `wall_s`: the `dvc repro` wall time, measured by the caller."""
    metrics = project / "metrics"
    read = lambda path: json.loads(path.read_text(encoding="utf-8"))  # noqa: E731
    params = yaml.safe_load((project / "params.yaml").read_text(encoding="utf-8"))
    tuned = read(metrics / "tune_thresholds.json")
    members = list(tuned["ensemble"]["members"])
    trains = [read(metrics / "members" / name / "train.json") for name in members]
    seeds = [member_params(params, name)["train"]["seed"] for name in members]
    entry = {
        "variant": variant,
        "default": default,
        "seed": "+".join(map(str, seeds)),
        "members": {name: Path(str(train["model"])).name for name, train in zip(members, trains, strict=True)},
        "model": "+".join(Path(str(train["model"])).name for train in trains),
        "baseline_weight": tuned["ensemble"]["baseline_weight"],
        "label_aware": [train["label_aware"] for train in trains],
        "epochs": [train["epochs"] for train in trains],
        "best_epoch": [train["best_epoch"] for train in trains],
        "train_runtime_s": sum(train["train_runtime_s"] for train in trains),
        "repro_wall_s": wall_s,
        "cpu": cpu_name(),
        "validation_micro_f1_at_0_5": tuned["ensemble"]["threshold_0_5"]["validation"]["micro_f1"],
        "validation_micro_f1_cross_validated": tuned["tuning"][
            "validation_micro_f1_cross_validated"
        ],
        "rule": f"{tuned['tuning']['strategy']}, min_labels={tuned['tuning']['min_labels']}",
        "test_tuned": {key: tuned["test"][key] for key in KEYS},
    }  # fmt: skip
    path = results / variant / f"seed-{entry['seed']}.json"
    if path.is_file() and json.loads(path.read_text(encoding="utf-8"))["cpu"] != entry["cpu"]:
        # the same seeds on another machine: kept beside, named by this CPU
        machine = re.sub(r"[^a-z0-9]+", "-", entry["cpu"].lower()).strip("-")
        path = path.with_name(f"seed-{entry['seed']}-{machine}.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(entry, indent=2) + "\n", encoding="utf-8")
    return path


def mean_and_spread(values: list[float]) -> str:
    """The mean, and the sample standard deviation where there are several values."""
    mean = statistics.fmean(values)
    if len(values) == 1:
        return f"{mean:.4f}"
    return f"{mean:.4f} ± {statistics.stdev(values):.4f}"


def _mean_if_all(values: list[float | None]) -> str:
    """The mean, where every run measured it; else blank (older records did not)."""
    return "" if None in values else f"{statistics.fmean(values):.0f}"


def table(results: Path = RESULTS) -> str:
    """Markdown, one row per variant and CPU (scores and times are compared within one machine
    only), the default first, then by mean validation figure."""
    runs: dict[tuple[str, str], list[dict]] = {}
    for path in sorted(results.glob("*/seed-*.json")):
        entry = json.loads(path.read_text(encoding="utf-8"))
        runs.setdefault((entry["variant"], entry["cpu"]), []).append(entry)
    order = sorted(
        runs,
        key=lambda v: (not runs[v][0]["default"], -statistics.fmean(
            e["validation_micro_f1_cross_validated"] for e in runs[v]
        )),
    )  # fmt: skip
    lines = [
        "| variant | model | seeds | validation micro-F1 (5-fold CV of the rule) "
        "| test Jaccard | test micro-F1 | test macro-F1 | train time (s) | `dvc repro` (s) "
        "| default | CPU |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for variant in order:
        entries = runs[variant]
        test = [mean_and_spread([e["test_tuned"][key] for e in entries]) for key in KEYS]
        cells = [
            variant[0],
            ", ".join(sorted({str(e["model"]) for e in entries})),
            ", ".join(str(e["seed"]) for e in entries),
            mean_and_spread([e["validation_micro_f1_cross_validated"] for e in entries]),
            *test,
            f"{statistics.fmean(e['train_runtime_s'] for e in entries):.0f}",
            _mean_if_all([e.get("repro_wall_s") for e in entries]),
            "yes" if entries[0]["default"] else "no",
            variant[1],
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "Train time: the members' trainings summed. `dvc repro`: the run's wall time, stages the DVC "
        "cache already held not included (docs/ensembles.md says what each run had cached).",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("record", help="record the metrics of the run in --project")
    add.add_argument("variant")
    add.add_argument("--project", type=Path, default=Path("."))
    add.add_argument("--default", action="store_true", help="the run used the default params")
    add.add_argument("--wall-s", type=float, help="the dvc repro wall time, in seconds")
    write = commands.add_parser("table", help="write table.md beside the records")
    for command in (add, write):
        command.add_argument("--results", type=Path, default=RESULTS, help="the records' folder")
    args = parser.parse_args()
    if args.command == "record":
        print(record(args.project, args.variant, args.default, args.wall_s, args.results))
    else:
        written = table(args.results)
        (args.results / "table.md").write_text(written, encoding="utf-8")
        print(written)


if __name__ == "__main__":
    main()
