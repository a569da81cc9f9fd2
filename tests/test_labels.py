import pytest

from mltc.core.errors import PipelineError
from mltc.core.labels import LabelSchema, Layout, model_label_names


def test_schema_round_trips_through_json(tmp_path):
    layout = Layout(
        file_format="jsonl", id_column="ticket", label_format="list", label_column="tags"
    )
    schema = LabelSchema(("joy", "anger"), labelled_splits=("train", "validation"), layout=layout)
    schema.save(tmp_path / "labels.json")
    assert LabelSchema.load(tmp_path / "labels.json") == schema
    assert schema.id2label == {0: "joy", 1: "anger"}
    assert schema.label2id == {"joy": 0, "anger": 1}
    assert schema.is_labelled("validation") and not schema.is_labelled("test")


@pytest.mark.parametrize(
    ("names", "message"),
    [((), "empty"), (("joy", "joy"), "duplicate"), (("joy", " "), "blank")],
)
def test_schema_rejects_bad_label_lists(names, message):
    with pytest.raises(PipelineError, match=message):
        LabelSchema(names)


def test_missing_schema_file_says_to_run_download(tmp_path):
    with pytest.raises(PipelineError, match="dvc repro download"):
        LabelSchema.load(tmp_path / "labels.json")


def test_a_model_with_other_labels_is_refused_showing_the_difference():
    schema = LabelSchema(("joy", "anger", "fear"))
    schema.check_model_labels({0: "joy", 1: "anger", 2: "fear"}, "models/members/plain")
    with pytest.raises(
        PipelineError,
        match=r"models/members/plain has other labels than the data \(2 against 3: missing \['fear'\], "
        r"extra \[\]\): re-run the train stage",
    ):
        schema.check_model_labels({0: "joy", 1: "anger"}, "models/members/plain")
    with pytest.raises(
        PipelineError, match=r"same labels in another order: \['anger', 'joy', 'fear'\]"
    ):
        schema.check_model_labels({0: "anger", 1: "joy", 2: "fear"}, "models/members/plain")


def test_model_label_names_follow_the_ids_whether_int_or_string_keys():
    assert model_label_names({1: "anger", 0: "joy", 10: "trust", 2: "fear"}) == [
        "joy", "anger", "fear", "trust",
    ]  # fmt: skip
    assert model_label_names({"1": "anger", "0": "joy"}) == ["joy", "anger"]
