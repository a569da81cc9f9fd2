"""A bounded load test of `serve`: concurrent clients on 127.0.0.1, then the figures.

Starts `serve` on a free port of this machine with the classifier folder, sends `--requests`
requests of one text each from `--clients` threads (each request waits for its answer; the run
stops by itself), and reports throughput, p50/p99 latency, the server's resident memory after
the first and the last `--window` requests, and batch scoring of the same texts by `Predictor` in
this process for comparison. It fails when any answer is a 5xx or differs from `Predictor`'s
labels for the same text.

    python -m benchmarks.serve_load [--model models/classifier] [--clients 8] [--requests 3000]
                                    [--quick] [--output DIR]
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np
import psutil

from benchmarks.large_data import cpu_name
from mltc.serving.predictor import Predictor

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


def start_server(model: Path, port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "mltc.serving.server", "--model", str(model), "--port", str(port)],
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


def run(model: Path, clients: int, requests: int, window: int) -> dict:
    texts = test_tweets(requests)
    predictor = Predictor(model)
    started = time.perf_counter()
    expected_probs = predictor.predict_proba(texts)
    batch_seconds = time.perf_counter() - started
    expected = predictor.labels_from_proba(expected_probs)

    port = free_port()
    server = start_server(model, port)
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
        "members": len(predictor.members),
        "clients": clients,
        "requests": requests,
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
            f"`serve` under load: {report['clients']} clients, {report['requests']} requests of "
            f"one SemEval test tweet each, the classifier `{report['model']}` "
            f"({report['members']} member(s)); {report['cpu']}, {report['cores']} cores.",
            "",
            "| texts/s over HTTP | texts/s batch (`Predictor`) | HTTP / batch | p50 ms | p99 ms "
            "| 5xx | labels differing | resident MiB (after first / before last window / end) |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
            f"| {report['texts_per_s_http']} | {report['texts_per_s_batch']} | "
            f"{report['http_over_batch']} | {report['latency_ms_p50']} | "
            f"{report['latency_ms_p99']} | {report['status_5xx']} | "
            f"{report['labels_differing_from_predictor']} | "
            f"{report['resident_mib_after_first_window']} / "
            f"{report['resident_mib_before_last_window']} / {report['resident_mib_at_end']} |",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=Path("models/classifier"))
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--window", type=int, default=1000, help="requests a memory window")
    parser.add_argument("--quick", action="store_true", help="200 requests, windows of 50")
    parser.add_argument("--output", type=Path, default=Path("benchmarks/results/serve"))
    args = parser.parse_args()
    requests, window = (200, 50) if args.quick else (args.requests, args.window)
    if requests < 2 * window:
        parser.error("--requests must be at least two --window")
    report = run(args.model, args.clients, requests, window)
    table = markdown(report)
    print(table)
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
    (args.output / "latest.md").write_text(table + "\n")
    if report["status_5xx"] or report["labels_differing_from_predictor"]:
        raise SystemExit(
            f"{report['status_5xx']} 5xx answers, {report['labels_differing_from_predictor']} "
            "answers whose labels differ from Predictor's"
        )


if __name__ == "__main__":
    main()
