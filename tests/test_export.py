"""The ONNX export: the `tokenizers` library encodes as transformers does, plain and label-aware
graphs give torch's probabilities, the int8 graph multiplies in int8, the fp32 export is refused
when it disagrees, and `Predictor(backend="onnx")` runs where torch and transformers are not
installed."""

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
import tokenizers
import torch
import yaml
from safetensors.torch import save_file

from conftest import MAX_LENGTH
from mltc.core.errors import PipelineError
from mltc.core.text import TextEncoding, Windows
from mltc.decision.rule import DecisionRule
from mltc.ensemble.classifier_folder import write_classifier
from mltc.export.graph_folder import INT8_GRAPH_FILE
from mltc.export.package import write_export
from mltc.export.parity import PROBABILITY_TOLERANCE, check_parity, parity_report
from mltc.modeling.build import build_model
from mltc.modeling.model_files import WEIGHTS_FILE
from mltc.modeling.registry import REGISTRY
from mltc.serving.predictor import Predictor

LONG = "so many words " * 200  # far past max_length: truncated alike by both tokenizers
EXTRA = [LONG, "émojis 😡😱 and accents: ça va?", "#hashtags @user http://x.co/abc"]


def texts_of(semeval_slice) -> list[str]:
    return [*semeval_slice.splits["test"].texts, *EXTRA]


@pytest.mark.parametrize("label_aware", [False, True], ids=["plain", "label-aware"])
def test_the_tokenizers_library_encodes_as_transformers_does(
    tokenizer, label_names, semeval_slice, label_aware
):
    encoding = TextEncoding(MAX_LENGTH, tuple(label_names) if label_aware else None)
    texts = texts_of(semeval_slice)
    expected = encoding.encode(tokenizer, texts)
    fast = encoding.encode_fast(tokenizers.Tokenizer.from_str(tokenizer.backend_tokenizer.to_str()),
                                texts)  # fmt: skip
    assert [e.ids for e in fast] == expected["input_ids"]
    assert [e.type_ids for e in fast] == expected["token_type_ids"]
    assert [e.attention_mask for e in fast] == expected["attention_mask"]
    assert len(fast[0 - len(EXTRA)].ids) == MAX_LENGTH


@pytest.fixture(scope="module")
def two_kinds(tiny_model_dir, tokenizer, schema, label_names, tmp_path_factory) -> Path:
    """A classifier folder with a plain, a label-aware and a windowed tiny member (untrained), no
    baseline."""
    root = tmp_path_factory.mktemp("two-kinds")
    encoding = TextEncoding(MAX_LENGTH, tuple(label_names))
    torch.manual_seed(1)
    aware = build_model(REGISTRY["tiny"], schema, None, encoding.label_positions(tokenizer))
    folder = root / "aware"
    folder.mkdir()
    aware.save_config(folder)
    save_file({name: value.contiguous() for name, value in aware.state_dict().items()},
              folder / WEIGHTS_FILE)  # fmt: skip
    tokenizer.save_pretrained(folder)
    encoding.save(folder)
    windowed = root / "windowed"  # the plain member reading long texts as windows
    shutil.copytree(tiny_model_dir, windowed)
    TextEncoding(MAX_LENGTH // 4, None, Windows(4, "mean", 6)).save(windowed)
    classifier = root / "classifier"
    write_classifier(
        classifier, {"plain": tiny_model_dir, "aware": folder, "windowed": windowed},
        root / "none", 0.0,
        DecisionRule.fixed(label_names), {}, "# card\n",
    )  # fmt: skip
    write_export(root / "export", classifier, int8=True, trust_remote_code=False)
    return root


def test_plain_label_aware_and_windowed_graphs_give_torchs_probabilities(two_kinds, semeval_slice):
    texts = texts_of(semeval_slice)
    torch_predictor = Predictor(two_kinds / "classifier", batch_size=8, precision="fp32")
    onnx_predictor = Predictor(two_kinds / "export", batch_size=8, backend="onnx")
    for torch_member, onnx_member in zip(torch_predictor.members, onnx_predictor.members,
                                         strict=True):  # fmt: skip
        reference = torch_member.predict_proba(texts, 8)
        assert np.abs(onnx_member.predict_proba(texts, 8) - reference).max() < 1e-5
        assert onnx_member.truncated(texts) == torch_member.truncated(texts)
    assert onnx_predictor.predict(texts) == torch_predictor.predict(texts)


def test_the_int8_graph_multiplies_in_int8(two_kinds):
    graph = onnx.load(str(two_kinds / "export" / "members" / "aware" / INT8_GRAPH_FILE))
    operators = {node.op_type for node in graph.graph.node}
    assert {"DynamicQuantizeLinear", "MatMulInteger"} <= operators


def test_the_export_keeps_the_rule_and_the_baseline(shipped_classifier, exported_classifier):
    texts = ["What a wonderful surprise!", "I can't stand this anymore", LONG]
    torch_predictor = Predictor(shipped_classifier, precision="fp32")
    onnx_predictor = Predictor(exported_classifier, backend="onnx")
    assert onnx_predictor.baseline is not None
    assert onnx_predictor.baseline_weight == torch_predictor.baseline_weight
    assert onnx_predictor.rule == torch_predictor.rule
    np.testing.assert_allclose(
        onnx_predictor.predict_proba(texts), torch_predictor.predict_proba(texts), rtol=0,
        atol=1e-6,
    )  # fmt: skip


def test_a_classifier_folder_is_not_an_export(shipped_classifier):
    member = shipped_classifier / "members" / "tiny"
    with pytest.raises(PipelineError, match=rf"^{member} has no onnx_member.json: not an "
                       "exported member; re-run dvc repro export"):  # fmt: skip
        Predictor(shipped_classifier, backend="onnx")


def test_an_unknown_backend_is_named(exported_classifier):
    with pytest.raises(PipelineError, match=r"^backend='tf': expected one of torch, onnx$"):
        Predictor(exported_classifier, backend="tf")


def report_with(difference: float, label_names, member_difference: float | None = None) -> dict:
    """Made-up probabilities: the fp32 export off by `difference` (a member alone by
    `member_difference`, else the same)."""
    gold = np.eye(4, len(label_names), dtype=np.int8)
    reference = np.full((4, len(label_names)), 0.2)
    probs = {"torch_fp32": {"test": reference}, "onnx_fp32": {"test": reference + difference}}
    members = {variant: {"m": by_split} for variant, by_split in probs.items()}
    if member_difference is not None:
        members["onnx_fp32"] = {"m": {"test": reference + member_difference}}
    return parity_report(probs, members, {"test": gold}, DecisionRule.fixed(label_names),
                         label_names)  # fmt: skip


def test_parity_is_measured_against_torch(label_names):
    report = report_with(PROBABILITY_TOLERANCE / 2, label_names)["onnx_fp32"]["test"]
    assert report["max_probability_difference"] == pytest.approx(PROBABILITY_TOLERANCE / 2)
    assert report["texts_with_different_labels"] == 0
    assert report["member_max_probability_difference"] == {
        "m": pytest.approx(PROBABILITY_TOLERANCE / 2)
    }
    assert set(report["per_label_f1_change"]) == set(label_names)
    assert set(report["per_label_f1_change"].values()) == {0.0}


@pytest.mark.parametrize(
    ("difference", "message"),
    [(2e-4, r"largest probability difference 2.00e-04 \(member m: 2.00e-04; allowed 1e-04\), 0 "
            "texts"),
     (0.4, r"largest probability difference 4.00e-01 \(member m: 4.00e-01; allowed 1e-04\), 4 "
           "texts with other labels")],
)  # fmt: skip
def test_an_export_that_disagrees_is_refused_in_one_line(label_names, difference, message):
    with pytest.raises(PipelineError, match=f"^the ONNX export disagrees with torch on test: "
                       f"{message}"):  # fmt: skip
        check_parity(report_with(difference, label_names))


# an environment without torch or transformers: importing either fails as if not installed
WITHOUT_TORCH = """
import importlib.abc, sys
class NotInstalled(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("torch", "transformers"):
            raise ModuleNotFoundError(f"No module named {name!r}")
sys.meta_path.insert(0, NotInstalled())
"""


def test_the_onnx_backend_runs_without_torch_or_transformers(exported_classifier):
    script = WITHOUT_TORCH + (
        "from mltc.serving.cli import main\n"
        f"main(['--backend', 'onnx', '--model', {str(exported_classifier)!r}, '--int8', 'hello'])\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith('{"text": "hello", "labels": [')


def test_a_member_that_disagrees_is_refused_though_the_average_agrees(label_names):
    with pytest.raises(PipelineError, match=r"on test: largest probability difference 0.00e\+00 "
                       r"\(member m: 3.00e-04; allowed 1e-04\), 0 texts"):  # fmt: skip
        check_parity(report_with(0.0, label_names, member_difference=3e-4))


def test_an_export_checked_on_no_split_is_refused(label_names):
    report = parity_report({"torch_fp32": {}, "onnx_fp32": {}}, {}, {},
                           DecisionRule.fixed(label_names), label_names)  # fmt: skip
    with pytest.raises(PipelineError, match=r"^the export was checked on no split: it needs "
                       "validation or test texts"):  # fmt: skip
        check_parity(report)


@pytest.mark.slow
def test_an_export_that_disagrees_publishes_nothing(project_copy, monkeypatch):
    """The stage in the reproduced project, with every ONNX probability off by 1e-3: it fails in
    one line, and models/export and metrics/export.json stay as they were."""
    from mltc.export.onnx_member import OnnxMember
    from mltc.pipeline import export

    def files() -> dict[Path, bytes]:
        written = [*(project_copy / "models" / "export").rglob("*"),
                   project_copy / "metrics" / "export.json"]  # fmt: skip
        return {path: path.read_bytes() for path in written if path.is_file()}

    before = files()
    scored = OnnxMember.predict_proba
    monkeypatch.setattr(OnnxMember, "predict_proba",
                        lambda self, *args, **kwargs: scored(self, *args, **kwargs) + 1e-3)  # fmt: skip
    monkeypatch.chdir(project_copy)
    params = yaml.safe_load((project_copy / "params.yaml").read_text(encoding="utf-8"))
    # the ensemble's difference is the members' scaled by 1 - the baseline's weight
    with pytest.raises(PipelineError, match=r"^the ONNX export disagrees with torch on validation: "
                       r"largest probability difference \S+ \(member \S+: 1.00e-03; allowed "
                       r"1e-04\)"):  # fmt: skip
        export.run(params)
    assert files() == before
    assert len(before) > 3
