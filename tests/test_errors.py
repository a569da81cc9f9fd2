import pytest

from mltc.core.errors import PipelineError, run_stage
from mltc.core.files import atomic_path, read_json, write_json


def test_pipeline_error_ends_the_stage_with_one_line_and_exit_code_2(capsys):
    def main() -> None:
        raise PipelineError("train.epochs=0: expected a positive integer")

    with pytest.raises(SystemExit) as stop:
        run_stage(main)
    assert stop.value.code == 2
    assert capsys.readouterr().err == "error: train.epochs=0: expected a positive integer\n"


def test_a_failed_write_leaves_the_previous_output_whole(tmp_path):
    target = tmp_path / "metrics.json"
    write_json(target, {"jaccard": 0.5})
    with pytest.raises(RuntimeError), atomic_path(target) as staging:
        staging.write_text('{"jacc')
        raise RuntimeError("killed mid-write")
    assert read_json(target) == {"jaccard": 0.5}
    assert [path.name for path in tmp_path.iterdir()] == ["metrics.json"]


def test_atomic_path_replaces_a_folder(tmp_path):
    target = tmp_path / "model"
    target.mkdir()
    (target / "old.bin").write_text("old")
    with atomic_path(target) as staging:
        staging.mkdir()
        (staging / "new.bin").write_text("new")
    assert [path.name for path in target.iterdir()] == ["new.bin"]
