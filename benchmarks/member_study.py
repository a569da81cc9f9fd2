"""Member variants x seeds, trained with the package's own train code, their validation and test
probabilities kept in one npz; then the table of each variant alone and of member pairs (or larger
groups, `--largest`), with the TF-IDF baseline mixed in as `tune_thresholds` does (its weight and
the rule chosen on validation).

Made for a GPU, where a MiniLM run takes about 40 s (on 2 CPU cores, 6 to 10 minutes):

    python -m benchmarks.member_study train --runs plain:42 label-aware:42 ... --out study.npz
    python -m benchmarks.member_study table study.npz [--out table.md]   # after `dvc repro baseline`
    python -m benchmarks.member_study table study.npz --rule objective=macro_f1   # another rule

A variant is a member's train keys (VARIANTS; preprocess keys under `preprocess`); a run is
`variant:seed`. `--model` trains every run from another alias or a local model folder (one that
benchmarks/adaptive_pretraining.py wrote, say), `--train-key KEY=VALUE` adds train keys to every
variant's, and `--tag TAG` names the runs `variant-TAG:seed` so that they sit beside the untagged
ones in one table. A variant named with the suffix `-cleaned` trains without the first
`--exclude-top` train texts of the audit's ranked label issues (`--issues`, default
metrics/audit/label_issues.csv; validation and test untouched), which measures what cleaning the
training labels is worth (docs/audit.md).

Distillation, the ensemble's knowledge in one member (mltc.distill.soft_targets):

    python -m benchmarks.member_study train --runs label-aware:42 label-aware-pos-weight:43 \
        --keep-train --out teachers.npz
    python -m benchmarks.member_study teacher teachers.npz --out teacher.npz
    python -m benchmarks.member_study train --runs label-aware-distilled:44 ... \
        --teacher teacher.npz --out students.npz

`teacher` averages the runs' training-text probabilities and mixes in the TF-IDF baseline's
out-of-fold ones on train (refitted here on the other folds of train alone) at the weight the
ensemble's rule chooses on validation; a `-distilled` variant trains on
(1 - w) * gold + w * teacher (`--distill-weight`, 0.5).
"""

import argparse
import contextlib
import json
import tempfile
import time
from itertools import combinations, combinations_with_replacement, product
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import yaml

from benchmarks.large_data import cpu_name
from benchmarks.quality_runs import mean_and_spread
from mltc.audit.config import AuditConfig
from mltc.core import paths
from mltc.core.labels import LabelSchema
from mltc.core.metrics import HEADLINE_METRICS, evaluation_report
from mltc.decision.config import TuningConfig
from mltc.decision.thresholds import tune
from mltc.ensemble.combine import choose_baseline_weight, combine
from mltc.modeling.baseline.config import BaselineConfig

# `train` and the teacher's baseline folds import the training libraries (datasets, torch,
# transformers) where they run: `table` and `paired`, which read saved probabilities, start in
# a second or two without them
if TYPE_CHECKING:
    from datasets import DatasetDict

# every variant was measured before `train.layer_decay: 0.9` became the default: one that names no
# rate of its own trains every layer at the full rate, as it did then (parse_variant)
FULL_RATE = {"layer_decay": 1.0}
VARIANTS = {  # each on top of params.yaml's train section
    # the plain heads as results/members was measured: their bias started at zero
    "plain": {"label_aware": False, "head_bias": "zero"},
    "pos-weight": {"label_aware": False, "pos_weight_power": 0.5, "head_bias": "zero"},
    "label-aware": {"label_aware": True},
    "label-aware-pos-weight": {"label_aware": True, "pos_weight_power": 0.5},
    "label-aware-asymmetric": {"label_aware": True, "loss": "asymmetric"},
    "label-aware-correlation": {"label_aware": True, "loss": "correlation"},
    "label-aware-layer-decay": {"label_aware": True, "layer_decay": 0.9},
    "label-aware-pos-weight-layer-decay": {
        "label_aware": True,
        "pos_weight_power": 0.5,
        "layer_decay": 0.9,
    },
    # preprocess keys under "preprocess", on top of params.yaml's preprocess section
    "label-aware-tweets": {"label_aware": True, "preprocess": {"normalise": "tweets"}},
    "label-aware-pos-weight-tweets": {
        "label_aware": True,
        "pos_weight_power": 0.5,
        "preprocess": {"normalise": "tweets"},
    },
}
KEYS = HEADLINE_METRICS
OBJECTIVE_NAMES = {"micro_f1": "micro-F1", "macro_f1": "macro-F1", "jaccard": "Jaccard"}
CLEANED = "-cleaned"
DISTILLED = "-distilled"
ISSUES = paths.AUDIT_METRICS / "label_issues.csv"


def parse_variant(variant: str) -> tuple[dict, set[str]]:
    """A variant's train keys (at the full rate unless it names a `layer_decay`) and its suffixes
    (-cleaned, -distilled, in any order)."""
    suffixes = set()
    while suffix := next((s for s in (CLEANED, DISTILLED) if variant.endswith(s)), None):
        suffixes.add(suffix)
        variant = variant.removesuffix(suffix)
    if variant not in VARIANTS:
        raise SystemExit(f"unknown variant {variant!r}: one of {', '.join(VARIANTS)}")
    return {**FULL_RATE, **VARIANTS[variant]}, suffixes


def without_flagged(processed: "DatasetDict", issues: Path, top: int) -> "DatasetDict":
    """The splits with the audit's first `top` flagged train texts left out of train."""
    from datasets import DatasetDict

    table = pd.read_csv(issues, dtype=str, keep_default_na=False)
    flagged = set(table.loc[table["split"] == "train", "id"].head(top))
    train = processed["train"].filter(lambda row: row["id"] not in flagged)
    return DatasetDict({**processed, "train": train})


def distilled(processed: "DatasetDict", teacher: Path, saved: dict, weight: float) -> "DatasetDict":
    """The splits with train's labels replaced by soft targets from `saved`, what `teacher` holds
    (ids, probs)."""
    from datasets import DatasetDict

    from mltc.distill.soft_targets import with_soft_targets

    train = with_soft_targets(
        processed["train"], saved["ids"], saved["probs"], weight, str(teacher)
    )
    return DatasetDict({**processed, "train": train})


def train(
    runs: list[str], out: Path, model: str, epochs: int | None, issues: Path = ISSUES,
    exclude_top: int = 0, keep_train: bool = False, teacher: Path | None = None,
    distill_weight: float = 0.5, train_keys: dict | None = None, tag: str = "",
) -> None:  # fmt: skip
    """Train each `variant:seed`; the npz is rewritten after each run (a killed study keeps what
    finished). With `keep_train`, the training texts' probabilities are kept too (a teacher's).
    `train_keys` go on top of every variant's; a `tag` is appended to each variant's name in the
    npz (`label-aware-TAG:42`), to tell runs of another `model` or other keys apart."""
    from datasets import DatasetDict

    from mltc.core import split_files
    from mltc.core.tokenized import label_matrix, tokenize_splits
    from mltc.modeling import registry, training
    from mltc.modeling.config import PreprocessConfig, TrainConfig
    from mltc.modeling.hardware import best_device
    from mltc.modeling.inference import predict_proba
    from mltc.modeling.input_choice import member_encoding
    from mltc.modeling.model_files import load_tokenizer

    params = yaml.safe_load(Path("params.yaml").read_text(encoding="utf-8"))
    schema = LabelSchema.load(paths.LABELS)
    spec = registry.resolve(model)
    taught = dict(np.load(teacher)) if teacher is not None else None  # read once for every run
    cpu = cpu_name()
    tokenizer = load_tokenizer(spec)
    results, processed_by_encoding = {}, {}
    with tempfile.TemporaryDirectory() as cache:
        splits = DatasetDict(
            {s: split_files.split_dataset(s, cache) for s in split_files.available_splits()}
        )
        for run in runs:
            variant, seed = run.split(":")
            variant_keys, suffixes = parse_variant(variant)
            keys = {k: v for k, v in variant_keys.items() if k != "preprocess"} | {
                **(train_keys or {}),
                "seed": int(seed),
            }
            name = f"{variant}-{tag}:{seed}" if tag else run
            preprocess = {**params["preprocess"], **variant_keys.get("preprocess", {})}
            if epochs is not None:
                keys["epochs"] = epochs
            config = TrainConfig.from_params({"train": {**params["train"], **keys}}, spec)
            encoding, choice = member_encoding(
                PreprocessConfig.from_params({"preprocess": preprocess}), config.label_aware,
                schema.label_names, tokenizer,
            )  # fmt: skip
            if encoding not in processed_by_encoding:
                processed_by_encoding[encoding] = tokenize_splits(splits, tokenizer, encoding)[0]
            processed = processed_by_encoding[encoding]
            if CLEANED in suffixes:
                processed = without_flagged(processed, issues, exclude_top)
            if DISTILLED in suffixes:
                processed = distilled(processed, teacher, taught, distill_weight)
            start = time.perf_counter()
            with tempfile.TemporaryDirectory() as checkpoints:
                trainer = training.build_trainer(
                    spec, schema, processed, tokenizer, config, Path(checkpoints), None, encoding,
                    choice.attention,
                )  # fmt: skip
                trainer.train()
            info = {"best_epoch": training.best_epoch(trainer), "epochs": config.epochs,
                    "train_texts": len(processed["train"])}  # fmt: skip
            info["train_s"] = round(time.perf_counter() - start, 1)
            info["device"] = best_device().type
            info["cpu"] = cpu
            if DISTILLED in suffixes:
                info["distill_weight"] = distill_weight
            scored = processed_by_encoding[encoding]  # every text, with its gold labels
            for split in (*(("train",) if keep_train else ()), *paths.EVALUATED_SPLITS):
                data = scored[split].remove_columns(["id", "labels"])
                results[f"{name}/{split}"] = predict_proba(
                    trainer.model, tokenizer, data.to_dict(), 256, precision=config.precision,
                    pooling=encoding.pooling,
                )  # fmt: skip
                results[f"{split}_labels"] = label_matrix(scored[split]).astype(np.int8)
                results[f"{split}_ids"] = np.asarray(scored[split]["id"], dtype=str)
            if model != "minilm" or train_keys:
                info |= {"model": model, "train_keys": train_keys or {}}
            results[f"{name}/info"] = np.asarray(json.dumps(info))
            print(name, info, flush=True)
            out.parent.mkdir(parents=True, exist_ok=True)
            np.savez_compressed(out, **results)


def _runs(saved: dict[str, np.ndarray]) -> dict[str, list[str]]:
    """Variant -> its runs (`variant:seed`) in the study, in order."""
    variants: dict[str, list[str]] = {}
    for key in saved:
        if key.endswith("/info"):
            run = key.split("/")[0]
            variants.setdefault(run.split(":")[0], []).append(run)
    return variants


def load_studies(studies: list[Path]) -> dict[str, np.ndarray]:
    """The runs of one or more study npz files as one; they must hold the same texts."""
    merged: dict[str, np.ndarray] = {}
    for study in studies:
        for key, value in np.load(study).items():
            if key.endswith(("_labels", "_ids")) and key in merged:
                if not np.array_equal(merged[key], value):
                    raise SystemExit(f"{study}: {key} differs from the studies before it")
            elif key in merged:
                raise SystemExit(f"{study}: {key} is in an earlier study too")
            merged[key] = value
    return merged


def baseline_probs() -> dict[str, np.ndarray]:
    """The baseline stage's validation and test probabilities, by split."""
    return {
        split: np.load(paths.probs_file(split, paths.BASELINE_PROBS))["probs"]
        for split in paths.EVALUATED_SPLITS
    }


def baseline_train_out_of_fold(params: dict, ids: np.ndarray) -> np.ndarray:
    """The TF-IDF baseline's probabilities of the training texts (rows in `ids` order), out of
    fold on train alone, as the distill stage makes them (mltc.distill.teacher)."""
    from mltc.core import split_files
    from mltc.distill.soft_targets import teacher_rows
    from mltc.distill.teacher import BaselineFolds
    from mltc.distill.teacher import baseline_train_out_of_fold as train_out_of_fold

    schema = LabelSchema.load(paths.LABELS)
    frame = split_files.read_split("train")
    audit, baseline = AuditConfig.from_params(params), BaselineConfig.from_params(params)
    scored = train_out_of_fold(
        frame["text"].tolist(), split_files.gold_matrix(frame, schema, "train"),
        BaselineFolds(audit.folds, audit.seed, baseline.c_grid, baseline.seed),
    )  # fmt: skip
    rows = teacher_rows(ids, frame["id"].astype(str).tolist(), str(paths.raw_split("train")))
    return scored[rows]


def teacher(studies: list[Path], runs: list[str] | None, out: Path) -> None:
    """The teacher's probabilities of every training text: the runs' mean (default: every run
    with training probabilities) mixed with the baseline's out-of-fold probabilities (a model
    that never saw the text, nor validation) at the weight the ensemble's rule chooses on
    validation."""
    saved = load_studies(studies)
    runs = runs or [key.split("/")[0] for key in saved if key.endswith("/train")]
    params = yaml.safe_load(Path("params.yaml").read_text(encoding="utf-8"))
    config = TuningConfig.from_params(params)
    baseline = baseline_probs()
    choice = choose_baseline_weight(
        [saved[f"{run}/validation"] for run in runs], baseline["validation"],
        saved["validation_labels"], params["ensemble"]["baseline_weights"], config,
    )  # fmt: skip
    probs = combine(
        [saved[f"{run}/train"] for run in runs],
        baseline_train_out_of_fold(params, saved["train_ids"]),
        choice.baseline_weight,
    )
    np.savez_compressed(
        out, ids=saved["train_ids"], probs=probs.astype(np.float32), runs=np.asarray(runs),
        baseline_weight=np.asarray(choice.baseline_weight),
    )  # fmt: skip
    print(f"teacher {' + '.join(runs)} + baseline at {choice.baseline_weight}: {out}")


def groups_of(variants: dict[str, list[str]], size: int) -> list[tuple[tuple[str, ...], list]]:
    """Each choice of `size` variants (one may repeat) with its groups of runs: one run of each
    chosen variant, no seed twice in a group, and no group twice in another order."""
    distinct = list(combinations(variants, size))
    repeated = [c for c in combinations_with_replacement(variants, size) if c not in distinct]
    found = []
    for names in [*distinct, *repeated]:
        groups = [
            runs
            for runs in product(*(variants[v] for v in names))
            if len({run.split(":")[1] for run in runs}) == size
            and all(runs[i] < runs[i + 1] for i in range(size - 1) if names[i] == names[i + 1])
        ]
        if groups:
            found.append((names, groups))
    return found


def group_scorer(saved: dict[str, np.ndarray], rule: dict | None = None):
    """`score(runs, candidates)`: a group of runs averaged, the baseline's weight chosen among
    `candidates` and the rule tuned on validation as `tune_thresholds` does (params.yaml's, with
    `rule`'s keys in place of its own); the rule's cross-validated figure and the test metrics.
    Returned with the tuning config and params.yaml's candidate baseline weights."""
    params = yaml.safe_load(Path("params.yaml").read_text(encoding="utf-8"))
    params["tune_thresholds"] = {**params["tune_thresholds"], **(rule or {})}
    config = TuningConfig.from_params(params)
    baseline = baseline_probs()
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

    return score, config, params["ensemble"]["baseline_weights"]


def paired(studies: list[Path], base: list[str], lever: list[str]) -> str:
    """Markdown: for each group of distinct seeds that both the `base` variants and the `lever`
    variants (position by position, the same seeds) have, the lever's figures minus the base's,
    each group with the baseline as `tune_thresholds` mixes it in; then how many groups the lever
    raises each figure in."""
    saved = load_studies(studies)
    variants = _runs(saved)
    for variant in (*base, *lever):
        if variant not in variants:
            raise SystemExit(f"no runs of {variant!r} in {', '.join(map(str, studies))}")
    if len(base) != len(lever):
        raise SystemExit(f"--base names {len(base)} variants and --lever {len(lever)}")
    score, config, weights = group_scorer(saved)
    seeds = {v: {run.split(":")[1] for run in runs} for v, runs in variants.items()}
    combos = [
        combo
        for combo in product(
            *(sorted(seeds[b] & seeds[v]) for b, v in zip(base, lever, strict=True))
        )
        if len(set(combo)) == len(combo)
    ]
    columns = ("cv", *KEYS)
    header = [f"validation {OBJECTIVE_NAMES[config.objective]}, CV of the rule",
              *(f"test {OBJECTIVE_NAMES[key]}" for key in KEYS)]  # fmt: skip
    lines = [
        "| seeds | " + " | ".join(header) + " |",
        "| --- |" + " ---: |" * len(header),
    ]
    raised = dict.fromkeys(columns, 0)
    for combo in combos:
        before = score(tuple(f"{v}:{seed}" for v, seed in zip(base, combo, strict=True)), weights)
        after = score(tuple(f"{v}:{seed}" for v, seed in zip(lever, combo, strict=True)), weights)
        change = {key: after[key] - before[key] for key in columns}
        raised = {key: raised[key] + (change[key] > 0) for key in columns}
        lines.append(
            f"| {'+'.join(combo)} | " + " | ".join(f"{change[k]:+.4f}" for k in columns) + " |"
        )
    lines += [
        "",
        f"{' + '.join(f'`{v}`' for v in lever)} + baseline minus "
        f"{' + '.join(f'`{v}`' for v in base)} + baseline, the same seeds in the same places. "
        f"Higher in {', '.join(f'{raised[k]} of {len(combos)}' for k in columns)} groups "
        "(the columns in order).",
    ]
    return "\n".join(lines) + "\n"


def table(studies: list[Path], largest: int = 2, rule: dict | None = None) -> str:
    """Markdown: each variant alone and with the baseline, then groups of 2 to `largest` runs
    (distinct seeds) with the baseline; the decision rule tuned as params.yaml's
    `tune_thresholds` with `rule`'s keys in place of its own."""
    saved = load_studies(studies)
    score, config, weights = group_scorer(saved, rule)

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
        f"| members | seeds | baseline weights chosen | validation {OBJECTIVE_NAMES[config.objective]}, "
        "CV of the rule | test Jaccard | test micro-F1 | test macro-F1 |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for variant, runs in variants.items():
        lines.append(row(f"`{variant}` alone", [(run,) for run in runs], [0.0]))
    for variant, runs in variants.items():
        lines.append(row(f"`{variant}` + baseline", [(run,) for run in runs], weights))
    for size in range(2, largest + 1):
        for names, groups in groups_of(variants, size):
            label = " + ".join(f"`{name}`" for name in names)
            lines.append(row(f"{label} + baseline", groups, weights))
    epochs = sorted({(i["epochs"], i["device"]) for i in info.values()})
    kept = {
        variant: [info[run]["best_epoch"] for run in runs] for variant, runs in variants.items()
    }
    texts = {
        v: sorted({info[run].get("train_texts") for run in runs}) for v, runs in variants.items()
    }
    seconds = {v: [info[run].get("train_s") for run in runs] for v, runs in variants.items()}
    cpus = sorted({i["cpu"] for i in info.values() if "cpu" in i})
    lines += [
        "",
        "Train texts by variant: " + "; ".join(f"{v} {t}" for v, t in texts.items()) + ". "
        "Training seconds by variant: "
        + "; ".join(f"{v} {s}" for v, s in seconds.items())
        + ". "
        + (f"CPU: {'; '.join(cpus)}. " if cpus else "")
        + f"Epochs (device): {epochs}. Kept epoch by variant: "
        + "; ".join(f"{v} {k}" for v, k in kept.items())
        + ". Mean ± sample standard deviation over the runs or groups listed; a group never "
        "repeats a seed."
        + (
            " Decision rule: params.yaml's `tune_thresholds` with "
            + ", ".join(f"`{key}: {value}`" for key, value in rule.items())
            + "."
            if rule
            else ""
        ),
    ]
    return "\n".join(lines) + "\n"


def key_values(
    parser: argparse.ArgumentParser, option: str, pairs: list[str], example: str
) -> dict:
    """`KEY=VALUE` pairs as a dict, each value read as YAML (numbers, booleans, strings)."""
    values = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            parser.error(f"{option} {pair}: write KEY=VALUE, for example {example}")
        values[key] = yaml.safe_load(value)
        if isinstance(values[key], str):  # YAML reads 3e-3 (no dot) as a string
            with contextlib.suppress(ValueError):
                values[key] = float(value)
    return values


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
    run.add_argument("--keep-train", action="store_true",
                     help="keep the training texts' probabilities (for `teacher`)")  # fmt: skip
    run.add_argument("--teacher", type=Path, help="-distilled variants: what `teacher` wrote")
    run.add_argument("--distill-weight", type=float, default=0.5,
                     help="-distilled variants: the teacher's share of each target")  # fmt: skip
    run.add_argument("--train-key", nargs="+", default=[], metavar="KEY=VALUE",
                     help="train params on top of every variant's, for example "
                     "learning_rate=1.5e-4 (a local --model folder defaults to 5e-5)")  # fmt: skip
    run.add_argument("--tag", default="", help="appended to each variant's name in --out")
    mix = commands.add_parser("teacher")
    mix.add_argument("studies", type=Path, nargs="+")
    mix.add_argument("--runs", nargs="+", help="default: every run with --keep-train")
    mix.add_argument("--out", type=Path, required=True)
    report = commands.add_parser("table")
    report.add_argument("studies", type=Path, nargs="+")
    report.add_argument("--out", type=Path)
    report.add_argument("--largest", type=int, default=2,
                        help="groups of members up to this size (2: pairs)")  # fmt: skip
    pairs = commands.add_parser("paired")
    pairs.add_argument("studies", type=Path, nargs="+")
    pairs.add_argument("--base", nargs="+", required=True, help="variants of the groups without")
    pairs.add_argument("--lever", nargs="+", required=True,
                       help="variants of the groups with, in the --base variants' places")  # fmt: skip
    pairs.add_argument("--out", type=Path)
    report.add_argument("--rule", nargs="+", default=[], metavar="KEY=VALUE",
                        help="tune_thresholds params in place of params.yaml's, "
                        "for example objective=macro_f1")  # fmt: skip
    args = parser.parse_args()
    if args.command == "train":
        suffixes = set().union(*(parse_variant(run.split(":")[0])[1] for run in args.runs))
        if CLEANED in suffixes and args.exclude_top < 1:
            parser.error(f"a {CLEANED} variant needs --exclude-top N (N > 0)")
        if DISTILLED in suffixes and args.teacher is None:
            parser.error(f"a {DISTILLED} variant needs --teacher FILE (written by `teacher`)")
        train(
            args.runs, args.out, args.model, args.epochs, args.issues, args.exclude_top,
            args.keep_train, args.teacher, args.distill_weight,
            key_values(parser, "--train-key", args.train_key, "learning_rate=1.5e-4"), args.tag,
        )  # fmt: skip
    elif args.command == "teacher":
        teacher(args.studies, args.runs, args.out)
    else:  # a markdown table: printed, and written to --out where given
        if args.command == "paired":
            text = paired(args.studies, args.base, args.lever)
        else:
            rule = key_values(parser, "--rule", args.rule, "objective=macro_f1")
            text = table(args.studies, args.largest, rule)
        if args.out:
            args.out.write_text(text, encoding="utf-8")
        print(text)


if __name__ == "__main__":
    main()
