import numpy as np
import pytest

from mltc.data.labels import LabelSchema, label_matrix, model_label_names
from mltc.errors import PipelineError


def test_schema_round_trips_through_json(tmp_path):
    schema = LabelSchema(("joy", "anger"), id_column="ID", text_column="Tweet")
    schema.save(tmp_path / "labels.json")
    assert LabelSchema.load(tmp_path / "labels.json") == schema
    assert schema.id2label == {0: "joy", 1: "anger"}
    assert schema.label2id == {"joy": 0, "anger": 1}


@pytest.mark.parametrize(
    ("names", "message"),
    [((), "empty"), (("joy", "joy"), "duplicate"), (("joy", "text"), "clash")],
)
def test_schema_rejects_bad_label_lists(names, message):
    with pytest.raises(PipelineError, match=message):
        LabelSchema(names)


def test_missing_schema_file_says_to_run_download(tmp_path):
    with pytest.raises(PipelineError, match="dvc repro download"):
        LabelSchema.load(tmp_path / "labels.json")


def test_model_with_other_label_order_is_rejected():
    schema = LabelSchema(("joy", "anger"))
    schema.check_model_labels({0: "joy", 1: "anger"}, "models/model")
    with pytest.raises(PipelineError, match="models/model predicts labels"):
        schema.check_model_labels({0: "anger", 1: "joy"}, "models/model")


def test_model_label_names_follow_the_ids_whether_int_or_string_keys():
    assert model_label_names({1: "anger", 0: "joy", 10: "trust", 2: "fear"}) == [
        "joy", "anger", "fear", "trust",
    ]  # fmt: skip
    assert model_label_names({"1": "anger", "0": "joy"}) == ["joy", "anger"]


def test_label_matrix_follows_the_contract_order_as_float32():
    matrix = label_matrix({"b": [1, 0], "a": [0, 1], "c": [1, 1]}, ["a", "b"])
    assert matrix.dtype == np.float32
    assert matrix.tolist() == [[0.0, 1.0], [1.0, 0.0]]
