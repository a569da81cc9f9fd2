import json

from mltc.modeling import checkpoints


def test_fingerprint_moves_with_params_and_with_any_dependency_file(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.arrow").write_bytes(b"one")
    (tmp_path / "code.py").write_text("x = 1\n")
    deps = [tmp_path / "code.py", tmp_path / "data"]
    first = checkpoints.fingerprint({"train": {"epochs": 3}}, deps)
    assert checkpoints.fingerprint({"train": {"epochs": 3}}, reversed(deps)) == first
    assert checkpoints.fingerprint({"train": {"epochs": 4}}, deps) != first
    (tmp_path / "data" / "a.arrow").write_bytes(b"two")  # a file inside a folder dependency
    assert checkpoints.fingerprint({"train": {"epochs": 3}}, deps) != first


def test_resume_point_takes_the_last_checkpoint_of_the_same_run_only(tmp_path):
    folder = tmp_path / "checkpoints"
    assert checkpoints.resume_point(folder, "abc") == (
        None, "no checkpoint to resume from: training from the start",
    )  # fmt: skip
    checkpoints.start_fresh(folder, "abc")
    for step, epoch in ((4, 1.0), (8, 2.0)):
        (folder / f"checkpoint-{step}").mkdir()
        state = {"global_step": step, "max_steps": 12, "epoch": epoch}
        (folder / f"checkpoint-{step}" / "trainer_state.json").write_text(json.dumps(state))
    path, message = checkpoints.resume_point(folder, "abc")
    assert path == folder / "checkpoint-8"
    assert message == f"resuming from {folder / 'checkpoint-8'} (step 8 of 12, epoch 2)"
    path, message = checkpoints.resume_point(folder, "other")
    assert path is None and "made with other params, data or code" in message
    checkpoints.start_fresh(folder, "other")
    assert sorted(p.name for p in folder.iterdir()) == ["fingerprint.json"]


def test_stage_fingerprint_hashes_what_dvc_yaml_declares_for_either_kind_of_stage(
    tmp_path, monkeypatch
):
    """A `foreach` stage's deps name the member through ${key}; a single stage's are read as
    written. A file the stage does not declare moves neither."""
    monkeypatch.chdir(tmp_path)
    for name in ("a.py", "b.py", "plain.txt", "other.txt"):
        (tmp_path / name).write_text(name)
    stages = {
        "train": {"foreach": ["plain"], "do": {"cmd": "x", "deps": ["a.py", "${key}.txt"]}},
        "distill": {"cmd": "y", "deps": ["b.py", "plain.txt"]},
    }
    (tmp_path / "dvc.yaml").write_text(json.dumps({"stages": stages}))
    params = {"train": {"epochs": 3}}
    train = checkpoints.stage_fingerprint("train", params, "plain")
    distill = checkpoints.stage_fingerprint("distill", params)
    assert train == checkpoints.fingerprint(params, ["a.py", "plain.txt"])
    assert distill == checkpoints.fingerprint(params, ["b.py", "plain.txt"])
    (tmp_path / "other.txt").write_text("changed")
    assert checkpoints.stage_fingerprint("train", params, "plain") == train
    (tmp_path / "plain.txt").write_text("changed")
    assert checkpoints.stage_fingerprint("train", params, "plain") != train
    assert checkpoints.stage_fingerprint("distill", params) != distill
