import pytest

from conftest import SEMEVAL_DIR, official_frame
from mltc import semeval
from mltc.errors import PipelineError


def test_local_release_has_official_sizes_and_label_order():
    splits = semeval.read_local_release(SEMEVAL_DIR, "English")
    assert {split: len(frame) for split, frame in splits.items()} == {
        "train": 6838, "validation": 886, "test": 3259,
    }  # fmt: skip
    for split, no_emotion in {"train": 204, "validation": 14, "test": 75}.items():
        frame = splits[split]
        assert list(frame.columns) == ["id", "text", *semeval.LABEL_NAMES]
        assert int((frame[list(semeval.LABEL_NAMES)].sum(axis=1) == 0).sum()) == no_emotion
    assert splits["train"]["id"].iloc[0] == "2017-En-21441"
    # a quote character inside a tweet is kept as is (no CSV quoting)
    assert splits["train"]["text"].iloc[0].startswith("“Worry is a down payment")


def test_hub_booleans_become_zero_one():
    frame = official_frame(2)
    frame["joy"] = [True, False]
    uniform = semeval.to_uniform(frame, source="hub")
    assert uniform["joy"].tolist() == [1, 0]
    assert uniform["anger"].dtype == "int8"


def test_bad_label_value_names_file_and_row(write_tsv):
    frame = official_frame(3)
    frame.loc[1, "fear"] = "2"
    path = write_tsv([list(frame.columns), *frame.to_numpy().tolist()])
    with pytest.raises(PipelineError, match=r"file.txt, row 3: label 'fear' is '2'"):
        semeval.read_release_file(path)


def test_wrong_columns_are_named(write_tsv):
    path = write_tsv([["ID", "Tweet", "joy"], ["1", "hi", "1"]])
    with pytest.raises(PipelineError, match="columns are \\['ID', 'Tweet', 'joy'\\]"):
        semeval.read_release_file(path)


def test_empty_text_names_the_row(write_tsv):
    frame = official_frame(2)
    frame.loc[0, semeval.TEXT_COLUMN] = "  "
    path = write_tsv([list(frame.columns), *frame.to_numpy().tolist()])
    with pytest.raises(PipelineError, match="row 2: the tweet text is empty"):
        semeval.read_release_file(path)


def test_non_utf8_file_is_reported(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("ID\tTweet\ncaf\xe9".encode("latin-1"))
    with pytest.raises(PipelineError, match=r"latin1\.txt: not UTF-8"):
        semeval.read_release_file(path)


def test_missing_release_files_point_at_the_params(tmp_path):
    with pytest.raises(PipelineError, match=r"download\.local_dir.*download\.source=hub"):
        semeval.read_local_release(tmp_path, "English")


def test_unreachable_hub_names_source_and_local_params():
    with pytest.raises(PipelineError) as error:
        semeval.read_hub(
            "SemEvalWorkshop/sem_eval_2018_task_1", "English", "refs/convert/parquet", "x"
        )
    message = str(error.value)
    assert "SemEvalWorkshop/sem_eval_2018_task_1 (subtask5.english" in message
    assert "download.source=local" in message and "download.local_dir" in message
