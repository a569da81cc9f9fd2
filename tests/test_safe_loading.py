"""Loading a classifier folder runs no code from it: a malicious pickle planted wherever a loader
reads is refused with one line naming the file (or, where no loader reads, never opened), and the
marker file it would create never appears. A damaged, truncated or foreign file gets one line too."""

import os
import pickle
import shutil
from pathlib import Path

import pytest
import skops.io
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from mltc.core.errors import PipelineError
from mltc.modeling.baseline.tfidf import MODEL_FILE, PICKLE_FILE
from mltc.serving.cli import main as predict_main
from mltc.serving.predictor import Predictor


class Planted:
    """Unpickling it runs `touch MARKER`: what a malicious model file does."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.fixture
def classifier(shipped_classifier) -> Path:
    return shipped_classifier


@pytest.fixture
def copy(classifier, tmp_path) -> Path:
    target = tmp_path / "classifier"
    shutil.copytree(classifier, target)
    return target


MEMBER = Path("members") / "tiny"
# every file a loader reads: refused, naming the file
READ = [
    Path("ensemble.json"),
    Path("thresholds.json"),
    Path("baseline") / MODEL_FILE,
    Path("baseline") / "labels.json",
    MEMBER / "config.json",
    MEMBER / "model.safetensors",
    MEMBER / "tokenizer.json",
    MEMBER / "text_encoding.json",
]
# pickles a careless loader would read: never opened
NEVER_READ = [MEMBER / "pytorch_model.bin", MEMBER / "training_args.bin"]


def test_the_folder_as_written_loads_and_predicts(classifier):
    assert len(Predictor(classifier).predict(["hello", "what a day"])) == 2


@pytest.mark.parametrize("planted", READ, ids=str)
def test_a_pickle_where_a_loader_reads_is_refused_and_never_run(copy, planted, tmp_path):
    marker = tmp_path / "marker"
    (copy / planted).write_bytes(pickle.dumps(Planted(marker)))
    with pytest.raises(PipelineError) as error:
        Predictor(copy).predict(["hello"])
    assert str(copy / planted) in str(error.value), str(error.value)
    assert not marker.exists()


@pytest.mark.parametrize("planted", NEVER_READ, ids=str)
def test_a_pickle_beside_the_safetensors_weights_is_never_opened(copy, planted, tmp_path):
    marker = tmp_path / "marker"
    (copy / planted).write_bytes(pickle.dumps(Planted(marker)))
    assert len(Predictor(copy).predict(["hello"])) == 1
    assert not marker.exists()


def test_a_pickled_baseline_of_an_older_run_is_refused_unopened(copy, tmp_path):
    marker = tmp_path / "marker"
    (copy / "baseline" / MODEL_FILE).unlink()
    (copy / "baseline" / PICKLE_FILE).write_bytes(pickle.dumps(Planted(marker)))
    with pytest.raises(PipelineError, match=rf"{PICKLE_FILE} is a pickle, which can run code"):
        Predictor(copy)
    assert not marker.exists()


def test_a_baseline_of_untrusted_types_is_refused(copy, tmp_path):
    """A skops file whose pipeline calls os.system: skops would build it only if trusted."""
    marker = tmp_path / "marker"
    hostile = Pipeline([("run", FunctionTransformer(os.system, kw_args={}))])
    skops.io.dump(hostile, copy / "baseline" / MODEL_FILE)
    with pytest.raises(PipelineError, match=r"holds types that are not trusted to load \(.*system"):
        Predictor(copy).predict([f"touch {marker}"])
    assert not marker.exists()


@pytest.mark.parametrize(
    ("damaged", "content", "message"),
    [
        ("thresholds.json", b'{"thresholds": {"anger": 0.', "is damaged: not valid JSON"),
        ("thresholds.json", b'{"thresholds": {"anger": 7}}', "expected thresholds"),
        ("ensemble.json", b'{"members": {"x": "../../elsewhere"}, "baseline_weight": 0.3}',
         r"expected members \(folders inside"),
        (str(MEMBER / "text_encoding.json"), b'{"max_length": "long"}', "expected max_length"),
    ],
)  # fmt: skip
def test_a_damaged_file_is_named_in_one_line(copy, damaged, content, message):
    (copy / damaged).write_bytes(content)
    with pytest.raises(PipelineError, match=message) as error:
        Predictor(copy)
    assert str(copy / damaged) in str(error.value)


@pytest.mark.parametrize("truncated", [Path("baseline") / MODEL_FILE, MEMBER / "model.safetensors"])
def test_a_truncated_file_is_named(copy, truncated):
    data = (copy / truncated).read_bytes()
    (copy / truncated).write_bytes(data[: len(data) // 2])
    with pytest.raises(PipelineError) as error:
        Predictor(copy)
    assert str(copy / truncated.parent) in str(error.value)


@pytest.mark.parametrize("planted", [Path("thresholds.json"), Path("baseline") / MODEL_FILE])
def test_predict_answers_a_planted_file_with_one_line_and_exit_2(copy, planted, tmp_path, capsys):
    marker = tmp_path / "marker"
    (copy / planted).write_bytes(pickle.dumps(Planted(marker)))
    with pytest.raises(SystemExit) as stopped:
        predict_main(["--model", str(copy), "hello"])
    assert stopped.value.code == 2
    stderr = capsys.readouterr().err
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert [line.startswith(f"error: {copy / planted}") for line in errors] == [True]
    assert "Traceback" not in stderr
    assert not marker.exists()


# every file the ONNX backend reads in an export folder (mltc.export.graph_folder)
EXPORT_READ = [
    Path("ensemble.json"),
    Path("thresholds.json"),
    Path("baseline") / MODEL_FILE,
    MEMBER / "onnx_member.json",
    MEMBER / "model.onnx",
    MEMBER / "tokenizer.json",
    MEMBER / "text_encoding.json",
]


@pytest.fixture
def export_copy(exported_classifier, tmp_path) -> Path:
    target = tmp_path / "export"
    shutil.copytree(exported_classifier, target)
    return target


@pytest.mark.parametrize("planted", EXPORT_READ, ids=str)
def test_a_pickle_in_an_export_is_refused_and_never_run(export_copy, planted, tmp_path):
    marker = tmp_path / "marker"
    (export_copy / planted).write_bytes(pickle.dumps(Planted(marker)))
    with pytest.raises(PipelineError) as error:
        Predictor(export_copy, backend="onnx").predict(["hello"])
    assert str(export_copy / planted) in str(error.value), str(error.value)
    assert not marker.exists()


@pytest.mark.parametrize("int8", [False, True], ids=["fp32", "int8"])
def test_a_truncated_graph_is_named(export_copy, int8):
    graph = export_copy / MEMBER / ("model.int8.onnx" if int8 else "model.onnx")
    data = graph.read_bytes()
    graph.write_bytes(data[: len(data) // 2])
    with pytest.raises(PipelineError, match=rf"^{graph} is not a graph ONNX Runtime can run"):
        Predictor(export_copy, backend="onnx", int8=int8)
