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

Run from the project root: `python benchmarks/throughput.py` (or `make benchmark`). It writes
benchmarks/results/latest.json and latest.md, puts the table in the README and prints the ratios.
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
    default_data_collator,
    pipeline,
    set_seed,
)

from mltc import paths
from mltc.data import sources
from mltc.data.labels import LabelSchema
from mltc.data.text import TextEncoding, tokenize_splits
from mltc.ensemble.manifest import MANIFEST_FILE
from mltc.metrics import binarize, label_metrics, ranking_metrics
from mltc.modeling import registry
from mltc.modeling.build import build_model, load_tokenizer
from mltc.modeling.hardware import best_device, bf16_native, resolve_precision
from mltc.modeling.inference import predict_proba
from mltc.modeling.training import build_classifier, training_arguments
from mltc.params import DataConfig, TrainConfig
from mltc.report import update_section
from mltc.serving.predictor import Predictor, quantize_int8

RESULTS = Path("benchmarks/results")
SCRATCH = Path(tempfile.gettempdir()) / "mltc-benchmark"  # Trainer output_dir; nothing is saved
NOTEBOOK_LENGTH, NOTEBOOK_BATCH = 128, 8


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


def notebook_encode(tokenizer, frame: Dataset) -> Dataset:
    def encode(batch):
        encoded = tokenizer(
            batch["text"], padding="max_length", truncation=True, max_length=NOTEBOOK_LENGTH
        )
        encoded["labels"] = np.asarray(batch["labels"], dtype=np.float32)
        return dict(encoded)

    return frame.map(encode, batched=True, remove_columns=frame.column_names)


def train_recipe(
    recipe: str,
    splits: DatasetDict,
    schema: LabelSchema,
    tokenizer,
    pipeline_config: TrainConfig,
    warmup: int,
    epochs: int = 1,
    batch_size: int | None = None,
) -> dict:
    """Train a fresh MiniLM on the slice: throughput after warm-up, wall time, then validation
    metrics (micro average precision, threshold-free, and micro-F1 at 0.5). `batch_size` replaces
    the pipeline's own (to compare the pipeline's levers at the notebook's optimiser steps)."""
    set_seed(0)
    spec = registry.resolve("minilm")
    if recipe == "notebook":  # the checkpoint as it comes (dropout 0.1, default attention)
        model = build_model(spec, schema)
    else:  # the train stage's (its dropout, attention kernel and seed)
        model = build_classifier(spec, schema, pipeline_config)
    timer = ThroughputTimer(warmup)
    if recipe == "notebook":
        train = notebook_encode(tokenizer, splits["train"])
        batch = NOTEBOOK_BATCH
        args = TrainingArguments(
            output_dir=str(SCRATCH), per_device_train_batch_size=batch, num_train_epochs=epochs,
            learning_rate=pipeline_config.learning_rate, save_strategy="no", eval_strategy="no",
            report_to="none", disable_tqdm=True, seed=0, dataloader_pin_memory=False,
        )  # fmt: skip
        collator = default_data_collator
    else:
        processed, _ = tokenize_splits(
            DatasetDict(train=splits["train"]), tokenizer, TextEncoding(128)
        )
        train = processed["train"]
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
    val = splits["validation"]
    gold = np.asarray(val["labels"], dtype=np.int8)
    encodings = tokenizer(list(val["text"]), truncation=True, max_length=128)
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
    splits: DatasetDict, schema: LabelSchema, tokenizer, pipeline_config: TrainConfig, warmup: int
) -> dict:
    """The notebook recipe for one epoch against the pipeline for the same epochs, the same
    optimiser steps and the same training time."""
    common = (splits, schema, tokenizer, pipeline_config, warmup)
    notebook = train_recipe("notebook", *common)
    same_epochs = train_recipe("pipeline", *common)
    same_steps = train_recipe("pipeline", *common, batch_size=NOTEBOOK_BATCH)
    epochs = max(1, int(notebook["train_seconds"] // same_epochs["train_seconds"]))
    same_time = train_recipe("pipeline", *common, epochs)
    return {
        "notebook": notebook,
        "pipeline": same_time,  # its throughput is measured over the longest run
        "pipeline_same_epochs": same_epochs,
        "pipeline_batch8": same_steps,
    }


def inference_throughput(texts: list[str], schema: LabelSchema, tokenizer, rounds: int = 3) -> dict:
    set_seed(0)
    model = build_model(registry.resolve("minilm"), schema).eval()

    int8_model = quantize_int8(model)

    def predict_path():  # the defaults of `predict` / Predictor
        encodings = tokenizer(texts, truncation=True, max_length=128)
        predict_proba(model, tokenizer, encodings, batch_size=64, precision="auto")

    def predict_path_int8():  # `predict --int8`
        encodings = tokenizer(texts, truncation=True, max_length=128)
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


def int8_quality(model_dir: Path, texts: list[str], gold: np.ndarray) -> dict:
    """Test metrics at the shipped decision rule: the default predict path against --int8."""
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
    cpu = platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        names = [
            line.split(":", 1)[1].strip()
            for line in cpuinfo.read_text().splitlines()
            if line.startswith("model name")
        ]
        cpu = names[0] if names else cpu
    device = f"GPU {torch.cuda.get_device_name()}" if torch.cuda.is_available() else "no GPU"
    bf16 = "native bf16" if bf16_native(torch.device("cpu")) else "no native bf16"
    return f"{cpu} ({bf16}), {os.cpu_count()} cores, {device}, torch {torch.__version__}"


def _quality(run: dict) -> str:
    return (
        f"{run['validation_average_precision_micro']:.4f} / {run['validation_micro_f1_at_0_5']:.4f}"
    )


def markdown(report: dict) -> str:
    train, infer = report["training"], report["inference"]
    notebook, ratio = train["notebook"], report["ratios"]
    lines = [
        f"Machine: {report['machine']}; {report['train_samples']} training texts, "
        f"{report['inference_texts']} texts for inference, model {report['model']}.",
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
            f"| trained model, test Jaccard / micro-F1 / macro-F1 at its tuned rule | | "
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
    parser.add_argument("--train-samples", type=int, default=1024)
    parser.add_argument("--warmup-steps", type=int, default=5)
    parser.add_argument(
        "--skip-dvc", action="store_true", help="leave out the dvc overhead measures"
    )
    args = parser.parse_args()

    params = yaml.safe_load(Path("params.yaml").read_text(encoding="utf-8"))
    loaded = sources.load(DataConfig.from_params(params))  # the data of params.yaml
    frames = {split: data.frame() for split, data in loaded.splits.items()}
    splits = DatasetDict(
        train=Dataset.from_pandas(
            frames["train"].sample(args.train_samples, random_state=0), preserve_index=False
        ),
        validation=Dataset.from_pandas(frames["validation"], preserve_index=False),
    )
    tokenizer = load_tokenizer(registry.resolve("minilm"))
    pipeline_config = TrainConfig.from_params(params, registry.resolve("minilm"))

    training = training_comparison(
        splits, loaded.schema, tokenizer, pipeline_config, args.warmup_steps
    )
    inference = inference_throughput(list(splits["validation"]["text"]), loaded.schema, tokenizer)
    int8 = int8_quality(
        paths.CLASSIFIER, list(loaded.splits["test"].texts), loaded.splits["test"].gold
    )
    report = {
        "machine": machine(),
        "model": "minilm",
        "train_samples": args.train_samples,
        "inference_texts": len(splits["validation"]),
        "pipeline_train_settings": {
            "batch_size": pipeline_config.batch_size,
            "sampling_strategy": pipeline_config.sampling_strategy,
            "optimizer": pipeline_config.optimizer,
            "precision": resolve_precision(pipeline_config.precision, best_device()),
        },
        "training": training,
        "inference": inference,
        "int8_quality": int8,
        "overhead": {"skipped": "--skip-dvc"} if args.skip_dvc else dvc_overhead(),
    }
    report["ratios"] = {
        "training": training["pipeline"]["samples_per_s"] / training["notebook"]["samples_per_s"],
        "inference": inference["predict_path"] / inference["notebook"],
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    (RESULTS / "latest.md").write_text(markdown(report), encoding="utf-8")
    update_section(Path("benchmarks/README.md"), "benchmark", markdown(report))
    print(markdown(report))
    print(
        f"training {report['ratios']['training']:.1f}x (target >= 8x), inference {report['ratios']['inference']:.1f}x (target >= 10x)"
    )


if __name__ == "__main__":
    main()
