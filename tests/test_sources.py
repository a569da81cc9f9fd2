"""Your own data: every file layout and label format, and every bad input with its message."""

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from conftest import EXAMPLES, data_config, read_data
from mltc.core.errors import PipelineError
from mltc.core.tables import write_table
from mltc.ingest import sources
from pipeline_projects import OWN_DATA_PARAMS


@pytest.fixture(autouse=True, params=["one chunk", "chunks of 7 rows"])
def chunk_rows(request, monkeypatch) -> int:
    """Every test runs twice: each split read whole, and read 7 rows at a time (row numbers in
    errors, repeated ids and empty texts must then be found across chunks)."""
    rows = sources.CHUNK_ROWS if request.param == "one chunk" else 7
    monkeypatch.setattr(sources, "CHUNK_ROWS", rows)
    return rows


TRICKY = ['quote " and, comma', "two\nlines", "a\ttab", "emoji 😀", "sep\u2028and\u0085next"]


def files_config(path, **changes):
    files = {"train": "train.csv", "validation": None, "test": None} | changes.pop("files", {})
    return data_config(source="files", path=str(path), files=files, **changes)


def write_csv(path, rows, header=("id", "text", "a", "b", "c")):
    pd.DataFrame(rows, columns=list(header)).to_csv(path, index=False)
    return path


def rows(count=30, start=0):
    """Texts with labels a, b, c: each label on a third of the rows, some rows with none."""
    return [
        [f"r{i}", f"text number {i} {TRICKY[i % len(TRICKY)]}", i % 3 == 0, i % 3 == 1, i % 5 == 0]
        for i in range(start, start + count)
    ]


def test_one_csv_with_label_columns_is_split_three_ways(tmp_path):
    path = write_csv(tmp_path / "all.csv", [[r[0], r[1], *map(int, r[2:])] for r in rows(100)])
    loaded = read_data(files_config(path, columns={"id": "id"}))
    sizes = {split: len(data.ids) for split, data in loaded.splits.items()}
    assert sizes == {"train": 80, "validation": 10, "test": 10}
    assert loaded.schema.label_names == ("a", "b", "c")  # the column order
    for data in loaded.splits.values():  # stratified: every label in every split
        assert (data.gold.sum(axis=0) > 0).all()
    all_ids = np.concatenate([data.ids for data in loaded.splits.values()])
    assert sorted(all_ids) == sorted(f"r{i}" for i in range(100))
    assert any(line in loaded.notes[0] for line in ["test: 10 texts split off train"])


def test_the_split_is_the_same_for_the_same_seed_and_moves_with_another(tmp_path):
    path = write_csv(tmp_path / "all.csv", [[r[0], r[1], *map(int, r[2:])] for r in rows(100)])
    first = read_data(files_config(path, columns={"id": "id"}))
    again = read_data(files_config(path, columns={"id": "id"}))
    other = read_data(files_config(path, columns={"id": "id"}, split={"seed": 7}))
    np.testing.assert_array_equal(first.splits["test"].ids, again.splits["test"].ids)
    assert set(first.splits["test"].ids) != set(other.splits["test"].ids)


@pytest.mark.parametrize("fmt", ["csv", "tsv", "jsonl", "parquet"])
def test_tricky_texts_round_trip_through_every_reader(tmp_path, fmt):
    frame = pd.DataFrame({"id": [f"x{i}" for i in range(40)],
                          "text": [TRICKY[i % len(TRICKY)] + f" {i}" for i in range(40)],
                          "labels": [["a", "b"][: i % 3] for i in range(40)]})  # fmt: skip
    if fmt in ("csv", "tsv"):
        frame["labels"] = [" ".join(labels) for labels in frame["labels"]]
    path = tmp_path / f"data.{fmt}"
    write_table(frame, path, fmt)
    loaded = read_data(files_config(path, columns={"id": "id"}, split={"test": 0}))
    texts = {
        i: t for data in loaded.splits.values() for i, t in zip(data.ids, data.texts, strict=True)
    }
    assert texts == dict(zip(frame["id"], frame["text"], strict=True))
    assert loaded.schema.layout.label_format == (
        "list" if fmt in ("jsonl", "parquet") else "delimited"
    )


def test_headerless_tsv_with_integer_ids_and_an_unlabelled_test_file():
    loaded = read_data(
        files_config(
            EXAMPLES / "tickets-ids",
            files={"train": "train.tsv", "test": "test.tsv", "header": False},
            columns={"id": 0, "text": 1},
            labels={
                "column": 2,
                "delimiter": ",",
                "names_file": str(EXAMPLES / "tickets-ids" / "label_names.txt"),
            },
        )
    )
    assert loaded.schema.label_names == ("billing", "bug", "feature_request", "account", "urgent")
    assert loaded.schema.labelled_splits == ("train", "validation")
    assert loaded.splits["test"].gold is None and len(loaded.splits["test"].ids) == 30
    train = loaded.splits["train"]
    row = list(train.ids).index("T0002")  # labels "0,1,4"
    assert train.gold[row].tolist() == [1, 1, 0, 0, 1]
    assert loaded.schema.layout.label_ids and loaded.schema.layout.header is False


def test_jsonl_with_a_split_column_and_label_lists():
    loaded = read_data(
        files_config(
            EXAMPLES / "tickets-list" / "tickets.jsonl",
            files={"split_column": "split"},
            columns={"id": "ticket", "text": "body"},
            labels={"column": "tags"},
        )
    )
    assert {split: len(data.ids) for split, data in loaded.splits.items()} == {
        "train": 90, "validation": 30, "test": 30,
    }  # fmt: skip
    # the label set comes from the data, sorted
    assert loaded.schema.label_names == ("account", "billing", "bug", "feature_request", "urgent")
    first = json.loads((EXAMPLES / "tickets-list" / "tickets.jsonl").read_text().splitlines()[1])
    row = list(loaded.splits["train"].ids).index(first["ticket"])
    expected = [int(name in first["tags"]) for name in loaded.schema.label_names]
    assert loaded.splits["train"].gold[row].tolist() == expected


def test_a_given_label_list_fixes_the_order(tmp_path):
    path = tmp_path / "train.csv"
    pd.DataFrame({"text": ["x y"] * 20, "labels": ["b a", "a", "", "c"] * 5}).to_csv(
        path, index=False
    )
    loaded = read_data(files_config(path, labels={"names": ["c", "b", "a"]}))
    assert loaded.schema.label_names == ("c", "b", "a")
    assert loaded.splits["validation"].ids[0].startswith("train-")  # ids from row numbers


def bad(tmp_path, content: str | bytes, name="train.csv", **changes):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return files_config(path, **changes)


GOOD_ROWS = "".join(f"r{i},text {i},{i % 2},{(i + 1) % 2}\n" for i in range(10))


@pytest.mark.parametrize(
    ("content", "changes", "message"),
    [
        ("id,body,a\nr1,x,1\n", {}, r"train.csv: no text column 'text'; columns are \['id', 'body', 'a'\] \(set data.columns.text\)"),
        ("id,text,a\nr1,x,1\n", {"labels": {"columns": ["a", "b"]}}, r"no label column\(s\) \['b'\]"),
        ("id,text,tags\nr1,x,a\n", {"labels": {"format": "list", "column": "labels"}}, r"no label column 'labels'"),
        ("id,text,a,b\n" + GOOD_ROWS + "r9x,   ,1,0\n", {}, r"train.csv, row 11: the text is empty \(1 such row\(s\)\); remove them, or set data.empty_text=drop"),
        ("id,text,a,b\n" + GOOD_ROWS + "r10,x,2,0\n", {}, r"train.csv, row 11: label column 'a' holds '2'; expected 0, 1, true or false"),
        ("id,text,a,b\n" + GOOD_ROWS + "r10,x,,0\n", {}, r"train.csv, row 11: column 'a' has no value; fill it in or remove the row"),
        ("id,text,a,b\n" + GOOD_ROWS + "r3,x,1,0\n", {}, r"train.csv: id 'r3' appears in rows \[4, 11\]; every id must be unique"),
        ("id,text,a,b\n" + GOOD_ROWS + "r10,x,1,0,1\n", {}, r"train.csv: line 12 has 5 fields where the header has 4"),
        ("id,text,a,b\n", {}, r"train.csv: no rows \(an empty split\)"),
        ("id,text,labels\nr1,x,a b\nr2,y,a z\n", {"labels": {"names": ["a", "b"]}}, r"train.csv, row 2: unknown label 'z'; the labels are \['a', 'b'\]"),
        ("id,text,labels\nr1,x,0 7\n", {"labels": {"names_file": "NAMES"}}, r"train.csv, row 1: label id '7' is not one of 0..1"),
    ],
)  # fmt: skip
def test_bad_input_names_file_row_and_what_to_do(tmp_path, content, changes, message):
    if changes.get("labels", {}).get("names_file") == "NAMES":
        (tmp_path / "names.txt").write_text("a\nb\n", encoding="utf-8")
        changes["labels"]["names_file"] = str(tmp_path / "names.txt")
    config = bad(tmp_path, content, columns={"id": "id"}, **changes)
    with pytest.raises(PipelineError, match=message):
        read_data(config)


def test_a_file_that_is_not_utf8_names_the_line(tmp_path):
    config = bad(
        tmp_path, "id,text,a\nr1,ok,1\nr2,caf\xe9,0\n".encode("latin-1"), columns={"id": "id"}
    )
    with pytest.raises(
        PipelineError, match=r"train.csv, line 3: not UTF-8 .*save the file as UTF-8"
    ):
        read_data(config)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(PipelineError, match=r"data.files.train: .*train.csv: no such file"):
        read_data(files_config(tmp_path))
    (tmp_path / "train.csv").write_text("text,a\nx,1\n", encoding="utf-8")
    with pytest.raises(PipelineError, match=r"data.files.validation: .*dev.csv: no such file"):
        read_data(files_config(tmp_path, files={"validation": "dev.csv"}))


def test_rows_after_a_dropped_text_keep_their_row_number_in_errors(tmp_path):
    config = bad(tmp_path, "id,text,a\nr1, ,1\nr2,x,7\n", columns={"id": "id"}, empty_text="drop")
    with pytest.raises(PipelineError, match=r"train.csv, row 2: label column 'a' holds '7'"):
        read_data(config)


def test_empty_texts_may_be_dropped_with_a_count(tmp_path):
    config = bad(tmp_path, "id,text,a,b\n" + GOOD_ROWS * 1 + "r10,  ,1,0\n", columns={"id": "id"},
                 empty_text="drop", split={"test": 0})  # fmt: skip
    loaded = read_data(config)
    assert sum(len(data.ids) for data in loaded.splits.values()) == 10
    assert "train: dropped 1 empty text(s)" in loaded.notes[0]


def test_an_id_in_two_splits_is_refused(tmp_path):
    (tmp_path / "train.csv").write_text(
        "id,text,a\n" + "".join(f"r{i},x,{i % 2}\n" for i in range(10)), encoding="utf-8"
    )
    (tmp_path / "dev.csv").write_text("id,text,a\nr3,y,1\n", encoding="utf-8")
    config = files_config(tmp_path, files={"validation": "dev.csv"}, columns={"id": "id"})
    with pytest.raises(PipelineError, match=r"id 'r3' is in both .*train.csv and .*dev.csv"):
        read_data(config)


def test_a_label_missing_from_train_is_a_warning_naming_it(tmp_path):
    (tmp_path / "train.csv").write_text("text,a,b\n" + "x,1,0\n" * 10, encoding="utf-8")
    (tmp_path / "dev.csv").write_text("text,a,b\ny,0,1\n", encoding="utf-8")
    config = files_config(tmp_path, files={"validation": "dev.csv"}, split={"test": 0})
    with pytest.warns(UserWarning, match=r"label\(s\) \['b'\] never occur in train"):
        read_data(config)


def test_too_little_data_to_split_says_what_to_do(tmp_path):
    config = bad(tmp_path, "text,a\nx,1\n", split={"validation": 0.1, "test": 0})
    with pytest.raises(PipelineError, match="cannot split 10% of 1 texts off the training data"):
        read_data(config)


def test_every_example_dataset_loads_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_data(files_config(EXAMPLES / "tickets-columns" / "tickets.csv", columns={"id": "id"}))


def absolute(params: dict) -> dict:
    """An example's params with its paths made absolute (the tests may run from anywhere)."""

    def fix(value):
        if isinstance(value, dict):
            return {key: fix(item) for key, item in value.items()}
        is_path = isinstance(value, str) and value.startswith("examples/")
        return str(EXAMPLES.parent / value) if is_path else value

    return fix(params)


@pytest.mark.parametrize("example", list(OWN_DATA_PARAMS))
@pytest.mark.parametrize("max_rows", [None, 10])
@pytest.mark.filterwarnings("ignore:label.*never occur in train")
def test_every_example_gives_the_same_splits_read_whole_or_in_chunks(
    example, max_rows, monkeypatch
):
    """The download stage's two passes (check, then write with split-off rows routed from a
    file) give the same rows, labels, order and notes read 7 rows at a time as in one chunk."""
    config = data_config(**absolute(OWN_DATA_PARAMS[example]), max_rows=max_rows)
    monkeypatch.setattr(sources, "CHUNK_ROWS", 7)
    chunked = read_data(config)
    monkeypatch.setattr(sources, "CHUNK_ROWS", 1_000_000)
    whole = read_data(config)
    assert chunked.notes == whole.notes
    assert chunked.schema == whole.schema
    assert list(chunked.splits) == list(whole.splits)
    for split, expected in whole.splits.items():
        got = chunked.splits[split]
        np.testing.assert_array_equal(got.ids, expected.ids)
        np.testing.assert_array_equal(got.texts, expected.texts)
        if expected.gold is None:
            assert got.gold is None
        else:
            np.testing.assert_array_equal(got.gold, expected.gold)
    if max_rows is not None:
        assert all(len(data.ids) <= max_rows for data in whole.splits.values())
