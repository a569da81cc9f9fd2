"""Windows against truncation on a learnable synthetic set whose deciding words lie past the first
window: the tiny model trained with each `preprocess.long_texts` setting and window pooling, over
seeds; test micro-F1 at threshold 0.5 (as the Trainer's validation metrics).

A text is 2 to 4 copies of one filler sentence (22 to 44 tokens) followed by the keywords of its
labels ("apple" for alpha, "river" for beta), each label in about half of the texts. Truncated at
16 tokens every text reads the same; in windows of 16 tokens the keywords fall in the last one.

    python -m benchmarks.long_texts [--seeds 1 2 3] [--out FILE.md]
"""

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
from datasets import Dataset, DatasetDict

from benchmarks.large_data import cpu_name
from mltc.core.labels import LabelSchema
from mltc.core.metrics import binarize, label_metrics
from mltc.core.text import TextEncoding, Windows
from mltc.core.tokenized import tokenize_splits
from mltc.modeling import registry, training
from mltc.modeling.config import TrainConfig
from mltc.modeling.inference import score_split
from mltc.modeling.model_files import load_tokenizer

LENGTH = 16  # tokens a window
KEYWORDS = {"alpha": "apple", "beta": "river"}  # a text has a label when it holds its keyword
FILLER = "the cat sat on the mat and looked at the door "  # 11 tokens, the same in every text
TRAIN_PARAMS = {
    "train": {
        "learning_rate": 2e-3, "batch_size": 16, "epochs": 30, "eval_batch_size": 32,
        "weight_decay": 0.0, "warmup_ratio": 0.1, "metric_for_best_model": "micro_f1",
        "early_stopping_patience": None, "sampling_strategy": "random",
        "optimizer": "adamw_torch_fused", "dropout": 0.0,
        "precision": "fp32", "logging_steps": 50, "seed": 3,
        "head_bias": "zero",  # as results/long_texts/synthetic.md was measured
    }
}  # fmt: skip
SETTINGS = {
    "truncate": None,
    "windows, max": Windows(overlap=4, pooling="max", max_windows=8),
    "windows, mean": Windows(overlap=4, pooling="mean", max_windows=8),
}


def long_texts(count: int, seed: int) -> Dataset:
    """`count` texts: 2 to 4 fillers, then the keywords of their labels."""
    rng = np.random.default_rng(seed)
    rows = {"id": [], "text": [], "labels": []}
    for index in range(count):
        gold = rng.integers(0, 2, size=len(KEYWORDS))
        words = [word for word, on in zip(KEYWORDS.values(), gold, strict=True) if on]
        rows["id"].append(f"{seed}-{index}")
        rows["text"].append(FILLER * int(rng.integers(2, 5)) + " ".join(words))
        rows["labels"].append(gold.astype(np.float32).tolist())
    return Dataset.from_dict(rows)


def synthetic_splits(seed: int = 0) -> DatasetDict:
    return DatasetDict(train=long_texts(192, 3 * seed), validation=long_texts(48, 3 * seed + 1),
                       test=long_texts(64, 3 * seed + 2))  # fmt: skip


def fit(splits: DatasetDict, tokenizer, encoding: TextEncoding, folder: Path,
        seed: int = 3) -> np.ndarray:  # fmt: skip
    """The tiny model trained on `splits` read with `encoding`: its test probabilities as
    `evaluate` computes them."""
    processed, _ = tokenize_splits(splits, tokenizer, encoding)
    spec = registry.resolve("tiny")
    config = TrainConfig.from_params({"train": {**TRAIN_PARAMS["train"], "seed": seed}}, spec)
    trainer = training.build_trainer(spec, LabelSchema(tuple(KEYWORDS)), processed, tokenizer,
                                     config, folder, encoding=encoding)  # fmt: skip
    trainer.train()
    return score_split(trainer.model, tokenizer, processed["test"], 32, "fp32", encoding.pooling)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    tokenizer = load_tokenizer(registry.resolve("tiny"))
    scores = {name: [] for name in SETTINGS}
    seconds = {name: 0.0 for name in SETTINGS}
    for seed in args.seeds:
        splits = synthetic_splits(seed)
        gold = np.asarray(splits["test"]["labels"], dtype=np.int8)
        for name, windows in SETTINGS.items():
            start = time.perf_counter()
            with tempfile.TemporaryDirectory() as folder:
                probs = fit(splits, tokenizer, TextEncoding(LENGTH, None, windows), Path(folder),
                            seed)  # fmt: skip
            seconds[name] += time.perf_counter() - start
            scores[name].append(label_metrics(gold, binarize(probs))["micro_f1"])
            print(name, seed, scores[name][-1], flush=True)
    lines = [
        f"{cpu_name()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; seeds "
        f"{', '.join(map(str, args.seeds))} (data and training)",
        "",
        "| setting | test micro-F1 by seed | mean | train + predict (s, all seeds) |",
        "| --- | --- | ---: | ---: |",
    ]
    for name, values in scores.items():
        by_seed = ", ".join(f"{value:.3f}" for value in values)
        lines.append(f"| {name} | {by_seed} | {np.mean(values):.3f} | {seconds[name]:.0f} |")
    print("\n".join(lines))
    if args.out:
        args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
