"""Tables from CSV, TSV, JSONL and Parquet files, with errors that name the file and the line.

CSV and TSV are read as strings (no type guessing, no "NA" turned into a missing value), with
standard quoting, so a text may hold the delimiter, quotes or line breaks inside quotes. Without a
header row, columns are named by position: "0", "1", ...
"""

import csv
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from mltc.core.errors import PipelineError

FORMATS_BY_SUFFIX = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".jsonl": "jsonl",
    ".json": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}
FILE_FORMATS = ("csv", "tsv", "jsonl", "parquet")
SUFFIX_BY_FORMAT = {"csv": ".csv", "tsv": ".tsv", "jsonl": ".jsonl", "parquet": ".parquet"}
DELIMITERS = {"csv": ",", "tsv": "\t"}


def file_format(path: Path, declared: str = "auto") -> str:
    """The declared format, or the one the suffix names."""
    if declared != "auto":
        return declared
    found = FORMATS_BY_SUFFIX.get(Path(path).suffix.lower())
    if found is None:
        raise PipelineError(
            f"{path}: cannot tell the format from the suffix '{Path(path).suffix}'; name the file "
            f"*.csv, *.tsv, *.jsonl or *.parquet, or set data.files.format"
        )
    return found


def read_table_chunks(
    path: Path, rows: int, fmt: str = "auto", header: bool = True
) -> Iterator[pd.DataFrame]:
    """One file as DataFrames with string column names, in consecutive pieces of `rows` rows: a
    file of any size in bounded memory."""
    path = Path(path)
    if not path.is_file():
        raise PipelineError(f"{path}: no such file")
    fmt = file_format(path, fmt)
    if fmt in DELIMITERS:
        chunks = _read_delimited(path, DELIMITERS[fmt], header, rows)
    elif fmt == "jsonl":
        chunks = (pd.DataFrame.from_records(records) for records in _jsonl_records(path, rows))
    else:
        chunks = _parquet_batches(path, rows)
    for frame in chunks:
        frame.columns = [str(column) for column in frame.columns]
        yield frame


def _read_delimited(path: Path, delimiter: str, header: bool, rows: int) -> Iterator[pd.DataFrame]:
    """The table in pieces of `rows` rows; parsing errors name the line, when the reader opens
    or while it reads."""
    try:
        frames = pd.read_csv(
            path,
            sep=delimiter,
            header=0 if header else None,
            dtype=str,
            keep_default_na=False,
            encoding="utf-8",
            quoting=csv.QUOTE_MINIMAL,
            engine="c",
            chunksize=rows,
        )
    except UnicodeDecodeError as error:
        raise not_utf8(path, error) from error
    except pd.errors.EmptyDataError as error:
        raise PipelineError(f"{path}: the file is empty") from error
    except pd.errors.ParserError as error:
        raise PipelineError(f"{path}: {field_count_message(str(error), header)}") from error
    return _named_errors(frames, path, header)


def _named_errors(
    frames: Iterator[pd.DataFrame], path: Path, header: bool
) -> Iterator[pd.DataFrame]:
    try:
        with frames:
            yield from frames
    except UnicodeDecodeError as error:
        raise not_utf8(path, error) from error
    except pd.errors.ParserError as error:
        raise PipelineError(f"{path}: {field_count_message(str(error), header)}") from error


def field_count_message(message: str, header: bool) -> str:
    found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if not found:
        return f"not a well-formed table ({message.strip()})"
    expected, line, seen = found.groups()
    return (
        f"line {line} has {seen} fields where {'the header has' if header else 'line 1 has'} "
        f"{expected}: quote a text that holds the delimiter (or fix the row)"
    )


def _jsonl_records(path: Path, rows: int) -> Iterator[list[dict]]:
    """One JSON object a line, `rows` at a time; only LF ends a record, so U+2028 or U+0085
    inside a text stay."""
    records, seen = [], False
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as error:
                    raise PipelineError(f"{path}, line {number}: not JSON ({error.msg})") from error
                if not isinstance(record, dict):
                    raise PipelineError(f"{path}, line {number}: expected a JSON object")
                records.append(record)
                if len(records) == rows:
                    yield records
                    records, seen = [], True
    except UnicodeDecodeError as error:
        raise not_utf8(path, error) from error
    if not records and not seen:
        raise PipelineError(f"{path}: the file is empty")
    if records:
        yield records


def _parquet_batches(path: Path, rows: int) -> Iterator[pd.DataFrame]:
    try:
        batches = pq.ParquetFile(path).iter_batches(batch_size=rows)
    except Exception as error:
        raise _not_parquet(path, error) from error
    for batch in batches:
        yield batch.to_pandas()


def _not_parquet(path: Path, error: Exception) -> PipelineError:
    return PipelineError(f"{path}: not a Parquet file ({type(error).__name__}: {error})")


def not_utf8(path: Path, error: UnicodeDecodeError) -> PipelineError:
    """Name the line of the first byte that is not UTF-8 (the error's own offset is per chunk)."""
    content = Path(path).read_bytes()
    try:
        content.decode("utf-8")
        start, reason = 0, error.reason
    except UnicodeDecodeError as found:
        start, reason = found.start, found.reason
    line = content[:start].count(b"\n") + 1
    return PipelineError(f"{path}, line {line}: not UTF-8 ({reason}); save the file as UTF-8")


def write_table(frame: pd.DataFrame, path: Path, fmt: str, header: bool = True) -> None:
    """Write a table in one of FILE_FORMATS so that `read_table_chunks` gives it back as it was."""
    if fmt in DELIMITERS:
        frame.to_csv(path, sep=DELIMITERS[fmt], index=False, header=header, lineterminator="\n")
    elif fmt == "jsonl":
        with Path(path).open("w", encoding="utf-8", newline="\n") as handle:
            for record in frame.to_dict(orient="records"):
                handle.write(json.dumps(record, ensure_ascii=False, default=_plain) + "\n")
    else:
        frame.to_parquet(path, index=False)


def _plain(value):
    """numpy values and arrays as plain JSON values."""
    return value.tolist() if hasattr(value, "tolist") else str(value)
