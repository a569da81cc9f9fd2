"""Shared fixtures: the MiniLM tokenizer, slices of the real SemEval data, a tiny model."""

import os
from pathlib import Path

# The suite runs offline: any Hub access fails at once instead of retrying over the network.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"

import pandas as pd
import pytest
from datasets import Dataset, DatasetDict

from mltc import semeval
from mltc.data.text import tokenize_splits
from mltc.modeling.build import load_tokenizer
from mltc.modeling.registry import REGISTRY

REPO_ROOT = Path(__file__).resolve().parents[1]
SEMEVAL_DIR = REPO_ROOT.parent / "shared" / "datasets" / "semeval2018-task1"


@pytest.fixture(scope="session")
def tokenizer():
    return load_tokenizer(REGISTRY["tiny"])


@pytest.fixture(scope="session")
def raw_slice() -> DatasetDict:
    """The first 48 texts of each SemEval split, in the uniform schema."""
    frames = semeval.read_local_release(SEMEVAL_DIR, "English")
    return DatasetDict(
        {
            split: Dataset.from_pandas(frame.head(48), preserve_index=False)
            for split, frame in frames.items()
        }
    )


@pytest.fixture(scope="session")
def processed_slice(raw_slice, tokenizer) -> DatasetDict:
    return tokenize_splits(raw_slice, tokenizer, max_length=64, schema=semeval.SCHEMA)


@pytest.fixture
def write_tsv(tmp_path):
    """Write rows as an E-c style tab-separated file and return its path."""

    def write(rows: list[list[str]], name: str = "file.txt") -> Path:
        path = tmp_path / name
        path.write_text("\n".join("\t".join(row) for row in rows) + "\n", encoding="utf-8")
        return path

    return write


def official_frame(rows: int = 3) -> pd.DataFrame:
    return pd.DataFrame(
        [[f"id-{i}", f"tweet {i}", *["0"] * len(semeval.LABEL_NAMES)] for i in range(rows)],
        columns=[semeval.ID_COLUMN, semeval.TEXT_COLUMN, *semeval.LABEL_NAMES],
    )


@pytest.fixture(scope="session")
def tiny_model_dir(tokenizer, tmp_path_factory) -> Path:
    """An untrained tiny classifier saved as the train stage saves one (no thresholds yet)."""
    import torch

    from mltc.modeling.build import build_model

    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("tiny") / "model"
    build_model(REGISTRY["tiny"], semeval.SCHEMA).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
