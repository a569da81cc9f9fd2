"""make relock re-hashes only what no stage produces: code, params and source data."""

from pathlib import PurePosixPath

from mltc.pipeline.relock import produced

OUTPUTS = [PurePosixPath("data/raw"), PurePosixPath("models/members/plain")]


def test_an_output_what_lies_in_one_and_what_holds_one_are_produced():
    assert produced("data/raw", OUTPUTS)
    assert produced("data/raw/labels.json", OUTPUTS)
    assert produced("models/members", OUTPUTS)


def test_code_params_and_source_data_are_not_produced():
    for path in ("src/mltc/core", "stages/train.py", "params.yaml", "data/semeval2018-task1"):
        assert not produced(path, OUTPUTS), path
    assert not produced("data/rawer", OUTPUTS)  # a sibling with a common prefix
