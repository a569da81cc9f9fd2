import json
import shutil

import numpy as np
import pytest
from transformers import AutoConfig

from mltc import decision_rule, semeval
from mltc.data.labels import LabelSchema
from mltc.errors import PipelineError
from mltc.serving.writers import format_predictions_tsv


def test_rule_goes_to_thresholds_json_and_config_json(tiny_model_dir, tmp_path):
    model_dir = tmp_path / "model"
    shutil.copytree(tiny_model_dir, model_dir)
    thresholds = {name: 0.3 for name in semeval.LABEL_NAMES} | {"joy": 0.45}
    rule = decision_rule.DecisionRule(
        thresholds, min_labels=1, strategy="per_label", objective="micro_f1"
    )
    decision_rule.save(model_dir, rule, {"tuning": {"cv": 0.6}})

    stored = json.loads((model_dir / "thresholds.json").read_text())
    assert stored["thresholds"]["joy"] == 0.45 and stored["tuning"] == {"cv": 0.6}
    config = AutoConfig.from_pretrained(model_dir)  # what any transformers user gets
    assert config.thresholds["joy"] == 0.45 and config.min_labels == 1
    assert config.id2label[0] == "anger"  # the rest of the config is kept

    loaded = decision_rule.load(model_dir, semeval.LABEL_NAMES)
    assert loaded == rule
    assert loaded.thresholds(semeval.LABEL_NAMES)[semeval.LABEL_NAMES.index("joy")] == 0.45


def test_a_model_without_thresholds_falls_back_to_half_with_a_warning(tiny_model_dir):
    with pytest.warns(UserWarning, match="thresholds.json not found: using threshold 0.5"):
        rule = decision_rule.load(tiny_model_dir, ["a", "b"])
    assert rule.thresholds(["a", "b"]).tolist() == [0.5, 0.5]


def test_a_rule_missing_a_label_is_an_error():
    with pytest.raises(PipelineError, match=r"no threshold for label\(s\) \['b'\]"):
        decision_rule.DecisionRule({"a": 0.5}).thresholds(["a", "b"])


def test_predictions_tsv_has_the_official_layout():
    schema = LabelSchema(("anger", "joy"), id_column="ID", text_column="Tweet")
    text = format_predictions_tsv(
        ["2018-En-1", "2018-En-2"], ['He said "hi"', "ok"], np.array([[1, 0], [0, 0]]), schema
    )
    assert text == 'ID\tTweet\tanger\tjoy\n2018-En-1\tHe said "hi"\t1\t0\n2018-En-2\tok\t0\t0\n'


def test_a_tab_inside_a_text_cannot_be_written():
    schema = LabelSchema(("joy",))
    with pytest.raises(PipelineError, match="'x1' contains a tab"):
        format_predictions_tsv(["x1"], ["a\tb"], np.array([[1]]), schema)
