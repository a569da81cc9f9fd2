"""Member variants x seeds, trained with the package's own train code, their validation and test
probabilities kept in one npz; then the table of each variant alone and of member pairs, with the
TF-IDF baseline mixed in as `tune_thresholds` does (its weight and the rule chosen on validation).

Made for a GPU, where a MiniLM run takes about 40 s (on 2 CPU cores, 6 to 10 minutes):

    python -m benchmarks.member_study train --runs plain:42 label-aware:42 ... --out study.npz
    python -m benchmarks.member_study table study.npz [--out table.md]   # after `dvc repro baseline`

A variant is a member's train keys (VARIANTS); a run is `variant:seed`. A variant named with
the suffix `-cleaned` trains without the first `--exclude-top` train texts of the audit's ranked
label issues (`--issues`, default metrics/audit/label_issues.csv; validation and test untouched),
which measures what cleaning the training labels is worth (docs/audit.md).
"""

import argparse
import json
import tempfile
import time
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from datasets import DatasetDict

from benchmarks.quality_runs import mean_and_spread
from mltc.core import paths
from mltc.core.metrics import HEADLINE_METRICS, evaluation_report
from mltc.data import split_files
from mltc.data.labels import LabelSchema
from mltc.data.tokenized import label_matrix, tokenize_splits
from mltc.decision.config import TuningConfig
from mltc.decision.thresholds import tune
from mltc.ensemble.combine import choose_baseline_weight, combine
from mltc.modeling import registry, training
from mltc.modeling.build import load_tokenizer
from mltc.modeling.config import PreprocessConfig, TrainConfig
from mltc.modeling.hardware import best_device
from mltc.modeling.inference import predict_proba
from mltc.modeling.input_choice import member_encoding

VARIANTS = {  # each on top of params.yaml's train section
    "plain": {"label_aware": False},
    "pos-weight": {"label_aware": False, "pos_weight_power": 0.5},
    "label-aware": {"label_aware": True},
    "label-aware-pos-weight": {"label_aware": True, "pos_weight_power": 0.5},
    "label-aware-asymmetric": {"label_aware": True, "loss": "asymmetric"},
}
KEYS = HEADLINE_METRICS
CLEANED = "-cleaned"
ISSUES = paths.AUDIT_METRICS / "label_issues.csv"


def without_flagged(processed: DatasetDict, issues: Path, top: int) -> DatasetDict:
    """The splits with the audit's first `top` flagged train texts left out of train."""
    table = pd.read_csv(issues, dtype=str, keep_default_na=False)
    flagged = set(table.loc[table["split"] == "train", "id"].head(top))
    train = processed["train"].filter(lambda row: row["id"] not in flagged)
    return DatasetDict({**processed, "train": train})


def train(
    runs: list[str], out: Path, model: str, epochs: int | None, issues: Path = ISSUES,
    exclude_top: int = 0,
) -> None:  # fmt: skip
    """Train each `variant:seed`; the npz is rewritten after each run (a killed study keeps what
    finished)."""
    params = yaml.safe_load(Path("params.yaml").read_text(encoding="utf-8"))
    schema = LabelSchema.load(paths.LABELS)
    spec = registry.resolve(model)
    tokenizer = load_tokenizer(spec)
    results, processed_by_encoding = {}, {}
    with tempfile.TemporaryDirectory() as cache:
        splits = DatasetDict(
            {s: split_files.split_dataset(s, cache) for s in split_files.available_splits()}
        )
        for run in runs:
            variant, seed = run.split(":")
            keys = {**VARIANTS[variant.removesuffix(CLEANED)], "seed": int(seed)}
            if epochs is not None:
                keys["epochs"] = epochs
            config = TrainConfig.from_params({"train": {**params["train"], **keys}}, spec)
            encoding, _ = member_encoding(
                PreprocessConfig.from_params(params), config.label_aware, schema.label_names,
                tokenizer,
            )  # fmt: skip
            if encoding not in processed_by_encoding:
                processed_by_encoding[encoding] = tokenize_splits(splits, tokenizer, encoding)[0]
            processed = processed_by_encoding[encoding]
            if variant.endswith(CLEANED):
                processed = without_flagged(processed, issues, exclude_top)
            positions = encoding.label_positions(tokenizer)
            start = time.perf_counter()
            with tempfile.TemporaryDirectory() as checkpoints:
                trainer = training.build_trainer(
                    spec, schema, processed, tokenizer, config, Path(checkpoints), None, positions,
                    encoding.pooling,
                )  # fmt: skip
                trainer.train()
            info = {"best_epoch": training.best_epoch(trainer), "epochs": config.epochs,
                    "train_texts": len(processed["train"])}  # fmt: skip
            info["train_s"] = round(time.perf_counter() - start, 1)
            info["device"] = best_device().type
            for split in paths.EVALUATED_SPLITS:
                data = processed[split].remove_columns(["id", "labels"])
                results[f"{run}/{split}"] = predict_proba(
                    trainer.model, tokenizer, data.to_dict(), 256, precision=config.precision,
                    pooling=encoding.pooling,
                )  # fmt: skip
                results[f"{split}_labels"] = label_matrix(processed[split]).astype(np.int8)
            results[f"{run}/info"] = np.asarray(json.dumps(info))
            print(run, info, flush=True)
            out.parent.mkdir(parents=True, exist_ok=True)
            np.savez_compressed(out, **results)


def _runs(saved: np.lib.npyio.NpzFile) -> dict[str, list[str]]:
    """Variant -> its runs (`variant:seed`) in the npz, in order."""
    variants: dict[str, list[str]] = {}
    for key in saved.files:
        if key.endswith("/info"):
            run = key.split("/")[0]
            variants.setdefault(run.split(":")[0], []).append(run)
    return variants


def table(study: Path) -> str:
    """Markdown: each variant alone and with the baseline, then pairs of runs (distinct seeds)."""
    saved = np.load(study)
    params = yaml.safe_load(Path("params.yaml").read_text(encoding="utf-8"))
    config = TuningConfig.from_params(params)
    weights = params["ensemble"]["baseline_weights"]
    baseline = {
        split: np.load(paths.probs_file(split, paths.BASELINE_PROBS))["probs"]
        for split in paths.EVALUATED_SPLITS
    }
    gold = {split: saved[f"{split}_labels"] for split in paths.EVALUATED_SPLITS}
    names = [str(i) for i in range(gold["test"].shape[1])]

    def score(runs: tuple[str, ...], candidates: list[float]) -> dict:
        probs = {s: [saved[f"{run}/{s}"] for run in runs] for s in paths.EVALUATED_SPLITS}
        choice = choose_baseline_weight(
            probs["validation"], baseline["validation"], gold["validation"], candidates, config
        )
        w = choice.baseline_weight
        result = tune(
            combine(probs["validation"], baseline["validation"], w), gold["validation"], config
        )
        test = combine(probs["test"], baseline["test"], w)
        report = evaluation_report(gold["test"], test, names, result.thresholds, result.min_labels)
        return {"cv": result.cross_validated, "weight": w, **{k: report[k] for k in KEYS}}

    def row(label: str, groups: list[tuple[str, ...]], candidates: list[float]) -> str:
        scores = [score(group, candidates) for group in groups]
        cells = [mean_and_spread([s[key] for s in scores]) for key in ("cv", *KEYS)]
        used = "; ".join("+".join(run.split(":")[1] for run in group) for group in groups)
        chosen = ", ".join(f"{s['weight']:.1f}" for s in scores)
        return f"| {label} | {used} | {chosen} | " + " | ".join(cells) + " |"

    variants = _runs(saved)
    info = {
        run: json.loads(str(saved[f"{run}/info"])) for runs in variants.values() for run in runs
    }
    lines = [
        "| members | seeds | baseline weights chosen | validation micro-F1, CV of the rule "
        "| test Jaccard | test micro-F1 | test macro-F1 |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for variant, runs in variants.items():
        lines.append(row(f"`{variant}` alone", [(run,) for run in runs], [0.0]))
    for variant, runs in variants.items():
        lines.append(row(f"`{variant}` + baseline", [(run,) for run in runs], weights))
    for first, second in [*combinations(variants, 2), *((v, v) for v in variants)]:
        pairs = [
            (a, b)
            for a in variants[first]
            for b in variants[second]
            if a.split(":")[1] != b.split(":")[1] and (first != second or a < b)
        ]
        if pairs:
            lines.append(row(f"`{first}` + `{second}` + baseline", pairs, weights))
    epochs = sorted({(i["epochs"], i["device"]) for i in info.values()})
    kept = {
        variant: [info[run]["best_epoch"] for run in runs] for variant, runs in variants.items()
    }
    texts = {
        v: sorted({info[run].get("train_texts") for run in runs}) for v, runs in variants.items()
    }
    lines += [
        "",
        "Train texts by variant: " + "; ".join(f"{v} {t}" for v, t in texts.items()) + ". "
        f"Epochs (device): {epochs}. Kept epoch by variant: "
        + "; ".join(f"{v} {k}" for v, k in kept.items())
        + ". Mean ± sample standard deviation over the runs or pairs listed; a pair never "
        "repeats a seed.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("train")
    run.add_argument("--runs", nargs="+", required=True, help="variant:seed")
    run.add_argument("--out", type=Path, required=True)
    run.add_argument("--model", default="minilm")
    run.add_argument("--epochs", type=int, default=None, help="default: params.yaml's")
    run.add_argument("--issues", type=Path, default=ISSUES, help="the audit's ranked table")
    run.add_argument("--exclude-top", type=int, default=0,
                     help="-cleaned variants: train texts of --issues left out")  # fmt: skip
    report = commands.add_parser("table")
    report.add_argument("study", type=Path)
    report.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.command == "train":
        if any(run.split(":")[0].endswith(CLEANED) for run in args.runs) and args.exclude_top < 1:
            parser.error(f"a {CLEANED} variant needs --exclude-top N (N > 0)")
        train(args.runs, args.out, args.model, args.epochs, args.issues, args.exclude_top)
    else:
        text = table(args.study)
        if args.out:
            args.out.write_text(text, encoding="utf-8")
        print(text)


if __name__ == "__main__":
    main()
