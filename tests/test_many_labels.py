"""Data unlike SemEval: 150 labels whose names do not fit beside a text run to a shipped
classifier with the default params (train.label_aware: auto reads the texts alone, and the names
once, into the label-attention head), every stage called in-process as stages/*.py call it, the
tiny model standing in for MiniLM."""

import numpy as np
import pandas as pd
import pytest
import yaml

from mltc.core import paths
from mltc.core.files import read_json
from mltc.core.text import TextEncoding
from mltc.modeling.config import PreprocessConfig
from mltc.modeling.heads import member_head
from mltc.modeling.members import member_params
from mltc.pipeline import diagnose
from mltc.serving.predictor import Predictor
from pipeline_projects import copy_project, reproduce_in_process

LABELS = [f"topic_{index:03d}" for index in range(150)]


def topics_csv(path, texts: int = 300, seed: int = 0) -> None:
    """Each text holds the keyword of each of its one to three topics, among filler words."""
    rng = np.random.default_rng(seed)
    rows = []
    for row in range(texts):
        topics = rng.choice(len(LABELS), rng.integers(1, 4), replace=False)
        words = [f"word{w}" for w in rng.integers(0, 50, 6)] + [f"kw{t}" for t in topics]
        rng.shuffle(words)
        rows.append({"id": f"doc{row}", "text": " ".join(words),
                     **{name: int(index in topics) for index, name in enumerate(LABELS)}})  # fmt: skip
    pd.DataFrame(rows).to_csv(path, index=False)


@pytest.mark.slow
def test_150_labels_run_to_a_shipped_classifier_with_the_default_params(tmp_path, monkeypatch):
    root = copy_project(  # params.yaml's params, the tiny model standing in for MiniLM
        tmp_path, source="files", path="topics.csv", columns={"id": "id", "text": "text"}
    )
    topics_csv(root / "topics.csv")
    params = yaml.safe_load((root / "params.yaml").read_text(encoding="utf-8"))
    assert params["train"]["label_aware"] == "auto" and params["preprocess"]["max_length"] == 128

    reproduce_in_process(root)
    monkeypatch.chdir(root)
    for member in params["ensemble"]["members"]:
        summary = read_json(paths.member_train_summary(member))
        assert (summary["label_aware"], summary["head"]) == (False, "attention")
        assert summary["label_aware_reason"].startswith(
            "train.label_aware=auto: the 150 label names take"
        )
        assert member_head(paths.member_weights(member)) == "attention"
        normalise = PreprocessConfig.from_params(member_params(params, member)).normalise
        assert TextEncoding.load(paths.member_weights(member)) == TextEncoding(
            128, normalise=normalise
        )  # as its params say

    # about 3 texts a label: every label is rare, none has a validation threshold of its own
    assert read_json(paths.DATA_METRICS)["rare_labels"]["train"] == LABELS
    tuning = read_json(paths.TUNE_METRICS)["tuning"]
    assert tuning["labels_at_global_threshold"] == LABELS
    assert len(set(read_json(paths.CLASSIFIER / "thresholds.json")["thresholds"].values())) == 1
    predictor = Predictor(paths.CLASSIFIER)
    assert predictor.label_names == LABELS
    assert predictor.predict_proba(["kw7 word1 word2"]).shape == (1, 150)
    # the per-label plots show the 30 most frequent labels; the tables keep all 150
    diagnose.run()
    assert len(pd.read_csv(paths.DIAGNOSTICS / "test" / "cooccurrence.csv")) == 30 * 30
    assert len(pd.read_csv(paths.DIAGNOSTICS / "test" / "per_label.csv")) == 150
    assert len(pd.read_csv(paths.PER_LABEL_F1)) == 30
    test_gold = np.stack(pd.read_parquet(paths.raw_split("test"))["labels"].to_numpy())
    with_positives = int((test_gold.sum(axis=0) > 0).sum())  # a curve needs a positive
    assert pd.read_csv(paths.PR_CURVES)["label"].nunique() == min(30, with_positives)
