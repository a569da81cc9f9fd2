"""SemEval-2018 Task 1 subtask E-c: the official release layout, any of its languages.

The release has one tab-separated file per split (`<language>/E-c/2018-E-c-<code>-{train,dev,
test-gold}.txt`): a header, then `ID`, `Tweet` and one 0/1 column per emotion, without quoting
(tweets hold quote characters). Predictions go back in the same format, which is the task's
official submission format.
"""

import csv
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from mltc.core.errors import PipelineError
from mltc.core.labels import Layout
from mltc.core.tables import field_count_message, not_utf8
from mltc.ingest.label_formats import LabelSpec

ID_COLUMN = "ID"
TEXT_COLUMN = "Tweet"
LANGUAGE_CODES = {"English": "En", "Arabic": "Ar", "Spanish": "Es"}
FILE_SUFFIX_BY_SPLIT = {"train": "train", "validation": "dev", "test": "test-gold"}
LAYOUT = Layout(kind="semeval", file_format="tsv", id_column=ID_COLUMN, text_column=TEXT_COLUMN)


def release_file(root: Path, language: str, split: str) -> Path:
    """Path of one split in the official layout, e.g. English/E-c/2018-E-c-En-train.txt."""
    code = LANGUAGE_CODES[language]
    return Path(root) / language / "E-c" / f"2018-E-c-{code}-{FILE_SUFFIX_BY_SPLIT[split]}.txt"


def read_release_file(path: Path) -> pd.DataFrame:
    """One official tab-separated file, as strings (no quoting: tweets contain quote characters)."""
    try:
        frame = pd.read_csv(
            path, sep="\t", quoting=csv.QUOTE_NONE, dtype=str, keep_default_na=False,
            encoding="utf-8",
        )  # fmt: skip
    except UnicodeDecodeError as error:
        raise not_utf8(path, error) from error
    except pd.errors.ParserError as error:
        raise PipelineError(f"{path}: {field_count_message(str(error), header=True)}") from error
    if list(frame.columns[:2]) != [ID_COLUMN, TEXT_COLUMN] or len(frame.columns) < 3:
        raise PipelineError(
            f"{path}: columns are {list(frame.columns)}, expected {ID_COLUMN}, {TEXT_COLUMN} and "
            "one column per emotion (the official SemEval-2018 E-c layout)"
        )
    return frame


def read_release(root: Path, language: str) -> tuple[dict[str, pd.DataFrame], LabelSpec]:
    """All three splits of a local copy of the release, and where their labels are."""
    files = {split: release_file(root, language, split) for split in FILE_SUFFIX_BY_SPLIT}
    missing = [str(path) for path in files.values() if not path.is_file()]
    if missing:
        raise PipelineError(
            f"data.source=semeval: missing {', '.join(missing)}. Point data.path at a folder "
            f"holding {language}/E-c/ of the official release"
        )
    tables = {split: read_release_file(path) for split, path in files.items()}
    label_columns = tuple(tables["train"].columns[2:])
    return tables, LabelSpec(format="columns", columns=label_columns)


def format_predictions(
    ids: Sequence[str], texts: Sequence[str], pred: np.ndarray, label_names: Sequence[str]
) -> str:
    """The official format: header, then `ID<TAB>Tweet<TAB>0/1 per emotion`, LF line ends.

    Raises before anything is written when a text cannot go in a tab-separated line.
    """
    lines = ["\t".join([ID_COLUMN, TEXT_COLUMN, *label_names])]
    for row, (text_id, text) in enumerate(zip(ids, texts, strict=True)):
        if any(char in text for char in "\t\r\n"):
            raise PipelineError(
                f"text {text_id!r} contains a tab or line break: it cannot go in the official "
                "tab-separated format"
            )
        lines.append("\t".join([str(text_id), text, *(str(int(v)) for v in pred[row])]))
    return "\n".join(lines) + "\n"
