import pytest

from conftest import SEMEVAL_DIR, data_config, read_data
from mltc.core.errors import PipelineError
from mltc.ingest import semeval


def test_shipped_release_has_official_sizes_labels_and_texts():
    loaded = read_data(data_config())
    assert {split: len(data.ids) for split, data in loaded.splits.items()} == {
        "train": 6838, "validation": 886, "test": 3259,
    }  # fmt: skip
    assert loaded.schema.label_names == (
        "anger",
        "anticipation",
        "disgust",
        "fear",
        "joy",
        "love",
        "optimism",
        "pessimism",
        "sadness",
        "surprise",
        "trust",
    )  # fmt: skip  (the header's order)
    for split, no_emotion in {"train": 204, "validation": 14, "test": 75}.items():
        assert int((loaded.splits[split].gold.sum(axis=1) == 0).sum()) == no_emotion
    train = loaded.splits["train"]
    assert train.ids[0] == "2017-En-21441"
    # a quote character inside a tweet is kept as is (no CSV quoting)
    assert train.texts[0].startswith("“Worry is a down payment")
    assert loaded.schema.layout.kind == "semeval"


def test_official_predictions_have_the_release_layout():
    text = semeval.format_predictions(
        ["2018-En-1", "2018-En-2"], ['He said "hi"', "ok"], [[1, 0], [0, 0]], ("anger", "joy")
    )
    assert text == 'ID\tTweet\tanger\tjoy\n2018-En-1\tHe said "hi"\t1\t0\n2018-En-2\tok\t0\t0\n'


def test_a_tab_inside_a_text_cannot_be_written_officially():
    with pytest.raises(PipelineError, match="'x1' contains a tab"):
        semeval.format_predictions(["x1"], ["a\tb"], [[1]], ("joy",))


def test_wrong_columns_are_named(write_tsv):
    path = write_tsv([["Id", "Text", "joy"], ["1", "hi", "1"]])
    with pytest.raises(PipelineError, match=r"columns are \['Id', 'Text', 'joy'\], expected ID"):
        semeval.read_release_file(path)


def test_missing_release_files_point_at_the_params(tmp_path):
    with pytest.raises(PipelineError, match=r"missing .*2018-E-c-En-train.txt.*data\.path"):
        semeval.read_release(tmp_path, "English")


def test_release_file_follows_the_official_names():
    assert semeval.release_file(SEMEVAL_DIR, "Spanish", "validation") == (
        SEMEVAL_DIR / "Spanish" / "E-c" / "2018-E-c-Es-dev.txt"
    )
