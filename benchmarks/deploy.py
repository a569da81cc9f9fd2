"""Benchmark: what the shipped classifier costs to run, by backend, with its test metrics.

For models/classifier (torch) and its export models/export (onnxruntime), on one machine:
batch throughput over the test split (texts/s, `Predictor.predict_proba` on every test text at
once), single-text latency in this process (p50 and p99 over `--latency-texts` texts sent one
at a time), `predict` cold start (a new process labelling one text, median of `--cold-starts`),
and the test metrics at the shipped rule from the same probabilities. The backends run one after
the other, each loaded once; the first call of each is a warm-up. HTTP figures come from
`benchmarks.serve_load`.

    python -m benchmarks.deploy [--quick] [--output DIR]

It writes DIR/latest.json and latest.md (default benchmarks/results/deploy, which also updates
benchmarks/README.md); `--quick` scores 32 texts, 10 single texts and one cold start per backend,
and writes only under --output (default: a new temporary folder).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.large_data import cpu_name
from mltc.core import paths, split_files
from mltc.core.labels import LabelSchema
from mltc.core.markdown import update_section
from mltc.core.metrics import HEADLINE_METRICS, binarize, label_metrics
from mltc.ensemble.classifier_folder import Manifest
from mltc.serving.predictor import Predictor

RESULTS = Path("benchmarks/results/deploy")
README = Path("benchmarks/README.md")
# name: (folder, Predictor options, predict options)
VARIANTS = {
    "torch": (paths.CLASSIFIER, {}, []),
    "torch int8": (paths.CLASSIFIER, {"int8": True}, ["--int8"]),
    "onnx fp32": (paths.EXPORT, {"backend": "onnx"}, ["--backend", "onnx"]),
    "onnx int8": (paths.EXPORT, {"backend": "onnx", "int8": True},
                  ["--backend", "onnx", "--int8"]),
}  # fmt: skip


def cold_start(folder: Path, options: list[str], runs: int) -> float:
    """Seconds for a new `predict` process to label one text (median of `runs`)."""
    predict = Path(sys.executable).parent / "predict"
    seconds = []
    for _ in range(runs):
        began = time.perf_counter()
        subprocess.run([str(predict), "--model", str(folder), *options, "what a day"],
                       check=True, capture_output=True)  # fmt: skip
        seconds.append(time.perf_counter() - began)
    return statistics.median(seconds)


def measure(name: str, texts: list[str], gold: np.ndarray, latency_texts: int,
            cold_starts: int) -> dict:  # fmt: skip
    folder, options, predict_options = VARIANTS[name]
    predictor = Predictor(folder, **options)
    predictor.predict_proba(texts[:64])  # warm-up
    began = time.perf_counter()
    probs = predictor.predict_proba(texts)
    batch_seconds = time.perf_counter() - began
    latencies = []
    for text in texts[:latency_texts]:
        began = time.perf_counter()
        predictor.predict_proba([text])
        latencies.append((time.perf_counter() - began) * 1000)
    scores = label_metrics(gold, binarize(probs, predictor.thresholds, predictor.rule.min_labels))
    return {
        "folder": str(folder),
        "texts_per_s": round(len(texts) / batch_seconds, 1),
        "latency_ms_p50": round(float(np.percentile(latencies, 50)), 1),
        "latency_ms_p99": round(float(np.percentile(latencies, 99)), 1),
        "cold_start_s": round(cold_start(folder, predict_options, cold_starts), 2),
        **{key: round(scores[key], 4) for key in HEADLINE_METRICS},
    }


def markdown(report: dict) -> str:
    rows = report["variants"]
    base = rows["torch"]["texts_per_s"]
    lines = [
        f"The shipped classifier ({report['members']} members, baseline weight "
        f"{report['baseline_weight']}) on the {report['texts']} test texts; {report['cpu']}, "
        f"{report['cores']} cores. Batch: every test text in one `predict_proba` call; latency: "
        "one text a call, in process; cold start: a new `predict` process labelling one text.",
        "",
        "| backend | texts/s (batch) | x torch | p50 ms | p99 ms | cold start s | Jaccard | "
        "micro-F1 | macro-F1 |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, row in rows.items():
        lines.append(
            f"| {name} | {row['texts_per_s']} | {row['texts_per_s'] / base:.2f} | "
            f"{row['latency_ms_p50']} | {row['latency_ms_p99']} | {row['cold_start_s']} | "
            f"{row['jaccard']:.4f} | {row['micro_f1']:.4f} | {row['macro_f1']:.4f} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: 32 texts")
    parser.add_argument("--latency-texts", type=int, default=200)
    parser.add_argument("--cold-starts", type=int, default=3)
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()
    if args.quick and args.output and args.output.resolve().is_relative_to(RESULTS.resolve()):
        parser.error(f"--quick does not write to {RESULTS}: give another --output")
    output = args.output or (
        Path(tempfile.mkdtemp(prefix="mltc-deploy-quick-")) if args.quick else RESULTS
    )
    schema = LabelSchema.load(paths.LABELS)
    frame = split_files.read_split("test")
    texts, gold = frame["text"].tolist(), split_files.gold_matrix(frame, schema, "test")
    latency_texts, cold_starts = args.latency_texts, args.cold_starts
    if args.quick:
        texts, gold, latency_texts, cold_starts = texts[:32], gold[:32], 10, 1
    manifest = Manifest.load(paths.CLASSIFIER)
    report = {
        "cpu": cpu_name(),
        "cores": os.cpu_count(),
        "texts": len(texts),
        "members": len(manifest.members),
        "baseline_weight": manifest.baseline_weight,
        "variants": {
            name: measure(name, texts, gold, latency_texts, cold_starts) for name in VARIANTS
        },
    }
    table = markdown(report)
    output.mkdir(parents=True, exist_ok=True)
    (output / "latest.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    (output / "latest.md").write_text(table, encoding="utf-8")
    if output == RESULTS:
        update_section(README, "deploy", table)
    print(table)
    print(f"wrote {output / 'latest.json'} and {output / 'latest.md'}")


if __name__ == "__main__":
    main()
