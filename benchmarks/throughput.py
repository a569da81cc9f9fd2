"""Benchmark: the pipeline's training and inference settings against the notebook recipe.

The notebook this project grew from pads every tweet to 128 tokens, trains with batch size 8 in
fp32 and evaluates with the same padding. This script measures, on one machine and on the same
data slice and model (the packaged MiniLM):

1. training throughput (samples/s after warm-up) of the notebook recipe and of the train stage's
   settings, and validation micro-F1 after one epoch of each on the slice;
2. inference throughput (texts/s) of the predict path, of the notebook way, and of
   `transformers.pipeline` with its defaults;
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

from mltc import registry, semeval
from mltc.features import tokenize_splits
from mltc.hardware import best_device, bf16_native, resolve_precision
from mltc.inference import predict_proba
from mltc.metrics import ranking_metrics
from mltc.modeling import build_model, load_tokenizer
from mltc.params import TrainConfig
from mltc.predict import quantize_int8
from mltc.report import update_readme
from mltc.training import training_arguments

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
    label_names = list(semeval.LABEL_NAMES)

    def encode(batch):
        encoded = tokenizer(
            batch["text"], padding="max_length", truncation=True, max_length=NOTEBOOK_LENGTH
        )
        encoded["labels"] = np.stack(
            [np.asarray(batch[n], dtype=np.float32) for n in label_names], axis=1
        )
        return dict(encoded)

    return frame.map(encode, batched=True, remove_columns=frame.column_names)


def train_one_epoch(
    recipe: str,
    splits: DatasetDict,
    tokenizer,
    pipeline_config: TrainConfig,
    warmup: int,
    batch_size: int | None = None,
) -> dict:
    """Train a fresh MiniLM for one epoch on the slice: throughput after warm-up, then validation
    micro average precision. `batch_size` replaces the pipeline's own (the quality check runs
    the pipeline's levers at the notebook's batch size, so both take the same optimiser steps)."""
    set_seed(0)
    model = build_model(registry.resolve("minilm"), semeval.SCHEMA)
    timer = ThroughputTimer(warmup)
    if recipe == "notebook":
        train = notebook_encode(tokenizer, splits["train"])
        batch = NOTEBOOK_BATCH
        args = TrainingArguments(
            output_dir=str(SCRATCH), per_device_train_batch_size=batch, num_train_epochs=1,
            learning_rate=pipeline_config.learning_rate, save_strategy="no", eval_strategy="no",
            report_to="none", disable_tqdm=True, seed=0, dataloader_pin_memory=False,
        )  # fmt: skip
        collator = default_data_collator
    else:
        processed = tokenize_splits(
            DatasetDict(train=splits["train"]), tokenizer, 128, semeval.SCHEMA
        )
        train = processed["train"]
        batch = batch_size or pipeline_config.batch_size
        args = training_arguments(
            pipeline_config, SCRATCH, eval_strategy="no", save_strategy="no",
            load_best_model_at_end=False, num_train_epochs=1, disable_tqdm=True,
            per_device_train_batch_size=batch,
        )  # fmt: skip
        collator = DataCollatorWithPadding(tokenizer)
    trainer = Trainer(
        model=model, args=args, train_dataset=train, data_collator=collator, callbacks=[timer]
    )
    trainer.train()
    samples_per_s = timer.steps * batch / (timer.end - timer.start)
    val = splits["validation"]
    gold = np.stack([np.asarray(val[n]) for n in semeval.LABEL_NAMES], axis=1)
    encodings = tokenizer(list(val["text"]), truncation=True, max_length=128)
    probs = predict_proba(model, tokenizer, encodings, batch_size=64, precision="fp32")
    return {
        "samples_per_s": samples_per_s,
        "batch_size": batch,
        # threshold-free, so that a short run on a slice still compares the two recipes
        "validation_average_precision_micro": ranking_metrics(gold, probs)[
            "average_precision_micro"
        ],
    }


def inference_throughput(texts: list[str], tokenizer, repeats: int = 2) -> dict:
    set_seed(0)
    model = build_model(registry.resolve("minilm"), semeval.SCHEMA).eval()

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
    results = {}
    for name, run in runs.items():
        run()  # warm-up
        start = time.perf_counter()
        for _ in range(repeats):
            run()
        results[name] = len(texts) * repeats / (time.perf_counter() - start)
    return results


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


def markdown(report: dict) -> str:
    train, infer = report["training"], report["inference"]
    lines = [
        f"Machine: {report['machine']}; {report['train_samples']} training texts, "
        f"{report['inference_texts']} texts for inference, model {report['model']}.",
        "",
        "| measure | notebook recipe | pipeline | ratio |",
        "| --- | ---: | ---: | ---: |",
        f"| training samples/s (after warm-up) | {train['notebook']['samples_per_s']:.1f} | "
        f"{train['pipeline']['samples_per_s']:.1f} | {report['ratios']['training']:.1f}x |",
        f"| validation micro average precision after 1 epoch on the slice | "
        f"{train['notebook']['validation_average_precision_micro']:.4f} | "
        f"{train['pipeline']['validation_average_precision_micro']:.4f} | (4x fewer steps at batch 32) |",
        f"| the same, pipeline settings at batch 8 (same optimiser steps) | "
        f"{train['notebook']['validation_average_precision_micro']:.4f} | "
        f"{train['pipeline_batch8']['validation_average_precision_micro']:.4f} | "
        f"({train['pipeline_batch8']['samples_per_s']:.1f} samples/s) |",
        f"| inference texts/s | {infer['notebook']:.1f} | {infer['predict_path']:.1f} | "
        f"{report['ratios']['inference']:.1f}x |",
        f"| inference texts/s, `predict --int8` | {infer['notebook']:.1f} | {infer['predict_path_int8']:.1f} | "
        f"{infer['predict_path_int8'] / infer['notebook']:.1f}x |",
        f"| inference texts/s, `transformers.pipeline` defaults | {infer['notebook']:.1f} | "
        f"{infer['transformers_pipeline']:.1f} | {infer['transformers_pipeline'] / infer['notebook']:.1f}x |",
    ]
    overhead = report["overhead"]
    if "skipped" in overhead:
        lines.append(f"| dvc overhead | skipped: {overhead['skipped']} | | |")
    else:
        lines += [
            f"| no-op `dvc repro` (s) | | {overhead['noop_repro_s']:.2f} | |",
            f"| `dvc repro` after a threshold change (s) | | {overhead['threshold_change_repro_s']:.2f} | "
            f"runs: {', '.join(overhead['stages_run_on_threshold_change'])} |",
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data-dir", default=None, help="SemEval release folder (default: params.yaml)"
    )
    parser.add_argument("--train-samples", type=int, default=1024)
    parser.add_argument("--warmup-steps", type=int, default=5)
    parser.add_argument(
        "--skip-dvc", action="store_true", help="leave out the dvc overhead measures"
    )
    args = parser.parse_args()

    params = yaml.safe_load(Path("params.yaml").read_text(encoding="utf-8"))
    data_dir = Path(args.data_dir or params["download"]["local_dir"])
    frames = semeval.read_local_release(data_dir, params["download"]["language"])
    splits = DatasetDict(
        train=Dataset.from_pandas(
            frames["train"].sample(args.train_samples, random_state=0), preserve_index=False
        ),
        validation=Dataset.from_pandas(frames["validation"], preserve_index=False),
    )
    tokenizer = load_tokenizer(registry.resolve("minilm"))
    pipeline_config = TrainConfig.from_params(params, registry.resolve("minilm"))

    training = {
        recipe: train_one_epoch(recipe, splits, tokenizer, pipeline_config, args.warmup_steps)
        for recipe in ("notebook", "pipeline")
    }
    training["pipeline_batch8"] = train_one_epoch(
        "pipeline", splits, tokenizer, pipeline_config, args.warmup_steps, batch_size=NOTEBOOK_BATCH
    )
    inference = inference_throughput(list(splits["validation"]["text"]), tokenizer)
    report = {
        "machine": machine(),
        "model": "minilm",
        "train_samples": args.train_samples,
        "inference_texts": len(splits["validation"]),
        "pipeline_train_settings": {
            "batch_size": pipeline_config.batch_size,
            "sampling_strategy": pipeline_config.sampling_strategy,
            "precision": resolve_precision(pipeline_config.precision, best_device()),
        },
        "training": training,
        "inference": inference,
        "overhead": {"skipped": "--skip-dvc"} if args.skip_dvc else dvc_overhead(),
    }
    report["ratios"] = {
        "training": training["pipeline"]["samples_per_s"] / training["notebook"]["samples_per_s"],
        "inference": inference["predict_path"] / inference["notebook"],
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    (RESULTS / "latest.md").write_text(markdown(report), encoding="utf-8")
    update_readme("benchmark", markdown(report))
    print(markdown(report))
    print(
        f"training {report['ratios']['training']:.1f}x (target >= 8x), inference {report['ratios']['inference']:.1f}x (target >= 10x)"
    )


if __name__ == "__main__":
    main()
