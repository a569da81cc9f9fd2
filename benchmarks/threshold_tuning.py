"""Time of the tune_thresholds search (both strategies, both fallbacks, 5-fold CV) as the label
count grows, on synthetic validation probabilities of 886 texts (SemEval's validation size).

    python -m benchmarks.threshold_tuning [--labels 11 50 200 500] [--texts 886]
"""

import argparse
import time

import numpy as np

from mltc.decision.config import TuningConfig
from mltc.decision.thresholds import tune


def synthetic(texts: int, labels: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """About 2 labels a text; probabilities informative but noisy."""
    rng = np.random.default_rng(seed)
    gold = rng.random((texts, labels)) < min(0.5, 2.0 / labels)
    probs = np.clip(0.4 * gold + 0.6 * rng.random((texts, labels)) ** 2, 0.0, 1.0)
    return probs, gold.astype(np.int8)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=int, nargs="+", default=[11, 50, 200, 500])
    parser.add_argument("--texts", type=int, default=886)
    args = parser.parse_args()
    config = TuningConfig("auto", "micro_f1", "auto", 0.05, 0.5, 5, 42)
    print("| labels | texts | tune_thresholds search (s) | chosen |")
    print("| ---: | ---: | ---: | --- |")
    for labels in args.labels:
        probs, gold = synthetic(args.texts, labels)
        started = time.perf_counter()
        result = tune(probs, gold, config)
        seconds = time.perf_counter() - started
        print(
            f"| {labels} | {args.texts} | {seconds:.2f} | {result.strategy}, min_labels={result.min_labels} |"
        )


if __name__ == "__main__":
    main()
