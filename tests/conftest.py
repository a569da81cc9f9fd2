"""Shared fixtures: the MiniLM tokenizer, slices of the SemEval data shipped in the repository, a
tiny model, and data params built like params.yaml's."""

import copy
import os
from pathlib import Path

# The suite runs offline: any Hub access fails at once instead of retrying over the network.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"

import pytest
import yaml
from datasets import Dataset, DatasetDict

from mltc.data import sources
from mltc.data.text import TextEncoding, tokenize_splits
from mltc.modeling.build import load_tokenizer
from mltc.modeling.registry import REGISTRY
from mltc.params import DataConfig

REPO_ROOT = Path(__file__).resolve().parents[1]
SEMEVAL_DIR = REPO_ROOT / "data" / "semeval2018-task1"
EXAMPLES = REPO_ROOT / "examples"
PARAMS = yaml.safe_load((REPO_ROOT / "params.yaml").read_text(encoding="utf-8"))
MAX_LENGTH = 64


def data_params(**changes) -> dict:
    """params.yaml with its `data` section updated: `files={...}` merges into data.files."""
    params = copy.deepcopy(PARAMS)
    params["data"]["path"] = str(SEMEVAL_DIR)
    for key, value in changes.items():
        if isinstance(value, dict):
            params["data"][key] = {**params["data"].get(key, {}), **value}
        else:
            params["data"][key] = value
    return params


def data_config(**changes) -> DataConfig:
    return DataConfig.from_params(data_params(**changes))


@pytest.fixture(scope="session")
def semeval_slice() -> sources.LoadedData:
    """The first 48 texts of each SemEval split, as the download stage reads them."""
    return sources.load(data_config(max_rows=48))


@pytest.fixture(scope="session")
def schema(semeval_slice):
    return semeval_slice.schema


@pytest.fixture(scope="session")
def label_names(schema) -> tuple[str, ...]:
    return schema.label_names


@pytest.fixture(scope="session")
def tokenizer():
    return load_tokenizer(REGISTRY["tiny"])


@pytest.fixture(scope="session")
def raw_slice(semeval_slice) -> DatasetDict:
    return DatasetDict(
        {
            split: Dataset.from_pandas(data.frame(), preserve_index=False)
            for split, data in semeval_slice.splits.items()
        }
    )


@pytest.fixture(scope="session")
def processed_slice(raw_slice, tokenizer) -> DatasetDict:
    return tokenize_splits(raw_slice, tokenizer, TextEncoding(MAX_LENGTH))[0]


@pytest.fixture
def write_tsv(tmp_path):
    """Write rows as a tab-separated file and return its path."""

    def write(rows: list[list[str]], name: str = "file.txt") -> Path:
        path = tmp_path / name
        path.write_text("\n".join("\t".join(row) for row in rows) + "\n", encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="session")
def tiny_model_dir(tokenizer, schema, tmp_path_factory) -> Path:
    """An untrained tiny classifier saved as the train stage saves one (no thresholds yet)."""
    import torch

    from mltc.modeling.build import build_model

    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("tiny") / "model"
    build_model(REGISTRY["tiny"], schema).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    TextEncoding(MAX_LENGTH).save(folder)
    return folder
