"""Single-member training runs kept as records, and their validation curves side by side, never
typed by hand: for questions one member's training answers (does it learn at all, and how fast),
where a full `dvc repro` would cost hours on a CPU.

After `dvc repro train@MEMBER` (optionally `evaluate@MEMBER`) in a project, record the member's
`train.json`, its validation curve, its params and, where evaluate ran after it, its test scores
at 0.5; `table` writes one row per record and epoch.

    python -m benchmarks.member_runs record NAME --project P [--member plain] --results DIR
    python -m benchmarks.member_runs table --results DIR          # -> DIR/table.md
"""

import argparse
import csv
import json
from pathlib import Path

import yaml

from benchmarks.large_data import cpu_name
from mltc.core.metrics import HEADLINE_METRICS
from mltc.modeling.members import member_params

# the params that tell the records apart (the rest is params.yaml's)
SHOWN = (("data", "max_rows"), ("preprocess", "max_length"), ("preprocess", "long_texts"),
         ("train", "label_aware"), ("train", "head_bias"), ("train", "epochs"),
         ("train", "seed"))  # fmt: skip
# what a record made before a param was shown ran with: every one of them truncated
BEFORE_SHOWN = {"preprocess.long_texts": "truncate"}


def record(project: Path, name: str, member: str, results: Path) -> Path:
    """`results/<name>.json`: the member's train.json, params, validation curve and (when
    evaluate ran on this training) test scores at 0.5."""
    metrics = project / "metrics" / "members" / member
    read = lambda path: json.loads(path.read_text(encoding="utf-8"))  # noqa: E731
    params = member_params(yaml.safe_load((project / "params.yaml").read_text("utf-8")), member)
    train = read(metrics / "train.json")
    with (metrics / "train" / "validation.csv").open(encoding="utf-8") as handle:
        curve = [
            {"epoch": int(row["epoch"]), "series": row["series"], "value": float(row["value"])}
            for row in csv.DictReader(handle)
        ]
    evaluated = metrics / "evaluate.json"
    test = None
    if (
        evaluated.is_file()
        and evaluated.stat().st_mtime >= (metrics / "train.json").stat().st_mtime
    ):
        scores = read(evaluated).get("test")  # none where the test split has no labels
        test = {key: scores[key] for key in HEADLINE_METRICS} if scores else None
    entry = {
        "name": name,
        "member": member,
        "params": {".".join(key): params.get(key[0], {}).get(key[1]) for key in SHOWN},
        "train": train,
        "validation_curve": curve,
        "test_at_0_5": test,
        "cpu": cpu_name(),
    }
    path = results / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(entry, indent=2) + "\n", encoding="utf-8")
    return path


def shown(entry: dict, key: str) -> str:
    """A shown param of a record, as the table writes it."""
    return str(entry["params"].get(key, BEFORE_SHOWN.get(key)))


def head(entry: dict) -> str:
    """The head the member trained with, as its train.json names it (records from before
    train.json named it: label-aware or plain, as train.label_aware then chose)."""
    train = entry["train"]
    return train.get("head") or ("label-aware" if train.get("label_aware") else "plain")


def kept_validation(entry: dict) -> dict[str, float]:
    """A record's validation figures at its kept (best) epoch."""
    kept = entry["train"]["best_epoch"]
    return {p["series"]: p["value"] for p in entry["validation_curve"] if p["epoch"] == kept}


def over_seeds(entries: list[dict]) -> list[str]:
    """Markdown rows, one per setting run with two seeds or more: records with the same head that
    differ only in train.seed and in the train.label_aware that chose the head (`auto` gave the
    plain head at 90 labels before it fell back to attention, as `false` does now; every value
    recorded is shown). The seeds, and each validation figure at the kept epoch, then each test
    figure where every seed has one, as mean (min-max). A seed recorded twice for one setting (a
    run repeated on later code) counts once (one_record)."""
    varied = (("train", "seed"), ("train", "label_aware"))
    keys = [".".join(key) for key in SHOWN if key not in varied]
    groups: dict[tuple[str, ...], dict[int, list[dict]]] = {}
    for entry in entries:
        setting = (*(shown(entry, key) for key in keys), head(entry))
        groups.setdefault(setting, {}).setdefault(entry["params"]["train.seed"], []).append(entry)
    rows = []
    for setting, by_seed in groups.items():
        seeds = sorted(by_seed)
        group = [one_record(by_seed[seed]) for seed in seeds]  # checked even for one seed
        if len(seeds) < 2:
            continue
        label_aware = sorted(
            {str(e["params"]["train.label_aware"]) for records in by_seed.values() for e in records}
        )
        tested = [entry["test_at_0_5"] for entry in group]
        figures = [
            *_mean_and_range([kept_validation(entry) for entry in group]),
            *(_mean_and_range(tested) if all(tested) else ["" for _ in HEADLINE_METRICS]),
        ]
        cells = [
            *setting[:-1], ", ".join(label_aware), setting[-1], ", ".join(map(str, seeds)),
            *figures,
        ]  # fmt: skip
        rows.append("| " + " | ".join(cells) + " |")
    if not rows:
        return []
    return [
        "",
        "Over seeds (records of one head that differ only in `train.seed` and the "
        "`train.label_aware` that chose the head), at 0.5: validation at each run's kept epoch, "
        "and test at it where every seed was evaluated; mean (min-max):",
        "",
        "| " + " | ".join(f"`{key}`" for key in keys) + " | `train.label_aware` | head | seeds | "
        + " | ".join(f"validation {key}" for key in HEADLINE_METRICS) + " | "
        + " | ".join(f"test {key}" for key in HEADLINE_METRICS) + " |",
        "| " + " | ".join("---" for _ in keys) + " | --- | --- | --- | "
        + " | ".join("---:" for _ in range(2 * len(HEADLINE_METRICS))) + " |",
        *sorted(rows),
    ]  # fmt: skip


def one_record(records: list[dict]) -> dict:
    """The record that stands for one seed of one setting: the records must agree in their
    validation figures and, where evaluated, in their test figures; an evaluated one is kept."""
    first = records[0]
    tested = [record for record in records if record["test_at_0_5"]]
    for other in records[1:]:
        if kept_validation(other) != kept_validation(first) or (
            other["test_at_0_5"] and other["test_at_0_5"] != tested[0]["test_at_0_5"]
        ):
            raise ValueError(
                f"records {first['name']!r} and {other['name']!r}: the same setting and seed with "
                "different figures; keep one of them in the results folder"
            )
    return tested[0] if tested else first


def _mean_and_range(figures: list[dict[str, float]]) -> list[str]:
    """Each headline metric over the runs' figures, as mean (min-max)."""
    cells = []
    for key in HEADLINE_METRICS:
        values = [by_metric[key] for by_metric in figures]
        cells.append(f"{sum(values) / len(values):.4f} ({min(values):.4f}-{max(values):.4f})")
    return cells


def table(results: Path) -> str:
    """Markdown: one row per record and epoch, its validation figures at 0.5, and the test
    figures at 0.5 of the kept epoch where evaluate ran; then, where a setting ran with several
    seeds, its figures over the seeds."""
    keys = [".".join(key) for key in SHOWN]
    lines = [
        "| run | " + " | ".join(f"`{key}`" for key in keys) + " | head | epoch | "
        + " | ".join(f"validation {key}" for key in HEADLINE_METRICS) + " | "
        + " | ".join(f"test {key} (kept epoch)" for key in HEADLINE_METRICS)
        + " | train time (s) | CPU |",
        "| --- | " + " | ".join("---" for _ in keys) + " | --- | ---: | "
        + " | ".join("---:" for _ in range(2 * len(HEADLINE_METRICS))) + " | ---: | --- |",
    ]  # fmt: skip
    entries = [
        json.loads(path.read_text(encoding="utf-8")) for path in sorted(results.glob("*.json"))
    ]
    for entry in entries:
        by_epoch: dict[int, dict[str, float]] = {}
        for point in entry["validation_curve"]:
            by_epoch.setdefault(point["epoch"], {})[point["series"]] = point["value"]
        kept = entry["train"]["best_epoch"]
        for epoch, values in sorted(by_epoch.items()):
            test = entry["test_at_0_5"] if entry["test_at_0_5"] and epoch == kept else {}
            cells = [
                entry["name"],
                *(shown(entry, key) for key in keys),
                head(entry),
                str(epoch),
                *(f"{values[key]:.4f}" for key in HEADLINE_METRICS),
                *(f"{test[key]:.4f}" if test else "" for key in HEADLINE_METRICS),
                f"{entry['train']['train_runtime_s']:.0f}",
                entry["cpu"],
            ]
            lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "Validation and test at threshold 0.5 (no tuned rule); head: the member's, from its "
        "train.json (what `train.label_aware` chose); train time: the whole training, "
        "evaluations included.",
        *over_seeds(entries),
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("record", help="record the member run in --project")
    add.add_argument("name")
    add.add_argument("--project", type=Path, default=Path("."))
    add.add_argument("--member", default="plain")
    write = commands.add_parser("table", help="write table.md beside the records")
    for command in (add, write):
        command.add_argument("--results", type=Path, required=True, help="the records' folder")
    args = parser.parse_args()
    if args.command == "record":
        print(record(args.project, args.name, args.member, args.results))
    else:
        written = table(args.results)
        args.results.mkdir(parents=True, exist_ok=True)
        (args.results / "table.md").write_text(written, encoding="utf-8")
        print(written)


if __name__ == "__main__":
    main()
