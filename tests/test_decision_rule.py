import json

import pytest

from mltc.core.errors import PipelineError
from mltc.decision import rule as decision_rule


def test_rule_goes_to_thresholds_json_and_loads_back(tmp_path, label_names):
    model_dir = tmp_path
    thresholds = {name: 0.3 for name in label_names} | {"joy": 0.45}
    rule = decision_rule.DecisionRule(
        thresholds, min_labels=1, strategy="per_label", objective="micro_f1"
    )
    decision_rule.save(model_dir, rule, {"tuning": {"cv": 0.6}})

    stored = json.loads((model_dir / "thresholds.json").read_text())
    assert stored["thresholds"]["joy"] == 0.45 and stored["tuning"] == {"cv": 0.6}
    assert sorted(path.name for path in model_dir.iterdir()) == ["thresholds.json"]

    loaded = decision_rule.load(model_dir, label_names)
    assert loaded == rule
    assert loaded.thresholds(label_names)[label_names.index("joy")] == 0.45


def test_a_model_without_thresholds_falls_back_to_half_with_a_warning(tiny_model_dir):
    with pytest.warns(UserWarning, match="thresholds.json not found: using threshold 0.5"):
        rule = decision_rule.load(tiny_model_dir, ["a", "b"])
    assert rule.thresholds(["a", "b"]).tolist() == [0.5, 0.5]


def test_a_rule_for_other_labels_is_refused_showing_the_difference():
    with pytest.raises(
        PipelineError,
        match=r"the decision rule \(thresholds.json\) has other labels than the data \(2 against "
        r"2: missing \['b'\], extra \['c'\]\)",
    ):
        decision_rule.DecisionRule({"a": 0.5, "c": 0.5}).thresholds(["a", "b"])
