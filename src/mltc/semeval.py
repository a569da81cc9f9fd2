"""SemEval-2018 Task 1 subtask E-c: read the official release files or the Hub copy.

Both sources come out in the pipeline's uniform schema: `id`, `text`, one 0/1 column per label.
"""

import csv
from pathlib import Path

import pandas as pd

from mltc.errors import PipelineError
from mltc.labels import LabelSchema

LABEL_NAMES = (
    "anger", "anticipation", "disgust", "fear", "joy", "love",
    "optimism", "pessimism", "sadness", "surprise", "trust",
)  # fmt: skip
ID_COLUMN = "ID"
TEXT_COLUMN = "Tweet"
SCHEMA = LabelSchema(label_names=LABEL_NAMES, id_column=ID_COLUMN, text_column=TEXT_COLUMN)

LANGUAGE_CODES = {"English": "En", "Arabic": "Ar", "Spanish": "Es"}
FILE_SUFFIX_BY_SPLIT = {"train": "train", "validation": "dev", "test": "test-gold"}


def release_file(root: Path, language: str, split: str) -> Path:
    """Path of one split in the official layout, e.g. English/E-c/2018-E-c-En-train.txt."""
    code = LANGUAGE_CODES[language]
    return Path(root) / language / "E-c" / f"2018-E-c-{code}-{FILE_SUFFIX_BY_SPLIT[split]}.txt"


def read_release_file(path: Path) -> pd.DataFrame:
    """Read one official tab-separated file (no quoting: tweets contain quote characters)."""
    try:
        frame = pd.read_csv(
            path, sep="\t", quoting=csv.QUOTE_NONE, dtype=str, keep_default_na=False,
            encoding="utf-8",
        )  # fmt: skip
    except UnicodeDecodeError as error:
        raise PipelineError(f"{path}: not UTF-8 ({error.reason} at byte {error.start})") from error
    except pd.errors.ParserError as error:
        raise PipelineError(f"{path}: not a tab-separated SemEval file ({error})") from error
    return to_uniform(frame, source=str(path), first_row_number=2)


def to_uniform(frame: pd.DataFrame, source: str, first_row_number: int = 0) -> pd.DataFrame:
    """Check the E-c columns and values; rename to `id`, `text` and int8 label columns.

    `first_row_number` maps a frame index to the row a user sees (2 for a file with a header).
    """
    expected = [ID_COLUMN, TEXT_COLUMN, *LABEL_NAMES]
    if list(frame.columns) != expected:
        raise PipelineError(
            f"{source}: columns are {list(frame.columns)}, expected {expected} "
            "(the official SemEval-2018 E-c layout)"
        )
    labels = {}
    for name in LABEL_NAMES:
        values = (
            frame[name].astype(str).str.strip().str.lower().replace({"true": "1", "false": "0"})
        )
        bad = ~values.isin(["0", "1"])
        if bad.any():
            row = int(bad.to_numpy().nonzero()[0][0])
            raise PipelineError(
                f"{source}, row {row + first_row_number}: label '{name}' is "
                f"{frame[name].iloc[row]!r}, expected 0 or 1"
            )
        labels[name] = values.astype("int8").to_numpy()
    texts = frame[TEXT_COLUMN].astype(str)
    empty = texts.str.strip() == ""
    if empty.any():
        row = int(empty.to_numpy().nonzero()[0][0])
        raise PipelineError(f"{source}, row {row + first_row_number}: the tweet text is empty")
    return pd.DataFrame(
        {"id": frame[ID_COLUMN].astype(str).to_numpy(), "text": texts.to_numpy(), **labels}
    )


def read_local_release(root: Path, language: str) -> dict[str, pd.DataFrame]:
    """All three splits from a local copy of the official release."""
    missing = [
        str(release_file(root, language, split))
        for split in FILE_SUFFIX_BY_SPLIT
        if not release_file(root, language, split).is_file()
    ]
    if missing:
        raise PipelineError(
            f"download.source=local: missing {', '.join(missing)}. Point download.local_dir at a "
            f"folder holding {language}/E-c/ of the official release, or set download.source=hub"
        )
    return {
        split: read_release_file(release_file(root, language, split))
        for split in FILE_SUFFIX_BY_SPLIT
    }


def read_hub(
    dataset: str, language: str, revision: str, local_dir: Path
) -> dict[str, pd.DataFrame]:
    """All three splits from the Hub's parquet conversion (datasets 4+ no longer runs its script)."""
    import datasets

    config = f"subtask5.{language.lower()}"
    try:
        splits = datasets.load_dataset(dataset, data_dir=config, revision=revision)
    except Exception as error:
        raise PipelineError(
            f"download.source=hub: could not load {dataset} ({config}, revision {revision}) from the "
            f"Hugging Face Hub: {type(error).__name__}: {error}. Offline, use a local copy of the "
            f"official release: download.source=local with download.local_dir (now {local_dir})"
        ) from error
    missing = sorted(set(FILE_SUFFIX_BY_SPLIT) - set(splits))
    if missing:
        raise PipelineError(f"{dataset} ({config}) has no split {missing}; it has {sorted(splits)}")
    return {
        split: to_uniform(splits[split].to_pandas(), source=f"{dataset}/{config}/{split}")
        for split in FILE_SUFFIX_BY_SPLIT
    }
