"""Stage export: the shipped classifier as ONNX graphs (fp32 and int8) with its baseline and
decision rule, in models/export, after measuring on validation and test that the fp32 graphs
give torch's probabilities (within PROBABILITY_TOLERANCE) and the same labels. The folder is
published only when they do; metrics/export.json holds the differences and each variant's scores.
"""

from collections.abc import Callable

import numpy as np

from mltc.core import paths, split_files
from mltc.core.files import atomic_path, write_json
from mltc.core.labels import LabelSchema
from mltc.core.metrics import headline_line
from mltc.decision import rule as decision_rule
from mltc.ensemble.classifier_folder import BASELINE_DIR
from mltc.ensemble.combine import combine
from mltc.export.config import ExportConfig
from mltc.export.onnx_member import OnnxMember
from mltc.export.package import write_export
from mltc.export.parity import CHECKED, REFERENCE, check_parity, parity_report
from mltc.modeling.baseline.tfidf import BaselineScorer, load_baseline
from mltc.modeling.scoring import TorchMember


def run(params: dict) -> None:
    config = ExportConfig.from_params(params)
    trust_remote_code = params["trust_remote_code"]
    schema = LabelSchema.load(paths.LABELS)
    rule = decision_rule.load(paths.CLASSIFIER, schema.label_names)
    frames = {
        split: split_files.read_split(split)
        for split in paths.EVALUATED_SPLITS
        if split in split_files.available_splits()
    }
    texts = {split: frame["text"].tolist() for split, frame in frames.items()}
    gold = {split: split_files.gold_matrix(frame, schema, split) for split, frame in frames.items()}

    with atomic_path(paths.EXPORT) as staging:
        manifest = write_export(staging, paths.CLASSIFIER, config.int8, trust_remote_code)
        baseline = None
        if manifest.baseline_weight > 0:
            scorer = BaselineScorer(load_baseline(staging / BASELINE_DIR)[0])
            baseline = {split: scorer.predict_proba(values) for split, values in texts.items()}
        loaders: dict[str, Callable[[str], object]] = {
            REFERENCE: lambda relative: TorchMember(
                paths.CLASSIFIER / relative, "fp32", trust_remote_code=trust_remote_code
            ),
            CHECKED: lambda relative: OnnxMember(staging / relative),
        }
        if config.int8:
            loaders["onnx_int8"] = lambda relative: OnnxMember(staging / relative, int8=True)
        member_probs = {
            variant: {name: _scored(load(relative), texts, config.batch_size)
                      for name, relative in manifest.members.items()}
            for variant, load in loaders.items()
        }  # fmt: skip
        probs = {
            variant: {
                split: combine(
                    [by_split[split] for by_split in by_member.values()],
                    None if baseline is None else baseline[split],
                    manifest.baseline_weight,
                )
                for split in texts
            }
            for variant, by_member in member_probs.items()
        }
        report = parity_report(probs, member_probs, gold, rule, schema.label_names)
        check_parity(report)  # raises before the folder is published
    write_json(paths.EXPORT_METRICS, report)
    for variant in member_probs:
        for split, entry in report[variant].items():
            if "jaccard" in entry:
                print(f"{variant} {split}: {headline_line(entry)}")
    for split, entry in report[CHECKED].items():
        print(f"{CHECKED} {split}: largest probability difference "
              f"{entry['max_probability_difference']:.2e}, "
              f"{entry['texts_with_different_labels']} texts with other labels")  # fmt: skip


def _scored(member, texts: dict[str, list[str]], batch_size: int) -> dict[str, np.ndarray]:
    return {split: member.predict_proba(values, batch_size) for split, values in texts.items()}
