"""Benchmark: the pipeline's training and inference settings against the notebook recipe.

The notebook this project grew from pads every tweet to 128 tokens, trains with batch size 8 in
fp32 and evaluates with the same padding. This script measures, on one machine and on the same
data slice and model (the packaged MiniLM):

1. training throughput (samples/s after warm-up) of the notebook recipe and of the train stage's
   settings, and validation metrics of each on the slice: after the same number of epochs, after
   the same number of optimiser steps (the pipeline's levers at the notebook's batch size), and
   after the same training time (the pipeline runs as many epochs as fit in the notebook's one);
2. inference throughput (texts/s) of the predict path, of the notebook way, and of
   `transformers.pipeline` with its defaults (best of a few interleaved rounds, so that a busy
   moment on a shared machine does not count against one side), and, given a trained
   models/classifier, what `--int8` does to its test metrics at the shipped decision rule;
3. pipeline overhead: a no-op `dvc repro`, and a run after changing only a threshold param
   (needs a project where `dvc repro` has completed; skipped otherwise).

What is timed is one member: a single plain classifier (no label names, no baseline) trained
with the train stage's settings, and its inference through the `predict` code path. The shipped
classifier (models/classifier) averages every member of the ensemble, plus the TF-IDF baseline
where it is mixed in, so its `predict` takes about as many times a member's time as it has
members; only the int8 rows measure the shipped classifier itself (through `Predictor`). The table
says so, and names the CPU (lscpu's model name, family and model).

Run from the project root: `python -m benchmarks.throughput` (or `make benchmark`). It writes
benchmarks/results/latest.json and latest.md, puts the table in benchmarks/README.md and prints
the ratios. `--quick` runs the same code paths in well under a minute as a smoke test: the tiny
model (registry alias `tiny`, offline), a few dozen texts, one epoch, a tiny untrained classifier
folder built in a temporary folder, no dvc; it writes only under `--output` (default: a new
temporary folder), never benchmarks/results or the README.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import yaml
from datasets import Dataset, DatasetDict
from transformers import (
    DataCollatorWithPadding,
    Trainer,
    TrainerCallback,
    TrainingArguments,
    pipeline,
    set_seed,
)

from benchmarks.large_data import cpu_name
from mltc.core import paths
from mltc.core.labels import LabelSchema
from mltc.core.markdown import update_section
from mltc.core.metrics import binarize, label_metrics, ranking_metrics
from mltc.core.split_files import Split, read_chunks
from mltc.core.text import TextEncoding
from mltc.core.tokenized import tokenize_splits
from mltc.decision.rule import DecisionRule
from mltc.ensemble.classifier_folder import MANIFEST_FILE, Manifest, write_classifier
from mltc.ingest.config import DataConfig
from mltc.ingest.scan import scan
from mltc.ingest.sources import CHUNK_ROWS
from mltc.ingest.write import write_raw
from mltc.modeling import registry
from mltc.modeling.build import build_model
from mltc.modeling.config import TrainConfig
from mltc.modeling.hardware import best_device, bf16_native, resolve_precision
from mltc.modeling.inference import predict_proba
from mltc.modeling.model_files import load_tokenizer
from mltc.modeling.registry import ModelSpec
from mltc.modeling.scoring import quantize_int8
from mltc.modeling.training import build_classifier, training_arguments
from mltc.serving.predictor import Predictor

RESULTS = Path("benchmarks/results")
SCRATCH = Path(tempfile.gettempdir()) / "mltc-benchmark"  # Trainer output_dir; nothing is saved
NOTEBOOK_LENGTH, NOTEBOOK_BATCH = 128, 8
QUICK = {"model": "tiny", "rows": 48, "train_samples": 48, "warmup_steps": 1, "max_epochs": 1}


class ThroughputTimer(TrainerCallback):
    """Samples/s over the steps after `warmup` (the first steps pay for allocation and caching)."""

    def __init__(self, warmup: int) -> None:
        self.warmup, self.start, self.end, self.steps = warmup, None, None, 0

    def on_step_begin(self, args, state, control, **kwargs):
        if state.global_step == self.warmup:
            self.start = time.perf_counter()

    def on_step_end(self, args, state, control, **kwargs):
        if self.start is not None:
            self.steps += 1
            self.end = time.perf_counter()


def read_splits(config: DataConfig) -> tuple[dict[str, Split], LabelSchema]:
    """The splits as the download stage writes them (scan, then write_raw), read back whole."""
    scanned = scan(config)
    with tempfile.TemporaryDirectory() as folder:
        write_raw(scanned, Path(folder))
        splits = {
            split: Split.concat([part for _, part in read_chunks(path, CHUNK_ROWS)])
            for split in paths.SPLITS
            if (path := Path(folder) / f"{split}.parquet").is_file()
        }
    return splits, scanned.schema


def tokenized_train(splits: DatasetDict, tokenizer) -> Dataset:
    """The training slice as `preprocess` tokenizes it: truncated at 128 tokens, unpadded, and the
    labels float32 (BCE's target type). Both recipes start from it: the notebook's pads every
    text to 128 tokens when batches are collated, as it did when it tokenized."""
    processed, _ = tokenize_splits(
        DatasetDict(train=splits["train"]), tokenizer, TextEncoding(NOTEBOOK_LENGTH)
    )
    return processed["train"]


def train_recipe(
    recipe: str,
    spec: ModelSpec,
    splits: DatasetDict,
    schema: LabelSchema,
    tokenizer,
    pipeline_config: TrainConfig,
    warmup: int,
    epochs: int = 1,
    batch_size: int | None = None,
) -> dict:
    """Train a fresh model (one member) on the slice: throughput after warm-up, wall time, then
    validation metrics (micro average precision, threshold-free, and micro-F1 at 0.5).
    `batch_size` replaces the pipeline's own (to compare the pipeline's levers at the notebook's
    optimiser steps)."""
    set_seed(0)
    if recipe == "notebook":  # the checkpoint as it comes (dropout 0.1, default attention)
        model = build_model(spec, schema)
    else:  # the train stage's (its dropout, attention kernel and seed)
        model = build_classifier(spec, schema, pipeline_config)
    timer = ThroughputTimer(warmup)
    train = tokenized_train(splits, tokenizer)
    if recipe == "notebook":
        batch = NOTEBOOK_BATCH
        args = TrainingArguments(
            output_dir=str(SCRATCH), per_device_train_batch_size=batch, num_train_epochs=epochs,
            learning_rate=pipeline_config.learning_rate, save_strategy="no", eval_strategy="no",
            report_to="none", disable_tqdm=True, seed=0, dataloader_pin_memory=False,
        )  # fmt: skip
        collator = DataCollatorWithPadding(
            tokenizer, padding="max_length", max_length=NOTEBOOK_LENGTH
        )
    else:
        batch = batch_size or pipeline_config.batch_size
        args = training_arguments(
            pipeline_config, SCRATCH, eval_strategy="no", save_strategy="no",
            load_best_model_at_end=False, num_train_epochs=epochs, disable_tqdm=True,
            per_device_train_batch_size=batch,
        )  # fmt: skip
        collator = DataCollatorWithPadding(tokenizer)
    trainer = Trainer(
        model=model, args=args, train_dataset=train, data_collator=collator, callbacks=[timer]
    )
    started = time.perf_counter()
    trainer.train()
    seconds = time.perf_counter() - started
    if timer.start is None:
        raise SystemExit(
            f"{recipe}: --warmup-steps {warmup} leaves no step to time of the "
            f"{trainer.state.global_step} optimiser steps: use more --train-samples"
        )
    val = splits["validation"]
    gold = np.asarray(val["labels"], dtype=np.int8)
    encodings = TextEncoding(NOTEBOOK_LENGTH).encode(tokenizer, list(val["text"]))
    probs = predict_proba(model, tokenizer, encodings, batch_size=64, precision="fp32")
    return {
        "epochs": epochs,
        "batch_size": batch,
        "optimizer_steps": trainer.state.global_step,
        "samples_per_s": timer.steps * batch / (timer.end - timer.start),
        "train_seconds": seconds,
        "validation_average_precision_micro": ranking_metrics(gold, probs)[
            "average_precision_micro"
        ],
        "validation_micro_f1_at_0_5": label_metrics(gold.astype(np.int8), binarize(probs))[
            "micro_f1"
        ],
    }


def training_comparison(
    spec: ModelSpec,
    splits: DatasetDict,
    schema: LabelSchema,
    tokenizer,
    pipeline_config: TrainConfig,
    warmup: int,
    max_epochs: int | None = None,
) -> dict:
    """The notebook recipe for one epoch against the pipeline for the same epochs, the same
    optimiser steps and the same training time (at most `max_epochs`: --quick)."""
    common = (spec, splits, schema, tokenizer, pipeline_config, warmup)
    notebook = train_recipe("notebook", *common)
    same_epochs = train_recipe("pipeline", *common)
    same_steps = train_recipe("pipeline", *common, batch_size=NOTEBOOK_BATCH)
    epochs = max(1, int(notebook["train_seconds"] // same_epochs["train_seconds"]))
    epochs = min(epochs, max_epochs or epochs)
    same_time = train_recipe("pipeline", *common, epochs)
    return {
        "notebook": notebook,
        "pipeline": same_time,  # its throughput is measured over the longest run
        "pipeline_same_epochs": same_epochs,
        "pipeline_batch8": same_steps,
    }


def inference_throughput(
    spec: ModelSpec, texts: list[str], schema: LabelSchema, tokenizer, rounds: int = 3
) -> dict:
    """Texts/s of one member (freshly initialised: speed does not depend on the weights)."""
    set_seed(0)
    model = build_model(spec, schema).eval()

    int8_model = quantize_int8(model)

    def predict_path():  # the defaults of `predict` / Predictor
        encodings = TextEncoding(NOTEBOOK_LENGTH).encode(tokenizer, texts)
        predict_proba(model, tokenizer, encodings, batch_size=64, precision="auto")

    def predict_path_int8():  # `predict --int8`
        encodings = TextEncoding(NOTEBOOK_LENGTH).encode(tokenizer, texts)
        predict_proba(int8_model, tokenizer, encodings, batch_size=64, precision="fp32")

    def notebook_way():
        with torch.no_grad():
            for start in range(0, len(texts), NOTEBOOK_BATCH):
                batch = tokenizer(texts[start : start + NOTEBOOK_BATCH], padding="max_length",
                                  truncation=True, max_length=NOTEBOOK_LENGTH, return_tensors="pt")  # fmt: skip
                torch.sigmoid(model(**batch).logits)

    classifier = pipeline("text-classification", model=model, tokenizer=tokenizer, top_k=None)

    def transformers_pipeline():
        classifier(texts)

    runs = {
        "predict_path": predict_path,
        "predict_path_int8": predict_path_int8,
        "notebook": notebook_way,
        "transformers_pipeline": transformers_pipeline,
    }
    for run in runs.values():
        run()  # warm-up
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(rounds):  # interleaved: a slow moment of the machine hits every method alike
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - start)
    return {name: len(texts) / seconds for name, seconds in best.items()}


def tiny_classifier(folder: Path, spec: ModelSpec, schema: LabelSchema, tokenizer) -> Path:
    """--quick: a classifier folder as tune_thresholds writes one, of one untrained member, no
    baseline and threshold 0.5 (what it predicts means nothing; loading and predicting run)."""
    member = folder / "member"
    set_seed(0)
    build_model(spec, schema).save_pretrained(member)
    tokenizer.save_pretrained(member)
    TextEncoding(NOTEBOOK_LENGTH).save(member)
    target = folder / "classifier"
    rule = DecisionRule.fixed(schema.label_names)
    card = "An untrained tiny classifier made by `python -m benchmarks.throughput --quick`.\n"
    write_classifier(target, {"tiny": member}, folder / "baseline", 0.0, rule, {}, card)
    return target


def shipped_classifier(model_dir: Path, params: dict) -> dict:
    """What the shipped classifier is made of: its manifest where it exists, else params'
    ensemble (what `dvc repro` would ship)."""
    if (model_dir / MANIFEST_FILE).is_file():
        manifest = Manifest.load(model_dir)
        return {
            "folder": str(model_dir),
            "members": len(manifest.members),
            "baseline_weight": manifest.baseline_weight,
        }
    members = (params.get("ensemble") or {}).get("members") or {"": {}}
    return {"folder": f"{model_dir} (absent)", "members": len(members), "baseline_weight": None}


def int8_quality(model_dir: Path, texts: list[str], gold: np.ndarray) -> dict:
    """Test metrics of the shipped classifier at its decision rule: the default predict path
    against --int8."""
    if not (model_dir / MANIFEST_FILE).is_file():
        return {"skipped": f"no trained model in {model_dir}: run dvc repro first"}
    scores = {}
    for name, int8 in (("default", False), ("int8", True)):
        predictor = Predictor(model_dir, int8=int8)
        predicted = binarize(
            predictor.predict_proba(texts), predictor.thresholds, predictor.rule.min_labels
        )
        scores[name] = label_metrics(gold, predicted)
    return scores


def timed_dvc(*args: str) -> tuple[float, str]:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "dvc", *args], capture_output=True, text=True, env=env, check=True
    )
    return time.perf_counter() - start, result.stdout


def dvc_overhead() -> dict:
    """No-op repro, and a repro after a threshold-only change (then put back and re-run)."""
    _, status = timed_dvc("status", "--json")
    if json.loads(status or "{}"):
        return {"skipped": "dvc status is not clean: run dvc repro first"}
    noop, _ = timed_dvc("repro")
    params_path = Path("params.yaml")
    original = params_path.read_text(encoding="utf-8")
    params = yaml.safe_load(original)
    params["tune_thresholds"]["grid_step"] = (
        0.1 if params["tune_thresholds"]["grid_step"] != 0.1 else 0.05
    )
    try:
        params_path.write_text(yaml.safe_dump(params, sort_keys=False), encoding="utf-8")
        changed, output = timed_dvc("repro", "--no-run-cache")  # really run, not restore
    finally:
        params_path.write_text(original, encoding="utf-8")
        timed_dvc("repro")
    ran = [line.split("'")[1] for line in output.splitlines() if line.startswith("Running stage")]
    return {
        "noop_repro_s": noop,
        "threshold_change_repro_s": changed,
        "stages_run_on_threshold_change": ran,
    }


def machine() -> str:
    cpu = f"{cpu_name()}, {platform.machine()}"
    device = f"GPU {torch.cuda.get_device_name()}" if torch.cuda.is_available() else "no GPU"
    bf16 = "native bf16" if bf16_native(torch.device("cpu")) else "no native bf16"
    return f"{cpu} ({bf16}), {os.cpu_count()} cores, {device}, torch {torch.__version__}"


def _quality(run: dict) -> str:
    return (
        f"{run['validation_average_precision_micro']:.4f} / {run['validation_micro_f1_at_0_5']:.4f}"
    )


def measures(report: dict) -> str:
    """What the table times: one member, not the shipped classifier (but for the int8 rows)."""
    shipped = report["shipped_classifier"]
    members = shipped["members"]
    baseline = shipped["baseline_weight"]
    mix = (
        " plus the TF-IDF baseline where tune_thresholds mixes it in"
        if baseline is None
        else f" plus the TF-IDF baseline at weight {baseline:g}"
        if baseline > 0
        else ""
    )
    quick = (
        " Under --quick it is an untrained tiny classifier built for the run: every figure here "
        "is a smoke test of the code paths, not a measurement."
        if report.get("quick")
        else ""
    )
    return (
        f"What is measured: training and inference rows time **one member**, a single plain "
        f"{report['model']} classifier (no label names, no baseline; inference on a freshly "
        f"initialised one), not the shipped classifier. The shipped classifier "
        f"({shipped['folder']}) averages {members} member(s){mix}, so its `predict` takes "
        f"about {members}x a member's time; the int8 quality row measures it through "
        f"`Predictor`.{quick}"
    )


def markdown(report: dict) -> str:
    train, infer = report["training"], report["inference"]
    notebook, ratio = train["notebook"], report["ratios"]
    lines = [
        f"Machine: {report['machine']}; {report['train_samples']} training texts, "
        f"{report['inference_texts']} texts for inference, model {report['model']}.",
        "",
        measures(report),
        "",
        "| measure | notebook recipe | pipeline | ratio / note |",
        "| --- | ---: | ---: | --- |",
        f"| training samples/s (after warm-up) | {notebook['samples_per_s']:.1f} | "
        f"{train['pipeline']['samples_per_s']:.1f} | **{ratio['training']:.1f}x** |",
    ]
    quality_rows = [
        ("same training time", "pipeline"),
        ("same epochs", "pipeline_same_epochs"),
        ("same optimiser steps (pipeline at batch 8)", "pipeline_batch8"),
    ]
    for label, key in quality_rows:
        run = train[key]
        lines.append(
            f"| validation micro-AP / micro-F1 at 0.5, {label} | {_quality(notebook)} | "
            f"{_quality(run)} | notebook 1 epoch, {notebook['optimizer_steps']} steps, "
            f"{notebook['train_seconds']:.0f} s; pipeline {run['epochs']} epoch(s), "
            f"{run['optimizer_steps']} steps of {run['batch_size']}, {run['train_seconds']:.0f} s |"
        )
    lines += [
        f"| inference texts/s, `predict` default | {infer['notebook']:.1f} | "
        f"{infer['predict_path']:.1f} | **{ratio['inference']:.1f}x** |",
        f"| inference texts/s, `predict --int8` | {infer['notebook']:.1f} | "
        f"{infer['predict_path_int8']:.1f} | {infer['predict_path_int8'] / infer['notebook']:.1f}x |",
        f"| inference texts/s, `transformers.pipeline` defaults | {infer['notebook']:.1f} | "
        f"{infer['transformers_pipeline']:.1f} | "
        f"{infer['transformers_pipeline'] / infer['notebook']:.1f}x |",
    ]
    int8 = report["int8_quality"]
    if "skipped" not in int8:
        default, quantised = (
            " / ".join(f"{int8[name][key]:.4f}" for key in ("jaccard", "micro_f1", "macro_f1"))
            for name in ("default", "int8")
        )
        lines.append(
            f"| shipped classifier, test Jaccard / micro-F1 / macro-F1 at its tuned rule | | "
            f"default {default} | `--int8`: {quantised} |"
        )
    overhead = report["overhead"]
    if "skipped" in overhead:
        lines.append(f"| dvc overhead | skipped: {overhead['skipped']} | | |")
    else:
        lines += [
            f"| no-op `dvc repro` (s) | | {overhead['noop_repro_s']:.2f} | |",
            f"| `dvc repro` after a threshold change (s) | | "
            f"{overhead['threshold_change_repro_s']:.2f} | "
            f"runs: {', '.join(overhead['stages_run_on_threshold_change'])} |",
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train-samples", type=int, help="default 1024 (--quick: 48)")
    parser.add_argument("--warmup-steps", type=int, help="default 5 (--quick: 1)")
    parser.add_argument(
        "--skip-dvc", action="store_true", help="leave out the dvc overhead measures"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke test of the same code paths in well under a minute: the tiny model, "
        f"{QUICK['rows']} texts a split, one epoch, a tiny classifier in a temporary folder, no dvc; "
        "writes only under --output",
    )
    parser.add_argument(
        "--output",
        type=Path,
        help=f"folder for latest.json and latest.md (default {RESULTS}, which also updates "
        "benchmarks/README.md; --quick: a new temporary folder)",
    )
    args = parser.parse_args()
    quick = QUICK if args.quick else {}
    train_samples = args.train_samples or quick.get("train_samples", 1024)
    warmup = args.warmup_steps if args.warmup_steps is not None else quick.get("warmup_steps", 5)
    if args.quick and args.output and args.output.resolve().is_relative_to(RESULTS.resolve()):
        parser.error(f"--quick does not write to {RESULTS}: give another --output")
    output = args.output or (
        Path(tempfile.mkdtemp(prefix="mltc-benchmark-quick-")) if args.quick else RESULTS
    )

    params = yaml.safe_load(Path("params.yaml").read_text(encoding="utf-8"))
    if args.quick:  # the first rows of each split only
        params["data"]["max_rows"] = quick["rows"]
    loaded, schema = read_splits(DataConfig.from_params(params))  # the data of params.yaml
    frames = {split: data.frame() for split, data in loaded.items()}
    splits = DatasetDict(
        train=Dataset.from_pandas(
            frames["train"].sample(train_samples, random_state=0), preserve_index=False
        ),
        validation=Dataset.from_pandas(frames["validation"], preserve_index=False),
    )
    model = quick.get("model", "minilm")
    spec = registry.resolve(model)
    tokenizer = load_tokenizer(spec)
    pipeline_config = TrainConfig.from_params(params, spec)

    training = training_comparison(
        spec, splits, schema, tokenizer, pipeline_config, warmup, quick.get("max_epochs")
    )
    inference = inference_throughput(spec, list(splits["validation"]["text"]), schema, tokenizer)
    with tempfile.TemporaryDirectory(prefix="mltc-benchmark-classifier-") as scratch:
        classifier = (
            tiny_classifier(Path(scratch), spec, schema, tokenizer)
            if args.quick
            else paths.CLASSIFIER
        )
        shipped = shipped_classifier(classifier, params)
        int8 = int8_quality(classifier, list(loaded["test"].texts), loaded["test"].gold)
    if args.quick:
        print(f"--quick: the int8 row used an untrained tiny classifier (in {classifier}, removed)")
    if args.quick and not args.skip_dvc:
        print("--quick: dvc overhead left out (it re-runs dvc repro and edits params.yaml)")
    report = {
        "machine": machine(),
        "model": model,
        "quick": args.quick,
        "train_samples": train_samples,
        "inference_texts": len(splits["validation"]),
        "shipped_classifier": shipped,
        "pipeline_train_settings": {
            "batch_size": pipeline_config.batch_size,
            "sampling_strategy": pipeline_config.sampling_strategy,
            "optimizer": pipeline_config.optimizer,
            "precision": resolve_precision(pipeline_config.precision, best_device()),
        },
        "training": training,
        "inference": inference,
        "int8_quality": int8,
        "overhead": {"skipped": "--skip-dvc" if args.skip_dvc else "--quick"}
        if args.skip_dvc or args.quick
        else dvc_overhead(),
    }
    report["measures"] = measures(report)
    report["ratios"] = {
        "training": training["pipeline"]["samples_per_s"] / training["notebook"]["samples_per_s"],
        "inference": inference["predict_path"] / inference["notebook"],
    }
    output.mkdir(parents=True, exist_ok=True)
    (output / "latest.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    (output / "latest.md").write_text(markdown(report), encoding="utf-8")
    if not args.quick and output == RESULTS:
        update_section(Path("benchmarks/README.md"), "benchmark", markdown(report))
    print(markdown(report))
    print(
        f"training {report['ratios']['training']:.1f}x (target >= 8x), inference {report['ratios']['inference']:.1f}x (target >= 10x)"
    )
    print(f"wrote {output / 'latest.json'} and {output / 'latest.md'}")


if __name__ == "__main__":
    main()
