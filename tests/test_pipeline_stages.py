"""The stages' logic called in-process, as stages/*.py call it, in seconds: download, baseline,
tune_thresholds and diagnose on the README's example tickets (5 labels). One ensemble member
stands in for a fine-tuned one: an untrained tiny model whose saved probabilities are the
baseline's, so the ensemble's probabilities are the baseline's whatever weight is chosen."""

import copy
import shutil

import numpy as np
import pandas as pd
import pytest
import torch

from conftest import EXAMPLES, PARAMS
from mltc.core import paths
from mltc.core.files import read_json
from mltc.core.labels import LabelSchema
from mltc.core.metrics import binarize
from mltc.core.text import TextEncoding
from mltc.modeling.build import build_model
from mltc.modeling.model_files import load_tokenizer
from mltc.modeling.registry import REGISTRY
from mltc.pipeline import baseline, diagnose, download, tune_thresholds
from mltc.serving.predictor import Predictor

LABELS = ["billing", "bug", "feature_request", "account", "urgent"]


@pytest.fixture
def params() -> dict:
    params = copy.deepcopy(PARAMS)
    params["data"] |= {
        "source": "files",
        "path": str(EXAMPLES / "tickets-columns" / "tickets.csv"),
        "columns": {"id": "id", "text": "text"},
    }
    params["ensemble"]["members"] = {"m": {}}
    params["ensemble"]["baseline_weights"] = [0.3]
    params["baseline"]["c_grid"] = [1.0]
    return params


def stand_in_member(schema: LabelSchema) -> None:
    """models/members/m as the train stage saves one, and evaluate's files: the baseline's."""
    torch.manual_seed(0)
    folder = paths.member_weights("m")
    build_model(REGISTRY["tiny"], schema).save_pretrained(folder)
    load_tokenizer(REGISTRY["tiny"]).save_pretrained(folder)
    TextEncoding(64).save(folder)
    shutil.copytree(paths.BASELINE_PROBS, paths.member_probs("m"))


def test_the_stages_run_in_process_from_data_to_a_shipped_classifier(params, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    download.run(params)
    schema = LabelSchema.load(paths.LABELS)
    assert list(schema.label_names) == LABELS
    sizes = {split: len(pd.read_parquet(paths.raw_split(split))) for split in paths.SPLITS}
    assert sizes == {"train": 120, "validation": 15, "test": 15}  # 150 split 80/10/10
    assert read_json(paths.DATA_METRICS)["splits"]["test"]["texts"] == 15

    baseline.run(params)
    assert read_json(paths.BASELINE_METRICS)["c"] == 1.0
    assert sorted(path.name for path in paths.BASELINE.iterdir()) == [
        "baseline.skops",
        "labels.json",
    ]

    stand_in_member(schema)
    tune_thresholds.run(params)
    tuned, baseline_tuned = read_json(paths.TUNE_METRICS), read_json(paths.BASELINE_TUNED_METRICS)
    for split in ("validation", "test"):  # the ensemble's probabilities are the baseline's
        assert tuned[split]["micro_f1"] == pytest.approx(baseline_tuned[split]["micro_f1"])
    assert tuned["ensemble"]["baseline_weight"] == 0.3
    shipped = paths.CLASSIFIER
    assert sorted(path.name for path in shipped.iterdir()) == [
        "README.md", "baseline", "ensemble.json", "members", "thresholds.json",
    ]  # fmt: skip
    predictions = pd.read_csv(paths.TEST_PREDICTIONS / "predictions.csv")
    assert list(predictions.columns) == ["id", "text", *LABELS] and len(predictions) == 15
    saved = np.load(paths.probs_file("test"))
    # the predictions file holds the tuned rule's labels of the saved probabilities
    rule = read_json(shipped / "thresholds.json")
    thresholds = np.array([rule["thresholds"][name] for name in LABELS])
    expected = binarize(saved["probs"], thresholds, rule["min_labels"])
    np.testing.assert_array_equal(predictions[LABELS].to_numpy(), expected)
    assert Predictor(shipped).label_names == LABELS  # the folder loads

    diagnose.run()
    per_label = pd.read_csv(paths.DIAGNOSTICS / "test" / "per_label.csv")
    assert per_label["label"].tolist() == LABELS
    assert per_label["support"].sum() == saved["labels"].sum()
