"""Your own data by params alone, to a shipped classifier (tiny model), then `predict`: the
README's worked example and the header-less TSV with an unlabelled test file, each stage's logic
called in-process as its script calls it; what only DVC does with the user's file (download
depends on it) with the real `dvc`. The examples have 5 labels, SemEval 11."""

import json
from pathlib import Path

import numpy as np
import pytest

from conftest import read_table
from mltc.core.files import read_json
from mltc.export.parity import PROBABILITY_TOLERANCE
from mltc.serving.predictor import Predictor
from pipeline_projects import OWN_DATA_PARAMS as EXAMPLES
from pipeline_projects import copy_project, dvc, predict, reproduce_in_process

pytestmark = pytest.mark.slow

# the params a user sets for each example, as in the README's "Train on your own data"
PREDICTIONS = {
    "columns": "predictions.csv",
    "list": "predictions.jsonl",
    "delimited_ids": "predictions.tsv",
}


# end to end, each stage's logic called in-process with the params dvc.yaml declares for it (as
# its script does): the README's worked example (data.path a file) and the header-less TSV with an
# unlabelled test file (data.path a folder of split files); the JSONL layout is read
# (test_sources.py) and written back (test_writers.py) by unit tests
END_TO_END = ("columns", "delimited_ids")


@pytest.fixture(scope="module", params=END_TO_END)
def own_project(request, tmp_path_factory) -> tuple[str, Path]:
    root = copy_project(
        tmp_path_factory.mktemp(request.param), members={"plain": {}}, **EXAMPLES[request.param]
    )
    reproduce_in_process(root)
    return request.param, root


def test_the_users_file_is_what_download_reads_and_depends_on(tmp_path):
    """The real `dvc repro download` on the README's worked example reads the file data.path
    names; an edit to that file makes download stale, and DVC names the file."""
    root = copy_project(tmp_path, members={"plain": {}}, **EXAMPLES["columns"])
    users_file = root / EXAMPLES["columns"]["path"]
    header = users_file.read_text(encoding="utf-8").splitlines()[0].split(",")
    dvc("repro", "download", cwd=root)
    labels = read_json(root / "data" / "raw" / "labels.json")["label_names"]
    assert labels == header[2:]  # the columns after id and text, in the file's order
    assert json.loads(dvc("status", "--json", "download", cwd=root)) == {}
    with users_file.open("a", encoding="utf-8") as handle:
        handle.write("T9999,A new ticket,0,1,0,0,0\n")
    assert json.loads(dvc("status", "--json", "download", cwd=root)) == {
        "download": [{"changed deps": {EXAMPLES["columns"]["path"]: "modified"}}]
    }


def test_the_pipeline_trains_on_five_labels_and_writes_predictions_in_the_input_layout(
    own_project,
):
    example, root = own_project
    labels = read_json(root / "data" / "raw" / "labels.json")
    assert len(labels["label_names"]) == 5
    assert (
        labels["layout"]["label_format"]
        == {"columns": "columns", "list": "list", "delimited_ids": "delimited"}[example]
    )
    predictions = root / "data" / "predictions" / "test" / PREDICTIONS[example]
    table = read_table(predictions, header=example != "delimited_ids")
    test_size = read_json(root / "metrics" / "data.json")["splits"]["test"]["texts"]
    assert len(table) == test_size
    if example == "columns":
        assert list(table.columns) == ["id", "text", *labels["label_names"]]
    elif example == "list":
        assert list(table.columns) == ["ticket", "body", "tags"]
        assert all(set(tags) <= set(labels["label_names"]) for tags in table["tags"])
    else:  # integer ids joined by ",", as in the input
        assert all(set(value.split(",")) <= {"", "0", "1", "2", "3", "4"} for value in table["2"])


def test_the_export_labels_texts_as_the_shipped_classifier_does(own_project):
    _, root = own_project
    names = read_json(root / "data" / "raw" / "labels.json")["label_names"]
    texts = ["I was charged twice this month", "Please add a dark mode", "Login fails again"]
    exported = Predictor(root / "models" / "export", backend="onnx")
    assert exported.label_names == names
    np.testing.assert_allclose(
        exported.predict_proba(texts),
        Predictor(root / "models" / "classifier", precision="fp32").predict_proba(texts),
        rtol=0,
        atol=PROBABILITY_TOLERANCE,  # what the export stage guarantees: fp32 graph, torch fp32
    )


def test_test_metrics_are_absent_when_the_test_split_has_no_labels(own_project):
    example, root = own_project
    evaluate = read_json(root / "metrics" / "members" / "plain" / "evaluate.json")
    tuned = read_json(root / "metrics" / "tune_thresholds.json")
    expected = {"validation"} if example == "delimited_ids" else {"validation", "test"}
    assert set(evaluate) == expected
    assert set(tuned) == expected | {"tuning", "ensemble"}
    assert set(tuned["ensemble"]["threshold_0_5"]) == expected
    summary = read_json(root / "metrics" / "data.json")
    assert summary["splits"]["test"]["labelled"] is (example != "delimited_ids")


def test_predict_reads_the_users_file_and_uses_the_five_labels(own_project):
    example, root = own_project
    source = {"columns": "examples/tickets-columns/tickets.csv",
              "list": "examples/tickets-list/tickets.jsonl"}.get(example)  # fmt: skip
    column = {"columns": "text", "list": "body"}.get(example)
    if source is None:  # a header-less table has no named text column: give its texts as .txt
        texts = read_table(root / "examples/tickets-ids/train.tsv", header=False)["1"]
        source = str(root / "texts.txt")
        Path(source).write_text("\n".join(texts.str.replace("\n", " ")) + "\n", encoding="utf-8")
        texts = read_table(root / "examples/tickets-ids/test.tsv", header=False)["1"]
        with Path(source).open("a", encoding="utf-8") as handle:
            handle.write("\n".join(texts.str.replace("\n", " ")) + "\n")
    output = predict(["--input", source, "--text-column", str(column)], root)
    records = [json.loads(line) for line in output.split("\n") if line]  # U+2028 is no line end
    assert len(records) == 150
    names = read_json(root / "data" / "raw" / "labels.json")["label_names"]
    assert all(list(record["probabilities"]) == names for record in records)
    if example != "delimited_ids":
        assert any("\n" in record["text"] for record in records)  # a quoted line break survived
