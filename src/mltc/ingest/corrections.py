"""Your corrections to the labelled data, applied by `download` (data.corrections): texts to
leave out and texts whose labels you corrected, each a file under data/corrections (a DVC
dependency of download, so a corrected dataset is versioned like any input).

- exclude: the ids of texts to leave out: a .csv with an `id` column (the audit's
  label_issues.csv works as it is, cut to the rows you agree with), or a text file with one id a
  line (# starts a comment).
- relabel: a .csv with `id` and `labels` (label names joined by ';', empty for no label); the
  audit's label_issues.csv works as it is, its `suggested_labels` read where `labels` is absent.

Corrections apply to train and validation only (test stays as published), after any split-off,
so that a run with and without them splits the data alike. Every id and label is checked
before anything is written."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from mltc.core import paths
from mltc.core.errors import PipelineError
from mltc.core.labels import LABEL_LIST_SEPARATOR, split_labels
from mltc.core.split_files import Split
from mltc.ingest.label_formats import matrix_from_lists

CORRECTED_SPLITS = ("train", "validation")
RELABEL_COLUMNS = ("labels", "suggested_labels")  # the first one present is read


@dataclass(frozen=True)
class Corrections:
    exclude: frozenset[str] = frozenset()
    relabel: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # id -> label names
    files: Mapping[str, str] = field(default_factory=dict)  # exclude/relabel -> the file read
    where: Mapping[str, str] = field(default_factory=dict)  # id -> "<file>, row <n>", for errors

    def __bool__(self) -> bool:
        return bool(self.exclude or self.relabel)


def correction_file(key: str, value: str | None) -> Path | None:
    """A corrections param's file, checked: it must exist under data/corrections."""
    if value is None:
        return None
    path = Path(value)
    inside = paths.CORRECTIONS.resolve()
    if inside not in path.resolve().parents:
        raise PipelineError(
            f"data.corrections.{key}={value!r}: put the file under {paths.CORRECTIONS}/ (a "
            "dependency of download, so that a change to it re-runs the pipeline)"
        )
    if not path.is_file():
        raise PipelineError(f"data.corrections.{key}={value!r}: no such file")
    return path


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as error:
        raise PipelineError(
            f"{path} is not a readable CSV in UTF-8 ({error}); write it as the audit's "
            "label_issues.csv is written (docs/audit.md)"
        ) from error


def _column(frame: pd.DataFrame, path: Path, names: tuple[str, ...]) -> str:
    for name in names:
        if name in frame.columns:
            return name
    raise PipelineError(
        f"{path}: no column {' or '.join(repr(n) for n in names)}; columns are "
        f"{list(frame.columns)}"
    )


def _ids(frame: pd.DataFrame, path: Path) -> list[str]:
    ids = frame[_column(frame, path, ("id",))].str.strip().tolist()
    _check_listed_once(ids, range(1, len(ids) + 1), path, "row")
    return ids


def _check_listed_once(ids: list[str], rows, path: Path, unit: str) -> None:
    seen: dict[str, int] = {}
    for text_id, row in zip(ids, rows, strict=True):
        if not text_id:
            raise PipelineError(f"{path}, {unit} {row}: the id is empty")
        if text_id in seen:
            raise PipelineError(
                f"{path}, {unit} {row}: id {text_id!r} is listed twice ({unit} {seen[text_id]} "
                "too); keep one"
            )
        seen[text_id] = row


def read_exclude(path: Path) -> tuple[list[str], list[str]]:
    """The ids of an exclude file in its order, and where each is (`row N` of a CSV, counting
    data rows from 1, or `line N` of a text file)."""
    if path.suffix.lower() == ".csv":
        ids = _ids(_read_csv(path), path)
        return ids, [f"row {row}" for row in range(1, len(ids) + 1)]
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as error:
        raise PipelineError(f"{path} is not UTF-8 text ({error}): one id a line") from error
    kept = [(line.strip(), number) for number, line in enumerate(lines, start=1)
            if line.strip() and not line.lstrip().startswith("#")]  # fmt: skip
    ids, numbers = [text_id for text_id, _ in kept], [number for _, number in kept]
    _check_listed_once(ids, numbers, path, "line")
    return ids, [f"line {number}" for number in numbers]


def read_relabel(path: Path, label_names: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """id -> the corrected labels, each a known label name."""
    frame = _read_csv(path)
    ids = _ids(frame, path)
    column = _column(frame, path, RELABEL_COLUMNS)
    known, relabel = set(label_names), {}
    for row, (text_id, value) in enumerate(zip(ids, frame[column], strict=True), start=1):
        names = split_labels(value)
        unknown = [name for name in names if name not in known]
        if unknown:
            raise PipelineError(
                f"{path}, row {row}, {column}: label {unknown[0]!r} is not one of the data's "
                f"labels ({', '.join(label_names)}); join labels with '{LABEL_LIST_SEPARATOR}'"
            )
        relabel[text_id] = tuple(names)
    return relabel


def read_corrections(
    exclude: Path | None, relabel: Path | None, label_names: tuple[str, ...],
    split_of_id: Mapping[str, tuple[str, str, int]],
) -> Corrections:  # fmt: skip
    """The corrections, every id checked against the data read (`split_of_id`: id -> its
    split, source and row, as `scan` found them)."""
    excluded, excluded_at = read_exclude(exclude) if exclude is not None else ([], [])
    relabelled = read_relabel(relabel, label_names) if relabel is not None else {}
    relabelled_at = [f"row {row}" for row in range(1, len(relabelled) + 1)]
    where: dict[str, str] = {}
    for path, ids, places in ((exclude, excluded, excluded_at),
                              (relabel, list(relabelled), relabelled_at)):  # fmt: skip
        for text_id, place in zip(ids, places, strict=True):
            found = split_of_id.get(text_id)
            if found is None:
                raise PipelineError(
                    f"{path}, {place}: id {text_id!r} is not in the data (data.path); "
                    "correct or remove that row"
                )
            if found[0] not in CORRECTED_SPLITS:
                raise PipelineError(
                    f"{path}, {place}: id {text_id!r} is a {found[0]} text ({found[1]}); "
                    "corrections apply to train and validation only: test stays as published"
                )
            if text_id in where:
                raise PipelineError(
                    f"id {text_id!r} is both excluded ({where[text_id]}) and relabelled "
                    f"({path}, {place}): keep one"
                )
            where[text_id] = f"{path}, {place}"
    files = {key: str(path) for key, path in (("exclude", exclude), ("relabel", relabel)) if path}
    return Corrections(frozenset(excluded), relabelled, files, where)


class Corrector:
    """Applies the corrections to a split's rows as they are written, and counts what it did."""

    def __init__(self, corrections: Corrections, label_names: tuple[str, ...]) -> None:
        self.corrections = corrections
        relabel = corrections.relabel  # each text's corrected labels as a 0/1 row, made once
        rows = matrix_from_lists([list(names) for names in relabel.values()], label_names,
                                 corrections.files.get("relabel", "relabel"))  # fmt: skip
        self.relabelled = dict(zip(relabel, rows, strict=True))
        self.counts: dict[str, dict[str, int]] = {}

    def apply(self, split: str, rows: Split) -> Split:
        """The rows with the corrections made; a corrected id that the split-off put in test
        stops the stage (the staging copy is dropped, data/raw stays as it was)."""
        if not self.corrections:
            return rows
        if split not in CORRECTED_SPLITS:
            corrected = self.corrections.where
            text_id = next((text_id for text_id in rows.ids if text_id in corrected), None)
            if text_id is not None:
                raise PipelineError(
                    f"{corrected[text_id]}: id {text_id!r} is a {split} text (split off train, "
                    f"data.split); corrections apply to train and validation only: test stays "
                    "as published"
                )
            return rows
        counts = self.counts.setdefault(split, {"excluded": 0, "relabelled": 0})
        keep = np.array([text_id not in self.corrections.exclude for text_id in rows.ids],
                        dtype=bool)  # fmt: skip
        counts["excluded"] += int((~keep).sum())
        rows = rows.take(keep)
        if self.relabelled and rows.gold is not None:
            gold = rows.gold.copy()
            for row, text_id in enumerate(rows.ids):
                if text_id in self.relabelled:
                    gold[row] = self.relabelled[text_id]
                    counts["relabelled"] += 1
            rows = Split(rows.ids, rows.texts, gold)
        return rows

    def check_left(self, tallies: Mapping) -> None:
        """Train and validation must keep texts once the excluded ones are gone."""
        for split in CORRECTED_SPLITS:
            if self.counts.get(split, {}).get("excluded") and not tallies[split].texts:
                raise PipelineError(
                    f"{self.corrections.files['exclude']} excludes every {split} text: nothing "
                    "would be left to train or tune on; exclude fewer"
                )

    def summary(self) -> dict | None:
        """For metrics/data.json: the files applied and what they changed, per split."""
        if not self.corrections:
            return None
        return {**self.corrections.files, "by_split": self.counts}
