"""Time and peak memory of `download`, `preprocess` and the threshold search as the data grows.

Synthetic multi-label data (random words, about 2 of `--labels` labels a text, Zipf-distributed
label frequencies) is written as train/validation/test CSV files (80/10/10, label names joined by
spaces), then the real stage scripts run on it in a scratch copy of the project, each in its own
process whose memory (with its children's) is sampled. The threshold search runs on synthetic
validation probabilities of the validation split's size.

    python -m benchmarks.large_data [--sizes 10000 100000 1000000] [--labels 200] [--num-proc 2]
                                    [--no-search]
"""

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
import yaml

ROOT = Path(__file__).resolve().parents[1]
SPLIT_SHARES = {"train": 0.8, "validation": 0.1, "test": 0.1}
CHUNK = 100_000  # texts generated and written at a time
TUNING = """
import sys
from benchmarks.threshold_tuning import synthetic
from mltc.decision.thresholds import tune
from mltc.decision.config import TuningConfig
probs, gold = synthetic(int(sys.argv[1]), int(sys.argv[2]))
tune(probs, gold, TuningConfig("auto", "micro_f1", "auto", 0.05, 0.5, 5, 42))
"""


def write_split(path: Path, texts: int, labels: int, seed: int) -> None:
    """`texts` rows of id, text and space-joined label names, generated and written in chunks."""
    rng = np.random.default_rng(seed)
    vocabulary = np.array([f"w{i}" for i in range(20_000)])
    names = np.array([f"label{i:03d}" for i in range(labels)])
    frequency = 1.0 / np.arange(1, labels + 1) ** 1.1
    frequency /= frequency.sum()
    for start in range(0, texts, CHUNK):
        size = min(CHUNK, texts - start)
        lengths = rng.integers(8, 40, size)
        words = rng.choice(vocabulary, lengths.sum())
        bounds = np.cumsum(lengths)[:-1]
        counts = rng.integers(0, 4, size)  # 0 to 3 labels, about 1.5 a text
        picks = rng.choice(labels, (size, 3), p=frequency)
        frame = pd.DataFrame(
            {
                "id": [f"{seed}-{start + i}" for i in range(size)],
                "text": [" ".join(chunk) for chunk in np.split(words, bounds)],
                "labels": [
                    " ".join(sorted(set(names[row[:n]])))
                    for row, n in zip(picks, counts, strict=True)
                ],
            }
        )
        frame.to_csv(path, mode="a" if start else "w", header=start == 0, index=False)


def scratch_project(work: Path, size: int, labels: int, num_proc: int) -> Path:
    """The stage scripts, dvc.yaml and params.yaml reading `size` synthetic texts."""
    project = work / f"n{size}"
    project.mkdir()
    for name in ("dvc.yaml", "stages", ".dvc/config"):
        source, target = ROOT / name, project / name
        target.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, target)
    data = project / "data" / "synthetic"
    data.mkdir(parents=True)
    for seed, (split, share) in enumerate(SPLIT_SHARES.items()):
        write_split(data / f"{split}.csv", int(size * share), labels, seed)
    params = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    params["data"].update(
        source="files",
        path="data/synthetic",
        columns={"id": "id", "text": "text"},
        labels={**params["data"]["labels"], "format": "delimited", "column": "labels"},
    )
    params["data"]["files"].update(validation="validation.csv", test="test.csv")
    params["preprocess"]["num_proc"] = num_proc
    (project / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    subprocess.run(["dvc", "config", "core.no_scm", "true"], cwd=project, check=True)
    return project


def anonymous_bytes(process: psutil.Process) -> int:
    """Resident anonymous memory (RssAnon): what must stay in RAM. Pages of memory-mapped files,
    such as the Arrow files `datasets` reads, are left out: the kernel may drop them any time."""
    with open(f"/proc/{process.pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) * 1024
    return 0


def measured(command: list[str], cwd: Path) -> tuple[float, float, float]:
    """Wall seconds, and the peaks (MiB) of the resident and of the anonymous memory of a command
    and its child processes together, sampled every 50 ms (a forked child's copy-on-write pages
    count once in each process that holds them)."""
    with tempfile.TemporaryFile() as log:  # not a pipe: a full pipe would stop the command
        started = time.perf_counter()
        process = psutil.Popen(command, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
        peak_rss = peak_anonymous = 0
        while process.poll() is None:
            rss = anonymous = 0
            for member in [process, *process.children(recursive=True)]:
                try:
                    rss += member.memory_info().rss
                    anonymous += anonymous_bytes(member)
                except (psutil.NoSuchProcess, FileNotFoundError, ProcessLookupError):
                    continue
            peak_rss, peak_anonymous = max(peak_rss, rss), max(peak_anonymous, anonymous)
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        log.seek(0)
        output = log.read().decode(errors="replace")
    if process.returncode:
        sys.exit(f"{command} failed:\n{output[-3000:]}")
    return seconds, peak_rss / 2**20, peak_anonymous / 2**20


def cpu_name() -> str:
    """lscpu's model name, family and model: the same name covers CPUs of different speed
    (/proc/cpuinfo's where lscpu is missing)."""
    try:
        output = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        keys = ("Model name", "CPU family", "Model")
    except (OSError, subprocess.CalledProcessError):
        cpuinfo = Path("/proc/cpuinfo")
        output = cpuinfo.read_text(encoding="utf-8") if cpuinfo.is_file() else ""
        output = output.split("\n\n")[0]  # the first processor's block
        keys = ("model name", "cpu family", "model")
    fields = {}
    for line in output.splitlines():
        if ":" in line:
            key, value = line.split(":", 1)
            fields.setdefault(key.strip(), value.strip())
    name, family, model = (fields.get(key) or "?" for key in keys)
    return f"{name} (family {family}, model {model})"


def first_member(project: Path) -> str:
    """The ensemble member whose preprocess stage is timed (each member tokenizes alike)."""
    params = yaml.safe_load((project / "params.yaml").read_text(encoding="utf-8"))
    return next(iter(params["ensemble"]["members"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--labels", type=int, default=200)
    parser.add_argument("--num-proc", type=int, default=2, help="preprocess.num_proc")
    parser.add_argument(
        "--no-search", action="store_true", help="leave out the threshold search (slow at 1M)"
    )
    args = parser.parse_args()
    print(f"{cpu_name()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(
        "| texts | labels | step | wall (s) | peak resident (MiB) | peak anonymous (MiB) | input (MiB) |"
    )
    print("| ---: | ---: | --- | ---: | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory(prefix="mltc-large-") as work:
        for size in args.sizes:
            project = scratch_project(Path(work), size, args.labels, args.num_proc)
            input_mib = (
                sum(f.stat().st_size for f in (project / "data" / "synthetic").iterdir()) / 2**20
            )
            steps = {
                "download": [sys.executable, "stages/download.py"],
                f"preprocess (num_proc={args.num_proc})": [sys.executable, "stages/preprocess.py", first_member(project)],
                f"threshold search ({int(size * SPLIT_SHARES['validation'])} validation texts)": [
                    sys.executable, "-c", TUNING, str(int(size * SPLIT_SHARES["validation"])), str(args.labels),
                ],
            }  # fmt: skip
            if args.no_search:
                steps = {step: command for step, command in steps.items() if "search" not in step}
            for step, command in steps.items():
                cwd = project if not step.startswith("threshold") else ROOT
                seconds, resident, anonymous = measured(command, cwd)
                print(
                    f"| {size} | {args.labels} | {step} | {seconds:.1f} | {resident:.0f} | {anonymous:.0f} | {input_mib:.0f} |",
                    flush=True,
                )
            shutil.rmtree(project)


if __name__ == "__main__":
    main()
