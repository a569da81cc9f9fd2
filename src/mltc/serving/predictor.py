"""Python API: load the classifier folder once, then predict labels or probabilities for raw texts."""

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from mltc.core.errors import PipelineError
from mltc.core.labels import check_same_labels
from mltc.core.metrics import binarize
from mltc.decision import rule as decision_rule
from mltc.ensemble.classifier_folder import BASELINE_DIR, Manifest
from mltc.ensemble.combine import combine
from mltc.modeling.baseline.tfidf import BaselineScorer, load_baseline
from mltc.serving.backends import BACKENDS


class Predictor:
    """The shipped classifier: its fine-tuned members (averaged), the baseline where the ensemble
    mixes it in, and the decision rule (the tuned thresholds, unless overridden). With
    `backend="onnx"`, the export folder (models/export) instead, run by onnxruntime: the same
    probabilities to float rounding, with no code of ours importing torch or transformers (the
    baseline's skops loader imports torch only where it is installed).

    Example: `Predictor("models/classifier").predict(["What a great day!"])` gives a list of
    label lists such as `[["joy", "optimism"]]`. Texts are encoded as each member folder's
    `text_encoding.json` says (the same truncation as in training and evaluation), so
    `predict_proba` gives the probabilities the pipeline tuned the rule on. A single fine-tuned
    model folder (`models/members/<name>`) loads too, with threshold 0.5 unless it has a rule.
    """

    def __init__(
        self,
        model_dir: str | Path,
        batch_size: int = 64,
        threshold: float | None = None,
        precision: str = "auto",
        int8: bool = False,
        trust_remote_code: bool = False,
        backend: str = "torch",
    ) -> None:
        """`precision` (torch): auto (bf16 where native), fp32, bf16 or fp16; `int8`: dynamically
        quantised weights (torch: the linear layers on the CPU; onnx: the export's int8 graphs),
        faster but some probabilities move, so check the metrics (metrics/export.json);
        `trust_remote_code`: let transformers run code shipped with the model (off by default)."""
        if backend not in BACKENDS:
            raise PipelineError(f"backend={backend!r}: expected one of {', '.join(BACKENDS)}")
        folder = Path(model_dir)
        manifest = Manifest.load(folder)
        if backend == "onnx":
            from mltc.export.onnx_member import OnnxMember

            self.members = [OnnxMember(folder / relative, int8) for relative in
                            manifest.members.values()]  # fmt: skip
        else:
            from mltc.modeling.scoring import TorchMember

            self.members = [
                TorchMember(folder / relative, precision, int8, trust_remote_code)
                for relative in manifest.members.values()
            ]
        self.backend = backend
        self.label_names = self.members[0].label_names
        for name, member in zip(manifest.members, self.members, strict=True):
            check_same_labels(
                self.label_names, member.label_names, f"member {name} of {folder}",
                "every member must be trained on the same labels: re-run dvc repro",
            )  # fmt: skip
        self.baseline_weight = manifest.baseline_weight
        self.baseline = None
        if self.baseline_weight > 0:
            model, baseline_labels = load_baseline(folder / BASELINE_DIR)
            self.baseline = BaselineScorer(model)
            check_same_labels(
                self.label_names, baseline_labels, f"the baseline of {folder}",
                "re-run dvc repro",
            )  # fmt: skip
        self.batch_size = batch_size
        if threshold is None:
            self.rule = decision_rule.load(folder, self.label_names)
        else:
            self.rule = decision_rule.DecisionRule.fixed(self.label_names, threshold)
        self.thresholds = self.rule.thresholds(self.label_names)

    def predict_proba(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """The ensemble's probabilities, (texts x labels), columns in `label_names` order."""
        texts = list(texts)
        for index, text in enumerate(texts):
            if not isinstance(text, str) or not text.strip():
                raise PipelineError(f"text {index + 1} is empty: every text needs some content")
        member_probs = [
            member.predict_proba(texts, self.batch_size, progress) for member in self.members
        ]
        baseline = None if self.baseline is None else self.baseline.predict_proba(texts)
        return combine(member_probs, baseline, self.baseline_weight)

    def labels_from_proba(
        self, probs: np.ndarray, rule: decision_rule.DecisionRule | None = None
    ) -> list[list[str]]:
        """Each text's label names by the decision rule (the model's, unless `rule` is given)."""
        thresholds = self.thresholds if rule is None else rule.thresholds(self.label_names)
        pred = binarize(probs, thresholds, (rule or self.rule).min_labels)
        return [[self.label_names[j] for j in np.flatnonzero(row)] for row in pred]

    def predict(self, texts: Sequence[str], progress: bool = False) -> list[list[str]]:
        """The predicted label names of each text, by the model's decision rule."""
        return self.labels_from_proba(self.predict_proba(texts, progress))
