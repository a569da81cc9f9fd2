import numpy as np
import pytest

from conftest import EXAMPLES, data_config, read_data, read_table
from mltc.core.labels import LabelSchema, Layout
from mltc.ingest.prediction_files import predictions_frame, write_predictions

IDS = ["a1", "a2", "a3"]
TEXTS = ['say "hi", ok', "two\nlines\tand a tab", "emoji 😀 and\u2028separator"]
PRED = np.array([[1, 0, 1], [0, 0, 0], [0, 1, 0]], dtype=np.int8)
NAMES = ("x", "y", "z")


@pytest.mark.parametrize(
    ("layout", "expected_labels"),
    [
        (Layout(file_format="csv", label_format="columns"), None),
        (Layout(file_format="jsonl", label_format="list", label_column="tags"), [["x", "z"], [], ["y"]]),
        (Layout(file_format="parquet", label_format="list", label_column="tags", label_ids=True), [[0, 2], [], [1]]),
        (Layout(file_format="tsv", label_format="delimited", delimiter=","), ["x,z", "", "y"]),
        (Layout(file_format="tsv", header=False, label_format="delimited", label_ids=True), ["0 2", "", "1"]),
    ],
)  # fmt: skip
def test_predictions_round_trip_in_the_input_layout(tmp_path, layout, expected_labels):
    schema = LabelSchema(NAMES, layout=layout)
    path = write_predictions(tmp_path / "test", IDS, TEXTS, PRED, schema)
    assert (
        path.suffix
        == {"csv": ".csv", "tsv": ".tsv", "jsonl": ".jsonl", "parquet": ".parquet"}[
            layout.file_format
        ]
    )
    table = read_table(path, header=layout.header)
    columns = [layout.id_column, layout.text_column] if layout.header else ["0", "1"]
    assert table[columns[0]].tolist() == IDS
    assert table[columns[1]].tolist() == TEXTS
    if expected_labels is None:
        assert table[list(NAMES)].astype(int).to_numpy().tolist() == PRED.tolist()
    else:
        column = layout.label_column if layout.header else "2"
        values = table[column].tolist()
        values = [list(v) for v in values] if layout.label_format == "list" else values
        assert values == expected_labels


def test_the_written_file_reads_back_as_the_same_data(tmp_path):
    """Predictions of the JSONL example, written and read back with the example's own params."""
    changes = dict(source="files", path=str(EXAMPLES / "tickets-list" / "tickets.jsonl"),
                   files={"split_column": "split"}, columns={"id": "ticket", "text": "body"},
                   labels={"column": "tags"})  # fmt: skip
    loaded = read_data(data_config(**changes))
    test = loaded.splits["test"]
    path = write_predictions(tmp_path / "out", test.ids, test.texts, test.gold, loaded.schema)
    again = read_data(
        data_config(
            **{**changes, "path": str(path), "files": {"split_column": None}, "split": {"test": 0}}
        )
    )
    reread = {
        i: (t, g.tolist())
        for d in again.splits.values()
        for i, t, g in zip(d.ids, d.texts, d.gold, strict=True)
    }
    assert reread == {
        i: (t, g.tolist()) for i, t, g in zip(test.ids, test.texts, test.gold, strict=True)
    }


def test_a_failing_row_publishes_nothing(tmp_path):
    schema = LabelSchema(NAMES, layout=Layout(kind="semeval"))
    (tmp_path / "test").mkdir()
    (tmp_path / "test" / "predictions.tsv").write_text("old\n", encoding="utf-8")
    with pytest.raises(Exception, match="contains a tab or line break"):
        write_predictions(tmp_path / "test", IDS, TEXTS, PRED, schema)
    assert (tmp_path / "test" / "predictions.tsv").read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["test"]  # no staging left behind


def test_predictions_frame_keeps_the_column_names_of_the_input():
    schema = LabelSchema(NAMES, layout=Layout(id_column="ID", text_column="body"))
    assert list(predictions_frame(IDS, TEXTS, PRED, schema).columns) == ["ID", "body", *NAMES]
