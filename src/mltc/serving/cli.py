"""`predict`: label texts from the command line or a file, with the model's tuned thresholds."""

import argparse
import csv
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO

import numpy as np

from mltc.core.errors import PipelineError, run_stage
from mltc.core.files import atomic_path
from mltc.core.labels import join_labels
from mltc.core.tables import not_utf8, read_table_chunks
from mltc.decision.threshold_range import THRESHOLD_RANGE, valid_threshold
from mltc.modeling.chunking import CHUNK_TEXTS
from mltc.modeling.hardware import PRECISIONS
from mltc.serving.backends import BACKENDS, DEFAULT_MODEL, model_folder

INPUT_SUFFIXES = (".txt", ".csv", ".tsv", ".jsonl", ".parquet")
OUTPUT_FORMATS = ("jsonl", "csv")  # each also the --output suffix that chooses it


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="predict",
        description="Predict labels for texts with a fine-tuned model and its tuned thresholds.",
    )
    parser.add_argument("texts", nargs="*", help="texts to label (or use --input)")
    parser.add_argument(
        "--model",
        help=f"model folder (default: {DEFAULT_MODEL['torch']}; with --backend onnx "
        f"{DEFAULT_MODEL['onnx']})",
    )
    parser.add_argument(
        "--backend",
        choices=BACKENDS,
        default="torch",
        help="onnx: the export (dvc repro export), run by onnxruntime without torch",
    )
    parser.add_argument(
        "--input", type=Path, help="a .txt (one text a line), .csv, .tsv, .jsonl or .parquet file"
    )
    parser.add_argument(
        "--text-column", default="text", help="text column of a .csv/.tsv/.jsonl input"
    )
    parser.add_argument("--output", type=Path, help="write here instead of standard output")
    parser.add_argument(
        "--format",
        choices=OUTPUT_FORMATS,
        help="default: --output's suffix (.jsonl or .csv); jsonl on standard output",
    )
    parser.add_argument(
        "--threshold", type=float, help="one threshold for every label instead of the tuned ones"
    )
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument(
        "--precision",
        choices=PRECISIONS,
        default="auto",
        help="torch: auto (default) is bf16 where native",
    )
    parser.add_argument(
        "--int8",
        action="store_true",
        help="int8 weights (torch: dynamic quantisation on the CPU; onnx: the export's int8 "
        "graphs): faster, slightly different scores (metrics/export.json)",
    )
    parser.add_argument(
        "--trust-remote-code",
        action="store_true",
        help="let transformers run Python code shipped with the model (only for models you trust)",
    )
    args = parser.parse_args(argv)
    if bool(args.texts) == bool(args.input):
        parser.error("give texts as arguments or --input FILE, not both and not neither")
    if args.threshold is not None and not valid_threshold(args.threshold):
        low, high = THRESHOLD_RANGE
        parser.error(f"--threshold {args.threshold}: expected a number from {low} to {high}")
    if args.output and args.format is None:
        suffix = args.output.suffix.lower()
        if suffix[1:] not in OUTPUT_FORMATS:
            what = f"its suffix '{suffix}' names no output format" if suffix else "no suffix"
            parser.error(
                f"--output {args.output}: {what}; name the file .jsonl or .csv, or choose the "
                f"format with --format {{{','.join(OUTPUT_FORMATS)}}}"
            )
        args.format = suffix[1:]
    args.format = args.format or "jsonl"  # standard output
    return args


def text_chunks(path: Path, text_column: str) -> Iterator[list[str]]:
    """Texts from a file, CHUNK_TEXTS at a time, read by the pipeline's table readers (quoted
    fields may hold line breaks; a .txt file is one text a line, and only a line feed ends a
    line); errors name the file, the row and what to do."""
    suffix = path.suffix.lower()
    if suffix not in INPUT_SUFFIXES:
        raise PipelineError(
            f"{path}: unsupported input type '{suffix}'; use one of {', '.join(INPUT_SUFFIXES)}"
        )
    if suffix == ".txt":
        yield from _batched(_lines(path), CHUNK_TEXTS)
        return
    for table in read_table_chunks(path, CHUNK_TEXTS):
        if text_column not in table.columns:
            raise PipelineError(
                f"{path}: no column '{text_column}'; columns are {list(table.columns)} "
                "(set --text-column)"
            )
        yield table[text_column].tolist()


def check_texts(path: Path, text_column: str) -> int:
    """Read the whole file once before any text is scored: the number of texts, or the first
    bad row."""
    count = 0
    for chunk in text_chunks(path, text_column):
        for row, text in enumerate(chunk, start=count + 1):
            if not isinstance(text, str) or not text.strip():
                raise PipelineError(f"{path}, row {row}: empty text")
        count += len(chunk)
    return count


def _lines(path: Path) -> Iterator[str]:
    """One text a line; only a line feed ends one (a CR before it is dropped)."""
    if not path.is_file():
        raise PipelineError(f"{path}: no such file")
    with path.open("rb") as handle:
        for raw in handle:
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                raise not_utf8(path, error) from error
            yield line.removesuffix("\n").removesuffix("\r")


def _batched(items: Iterable[str], size: int) -> Iterator[list[str]]:
    batch: list[str] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def write_predictions(
    out: TextIO,
    texts: list[str],
    label_lists: list[list[str]],
    probs: np.ndarray,
    label_names: list[str],
    fmt: str,
    header: bool = True,
) -> None:
    """JSONL: text, labels and every label's probability a line; CSV: the same as columns."""
    if fmt == "jsonl":
        for text, labels, row in zip(texts, label_lists, probs, strict=True):
            scores = {name: round(float(p), 6) for name, p in zip(label_names, row, strict=True)}
            out.write(
                json.dumps(
                    {"text": text, "labels": labels, "probabilities": scores}, ensure_ascii=False
                )
                + "\n"
            )
        return
    writer = csv.writer(out, lineterminator="\n")
    if header:
        writer.writerow(["text", "labels", *label_names])
    for text, labels, row in zip(texts, label_lists, probs, strict=True):
        writer.writerow([text, join_labels(labels), *(f"{p:.6f}" for p in row)])


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)

    def run() -> None:
        if args.input:
            check_texts(args.input, args.text_column)  # every row, before the model loads
            chunks = text_chunks(args.input, args.text_column)
        else:
            chunks = iter([list(args.texts)])
        from mltc.serving.predictor import Predictor  # heavy imports after the cheap checks

        predictor = Predictor(
            model_folder(args.model, args.backend),
            args.batch_size,
            threshold=args.threshold,
            precision=args.precision,
            int8=args.int8,
            trust_remote_code=args.trust_remote_code,
            backend=args.backend,
        )

        def write(out: TextIO) -> None:  # chunk by chunk: a file of any size in bounded memory
            for number, texts in enumerate(chunks):
                probs = predictor.predict_proba(texts, progress=args.input is not None)
                label_lists = predictor.labels_from_proba(probs)
                write_predictions(
                    out, texts, label_lists, probs, predictor.label_names, args.format, number == 0
                )

        if not args.output:
            write(sys.stdout)
            return
        with (
            atomic_path(args.output) as staging,
            staging.open("w", encoding="utf-8", newline="") as out,
        ):
            write(out)

    run_stage(run)


if __name__ == "__main__":
    main()
