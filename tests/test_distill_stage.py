"""The distill stage in the real pipeline (tiny model, a slice of the data): off by default, and
on, a student that ships alone and serves what the stage measured."""

import json
import sys
from pathlib import Path

import pytest

from mltc.core import paths, split_files
from mltc.core.files import read_json
from mltc.core.labels import LabelSchema
from mltc.core.metrics import HEADLINE_METRICS, evaluation_report
from mltc.pipeline.distill import OFF_NOTE
from mltc.serving.predictor import Predictor
from pipeline_projects import PIPELINE_MEMBERS, dvc, run

pytestmark = pytest.mark.slow
VENV = Path(sys.prefix)
TEXT = "What a great day!"  # as docs/ensembles.md


def test_the_default_pipeline_distils_nothing_and_says_so(reproduced_project):
    assert read_json(reproduced_project / "metrics" / "distill.json") == {"enabled": False}
    student = reproduced_project / "models" / "student"
    assert [path.name for path in student.iterdir()] == ["README.md"]
    assert (student / "README.md").read_text(encoding="utf-8") == OFF_NOTE


def test_the_student_ships_alone_and_serves_what_the_stage_measured(project_copy, monkeypatch):
    project = project_copy
    output = dvc("exp", "run", "-S", "distill.enabled=true", cwd=project)  # as docs/ensembles.md
    assert "Running stage 'distill'" in output and "Running stage 'train" not in output
    assert json.loads(dvc("status", "--json", cwd=project)) == {}

    summary = read_json(project / "metrics" / "distill.json")
    ensemble = read_json(project / "metrics" / "tune_thresholds.json")
    assert summary["teacher"] == {
        "members": list(PIPELINE_MEMBERS),
        "baseline_weight": ensemble["ensemble"]["baseline_weight"],
    }
    assert (summary["member"], summary["model"], summary["seed"]) == ("plain", "tiny", 44)
    for split in ("validation", "test"):
        assert summary["ensemble"][split] == {key: ensemble[split][key] for key in HEADLINE_METRICS}
        assert summary["student_minus_ensemble"][split] == {
            key: round(summary["student"][split][key] - ensemble[split][key], 6)
            for key in HEADLINE_METRICS
        }

    shipped = project / "models" / "student"
    assert read_json(shipped / "ensemble.json") == {
        "members": {"student": "members/student"}, "baseline_weight": 0.0, "baseline": None,
    }  # fmt: skip
    assert "## Distillation" in (shipped / "README.md").read_text(encoding="utf-8")
    assert not (project / "models" / "checkpoints").exists()  # nothing left behind

    # the shipped student scores test as the stage did: the same metrics at its rule
    monkeypatch.chdir(project)
    test = split_files.read_split("test")
    predictor = Predictor(shipped)
    probs = predictor.predict_proba(test["text"].tolist())
    gold = split_files.gold_matrix(test, LabelSchema.load(paths.LABELS), "test")
    report = evaluation_report(
        gold, probs, predictor.label_names, predictor.thresholds, predictor.rule.min_labels
    )
    assert {key: report[key] for key in HEADLINE_METRICS} == summary["student"]["test"]
    printed = run([str(VENV / "bin" / "predict"), "--model", "models/student", TEXT], project)
    assert json.loads(printed.stdout)["labels"] == predictor.predict([TEXT])[0]


def test_with_weight_1_the_student_learns_what_the_shipped_classifier_predicts(
    project_copy, monkeypatch
):
    """The targets the Trainer gets are the shipped classifier's probabilities of each training
    text, row by row (here without the baseline, whose part of the teacher is out of fold)."""
    import dvc.api
    import numpy as np

    from mltc.modeling import training
    from mltc.pipeline import distill, tune_thresholds

    monkeypatch.chdir(project_copy)
    no_baseline = {"baseline_weights": [0.0]}
    params = dvc.api.params_show(stages="tune_thresholds")
    params["ensemble"] |= no_baseline
    tune_thresholds.run(params)  # the shipped classifier: the members alone
    params = dvc.api.params_show(stages="distill")
    params["ensemble"] |= no_baseline
    params["distill"] |= {"enabled": True, "weight": 1.0}

    class Captured(Exception):
        pass

    def capture(spec, schema, processed, *args, **kwargs):
        raise Captured(processed["train"])

    monkeypatch.setattr(training, "build_trainer", capture)
    with pytest.raises(Captured) as captured:
        distill.run(params)
    taught = captured.value.args[0]
    train = split_files.read_split("train")
    predictor = Predictor(
        paths.CLASSIFIER, batch_size=params["evaluate"]["batch_size"],
        precision=params["evaluate"]["precision"],
    )  # fmt: skip
    expected = predictor.predict_proba(train["text"].tolist()).astype(np.float32)
    row = {text_id: index for index, text_id in enumerate(train["id"].astype(str))}
    np.testing.assert_array_equal(
        np.asarray(taught["labels"], dtype=np.float32), expected[[row[i] for i in taught["id"]]]
    )
