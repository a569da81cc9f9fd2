"""Shared fixtures: the MiniLM tokenizer, slices of the SemEval data shipped in the repository, a
tiny model, and data params built like params.yaml's."""

import copy
import os
import shutil
import sys
import tempfile
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

# The suite runs offline: any Hub access fails at once instead of retrying over the network.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
# Under pytest-xdist each worker gets its share of the cores: torch in the worker and in the
# processes it starts runs that many threads, instead of one a core in every worker, which would
# oversubscribe the cores (OpenMP's threads spin while they wait for each other).
if "PYTEST_XDIST_WORKER_COUNT" in os.environ:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    share = (cores or 1) // int(os.environ["PYTEST_XDIST_WORKER_COUNT"])
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, share)))

import pandas as pd
import pytest
import yaml
from datasets import Dataset, DatasetDict
from filelock import FileLock

import pipeline_projects
from mltc.core import paths
from mltc.core.labels import LabelSchema
from mltc.core.split_files import Split, read_chunks
from mltc.core.tables import read_table_chunks
from mltc.core.text import TextEncoding
from mltc.core.tokenized import tokenize_splits
from mltc.ingest.config import DataConfig
from mltc.ingest.scan import scan
from mltc.ingest.sources import CHUNK_ROWS
from mltc.ingest.write import write_raw
from mltc.modeling.model_files import load_tokenizer
from mltc.modeling.registry import REGISTRY
from pipeline_projects import REPO_ROOT, run

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


@dataclass
class LoadedData:
    splits: dict[str, Split]
    schema: LabelSchema
    notes: list[str]  # what was dropped or split off, as the download stage logs it


def read_table(path: Path, header: bool = True) -> pd.DataFrame:
    """A whole table file (one a stage wrote in the input's layout) as the download stage parses
    it."""
    return pd.concat(read_table_chunks(path, CHUNK_ROWS, header=header), ignore_index=True)


def read_data(config: DataConfig) -> LoadedData:
    """The splits as the download stage writes them (scan, then write_raw), read back whole."""
    scanned = scan(config)
    with tempfile.TemporaryDirectory() as folder:
        _, notes = write_raw(scanned, Path(folder))
        splits = {
            split: Split.concat([part for _, part in read_chunks(path, CHUNK_ROWS)])
            for split in paths.SPLITS
            if (path := Path(folder) / f"{split}.parquet").is_file()
        }
    return LoadedData(splits, scanned.schema, notes)


@pytest.fixture(scope="session")
def semeval_slice() -> LoadedData:
    """The first 48 texts of each SemEval split, as the download stage writes them."""
    return read_data(data_config(max_rows=48))


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


@pytest.fixture
def from_pretrained_calls(monkeypatch) -> list[dict]:
    """The keyword arguments of every AutoModelForSequenceClassification.from_pretrained call
    from here on (the model still loads): how a loader asked transformers to load a member."""
    from transformers import AutoModelForSequenceClassification

    calls: list[dict] = []
    original = AutoModelForSequenceClassification.from_pretrained

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return original(*args, **kwargs)

    monkeypatch.setattr(AutoModelForSequenceClassification, "from_pretrained", spy)
    return calls


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


def label_aware_member(folder: Path, schema, tokenizer, encoding: TextEncoding):
    """An untrained tiny label-aware member (seed 0) saved in `folder` as the train stage saves
    one, reading texts as `encoding`; the model, in eval mode."""
    import torch
    from safetensors.torch import save_file

    from mltc.modeling.build import build_model
    from mltc.modeling.model_files import WEIGHTS_FILE

    torch.manual_seed(0)
    model = build_model(REGISTRY["tiny"], schema, None, encoding.label_positions(tokenizer))
    model.save_config(folder)
    save_file({name: value.contiguous() for name, value in model.state_dict().items()},
              folder / WEIGHTS_FILE)  # fmt: skip
    tokenizer.save_pretrained(folder)
    encoding.save(folder)
    return model.eval()


def reads_the_project(item: pytest.Item) -> bool:
    """Whether the test needs `reproduced_project` (directly or through another fixture)."""
    return "reproduced_project" in item.fixturenames


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests that read the reproduced project run after the others, so that the project's
    build, started with the session (`reproducing`), runs beside tests that do not wait for it;
    within each part the slow tests go first (else in their order), so that the workers do not
    end on one long test while the others wait."""
    items.sort(key=lambda item: (reads_the_project(item), item.get_closest_marker("slow") is None))


def shared_project_folder(tmp_path_factory) -> Path:
    """Where the session's reproduced project is built: beside the pytest-xdist workers' own
    folders (one build for all workers), or in the run's own folder without xdist."""
    base = tmp_path_factory.getbasetemp()
    return (base.parent if "PYTEST_XDIST_WORKER" in os.environ else base) / "reproduced-project"


def reproduce_once(shared: Path, environment: dict) -> None:
    """The project reproduced in `shared` unless a worker already did: under a file lock, built
    under another name and complete once it has this one, in a process of its own started with
    `environment`."""
    with FileLock(f"{shared}.lock"):
        if not shared.is_dir():
            building = shared.with_name(f"{shared.name}.part")
            shutil.rmtree(building, ignore_errors=True)  # what a worker that failed left
            building.mkdir()
            run([sys.executable, str(pipeline_projects.__file__), str(building)], REPO_ROOT,
                environment)  # fmt: skip
            building.rename(shared)


@pytest.fixture(scope="session", autouse=True)
def reproducing(request, tmp_path_factory) -> Future | None:
    """Under pytest-xdist, starts reproducing the project when the session starts if a selected
    test reads it: its `dvc repro` (about a dozen stage processes) runs beside the first tests,
    which keep the cores busy, instead of stopping the worker whose test first needs it and the
    other workers that wait for it. It runs in a daemon thread, so an interrupted run does not
    wait for it, and with the environment as the session started, which no test has changed yet.
    In one process (`TEST_WORKERS=0`) the project is reproduced when a test first needs it."""
    needed = any(reads_the_project(item) for item in request.session.items)
    if "PYTEST_XDIST_WORKER" not in os.environ or not needed:
        return None
    shared, environment = shared_project_folder(tmp_path_factory), dict(os.environ)
    done: Future = Future()

    def build() -> None:
        try:
            reproduce_once(shared, environment)
            done.set_result(None)
        except BaseException as error:  # raised in the tests that need it
            done.set_exception(error)

    threading.Thread(target=build, name="reproduce the project", daemon=True).start()
    return done


@pytest.fixture(scope="session")
def reproduced_project(reproducing, tmp_path_factory) -> Path:
    """The default pipeline (the SemEval release in the repo) on 64 texts a split with the tiny
    model, reproduced once for the whole test run (`reproducing`); its `plain` member leaves
    nothing to chance (`COMPARABLE`): the reference that a resumed run, a distributed run and a
    killed write are compared with. Tests only read it; a test that changes a project works on
    `project_copy`. Each pytest-xdist worker (`make test` runs one a core) works on its own copy
    of it, so that no two workers run DVC in one project."""
    shared = shared_project_folder(tmp_path_factory)
    if reproducing is None:
        reproduce_once(shared, dict(os.environ))
    else:
        reproducing.result()  # the build's error, if it failed
    root = tmp_path_factory.mktemp("project") / "project"
    shutil.copytree(shared, root, symlinks=True)
    return root


@pytest.fixture
def project_copy(reproduced_project, tmp_path) -> Path:
    """A copy of the reproduced project (git history, DVC cache and outputs) to change."""
    copy = tmp_path / "project"
    shutil.copytree(reproduced_project, copy, symlinks=True)
    return copy


@pytest.fixture(scope="session")
def shipped_classifier(tiny_model_dir, label_names, tmp_path_factory) -> Path:
    """A shipped folder as tune_thresholds writes one: the untrained tiny member, a TF-IDF
    baseline fitted on made-up texts at weight 0.3, and a 0.5 rule. Tests only read it."""
    import numpy as np

    from mltc.decision.rule import DecisionRule
    from mltc.ensemble.classifier_folder import write_classifier
    from mltc.modeling.baseline.tfidf import fit_baseline, save_baseline

    root = tmp_path_factory.mktemp("shipped")
    texts = [f"text {i} {'happy' if i % 2 else 'sad'}" for i in range(40)]
    gold = np.array([[i % 2, (i // 2) % 2, *([0] * (len(label_names) - 2))] for i in range(40)])
    gold[0] = 1  # every label occurs
    result = fit_baseline(texts[:30], gold[:30], texts[30:], gold[30:], {}, (1.0,), 0)
    (root / "baseline").mkdir()
    save_baseline(root / "baseline", result.model, label_names)
    folder = root / "classifier"
    write_classifier(
        folder, {"tiny": tiny_model_dir}, root / "baseline", 0.3,
        DecisionRule.fixed(label_names), {"tuning": {"objective": "micro_f1"}}, "# card\n",
    )  # fmt: skip
    return folder


@pytest.fixture(scope="session")
def exported_classifier(shipped_classifier, tmp_path_factory) -> Path:
    """`shipped_classifier` exported as the export stage writes it (fp32 and int8 graphs, the
    baseline, the rule). Tests only read it."""
    from mltc.export.package import write_export

    folder = tmp_path_factory.mktemp("export") / "export"
    write_export(folder, shipped_classifier, int8=True, trust_remote_code=False)
    return folder
