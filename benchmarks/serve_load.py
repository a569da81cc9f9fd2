"""A bounded load test of `serve`: concurrent clients on 127.0.0.1, then the figures.

Starts `serve` on a free port of this machine with the classifier folder, first sends
`--single` requests of one text one after the other (one client: the latency of a lone text),
then `--requests` requests of one text each from `--clients` threads (each request waits for its
answer; the run stops by itself), and reports single-text p50/p99 latency, throughput and p50/p99
latency under load, the server's resident memory after the first and the last `--window`
requests, and batch scoring of the same texts by `Predictor` in this process for comparison. It
fails when any answer is a 5xx or, in full precision, differs from `Predictor`'s labels for the
same text. With `--int8` the differing answers are counted, not failed: dynamic quantisation
scales a batch's activations by the batch's own range, so a text's int8 probabilities depend on
the texts it is scored with (the server batches concurrent requests as they come).

    python -m benchmarks.serve_load [--backend onnx [--int8]] [--model FOLDER] [--clients 8]
                                    [--requests 3000] [--quick] [--output DIR]

The default folder is the backend's (models/classifier, or models/export for onnx); the default
output benchmarks/results/serve/<backend>[-int8].
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np
import psutil

from benchmarks.large_data import cpu_name
from mltc.serving.backends import BACKENDS, model_folder
from mltc.serving.predictor import Predictor

RESULTS = Path("benchmarks/results/serve")
SEMEVAL_TEST = Path("data/semeval2018-task1/English/E-c/2018-E-c-En-test-gold.txt")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_tweets(count: int) -> list[str]:
    """The first texts of the SemEval test split, repeated as needed (one request each)."""
    lines = SEMEVAL_TEST.read_text(encoding="utf-8").splitlines()[1:]
    tweets = [line.split("\t")[1] for line in lines]
    return [tweets[i % len(tweets)] for i in range(count)]


def start_server(model: Path, port: int, options: list[str]) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "mltc.serving.server", "--model", str(model), "--port", str(port),
         *options],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"serve exited: {process.stderr.read()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("serve did not answer /health within 180 s")


def run(
    model: Path, backend: str, int8: bool, clients: int, requests: int, window: int, single: int
) -> dict:
    texts = test_tweets(requests)
    predictor = Predictor(model, backend=backend, int8=int8)
    started = time.perf_counter()
    expected_probs = predictor.predict_proba(texts)
    batch_seconds = time.perf_counter() - started
    expected = predictor.labels_from_proba(expected_probs)

    port = free_port()
    server = start_server(model, port, ["--backend", backend, *(["--int8"] if int8 else [])])
    memory = psutil.Process(server.pid)
    latencies, statuses, answers = [0.0] * requests, [0] * requests, [None] * requests
    resident = {}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:

        def one(index: int) -> None:
            begin = time.perf_counter()
            response = client.post("/predict", json={"texts": [texts[index]]})
            latencies[index] = time.perf_counter() - begin
            statuses[index] = response.status_code
            if response.status_code == 200:
                answers[index] = response.json()["predictions"][0]["labels"]
            if index + 1 == window:
                resident["first"] = memory.memory_info().rss
            if index + 1 == requests - window:
                resident["before_last"] = memory.memory_info().rss

        try:
            client.post("/predict", json={"texts": texts[:8]})  # warm up
            alone = []
            for text in texts[:single]:
                begin = time.perf_counter()
                client.post("/predict", json={"texts": [text]}).raise_for_status()
                alone.append((time.perf_counter() - begin) * 1000)
            began = time.perf_counter()
            with ThreadPoolExecutor(clients) as pool:
                list(pool.map(one, range(requests)))
            seconds = time.perf_counter() - began
            resident["last"] = memory.memory_info().rss
        finally:
            server.terminate()
            server.wait(timeout=30)
    failures = sum(status >= 500 for status in statuses)
    differing = sum(answer != want for answer, want in zip(answers, expected, strict=True))
    milliseconds = np.array(latencies) * 1000
    report = {
        "cpu": cpu_name(),
        "cores": os.cpu_count(),
        "model": str(model),
        "backend": backend + (" int8" if int8 else ""),
        "members": len(predictor.members),
        "clients": clients,
        "requests": requests,
        "single_requests": single,
        "single_ms_p50": round(float(np.percentile(alone, 50)), 1),
        "single_ms_p99": round(float(np.percentile(alone, 99)), 1),
        "texts_per_s_http": round(requests / seconds, 1),
        "texts_per_s_batch": round(requests / batch_seconds, 1),
        "http_over_batch": round(batch_seconds / seconds, 3),
        "latency_ms_p50": round(float(np.percentile(milliseconds, 50)), 1),
        "latency_ms_p99": round(float(np.percentile(milliseconds, 99)), 1),
        "status_5xx": failures,
        "labels_differing_from_predictor": differing,
        "resident_mib_after_first_window": round(resident["first"] / 2**20, 1),
        "resident_mib_before_last_window": round(resident["before_last"] / 2**20, 1),
        "resident_mib_at_end": round(resident["last"] / 2**20, 1),
        "window": window,
    }
    return report


def markdown(report: dict) -> str:
    return "\n".join(
        [
            f"`serve`: {report['single_requests']} requests of one SemEval test tweet one after "
            f"the other, then under load: {report['clients']} clients, {report['requests']} "
            f"requests of one tweet each, the classifier `{report['model']}` "
            f"({report['members']} member(s), backend {report['backend']}); {report['cpu']}, "
            f"{report['cores']} cores.",
            "",
            "| one client: p50 ms | p99 ms | texts/s over HTTP | texts/s batch (`Predictor`) "
            "| HTTP / batch | p50 ms | p99 ms | 5xx | labels differing "
            "| resident MiB (after first / before last window / end) |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
            f"| {report['single_ms_p50']} | {report['single_ms_p99']} | "
            f"{report['texts_per_s_http']} | {report['texts_per_s_batch']} | "
            f"{report['http_over_batch']} | {report['latency_ms_p50']} | "
            f"{report['latency_ms_p99']} | {report['status_5xx']} | "
            f"{report['labels_differing_from_predictor']} | "
            f"{report['resident_mib_after_first_window']} / "
            f"{report['resident_mib_before_last_window']} / {report['resident_mib_at_end']} |",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=BACKENDS, default="torch")
    parser.add_argument("--int8", action="store_true")
    parser.add_argument("--model", type=Path, help="default: the backend's folder")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--window", type=int, default=1000, help="requests a memory window")
    parser.add_argument("--single", type=int, default=200, help="requests sent one at a time")
    parser.add_argument(
        "--quick", action="store_true",
        help="200 requests, windows of 50; writes only under --output (default: a new temporary "
        "folder)",
    )  # fmt: skip
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()
    requests, window, single = (
        (200, 50, 20) if args.quick else (args.requests, args.window, args.single)
    )
    if requests < 2 * window:
        parser.error("--requests must be at least two --window")
    if args.quick and args.output and args.output.resolve().is_relative_to(RESULTS.resolve()):
        parser.error(f"--quick does not write to {RESULTS}: give another --output")
    model = model_folder(args.model, args.backend)
    output = args.output or (
        Path(tempfile.mkdtemp(prefix="mltc-serve-quick-")) if args.quick
        else RESULTS / f"{args.backend}{'-int8' if args.int8 else ''}"
    )  # fmt: skip
    report = run(model, args.backend, args.int8, args.clients, requests, window, single)
    table = markdown(report)
    print(table)
    output.mkdir(parents=True, exist_ok=True)
    (output / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
    (output / "latest.md").write_text(table + "\n")
    if report["status_5xx"] or (report["labels_differing_from_predictor"] and not args.int8):
        raise SystemExit(
            f"{report['status_5xx']} 5xx answers, {report['labels_differing_from_predictor']} "
            "answers whose labels differ from Predictor's"
        )


if __name__ == "__main__":
    main()
