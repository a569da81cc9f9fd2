"""How far the export is from torch: per split, the largest probability difference and the
number of texts whose labels (by the shipped rule) differ; the export fails past the tolerance."""

from collections.abc import Mapping, Sequence

import numpy as np

from mltc.core.errors import PipelineError
from mltc.core.metrics import HEADLINE_METRICS, binarize, evaluation_report
from mltc.decision.rule import DecisionRule

PROBABILITY_TOLERANCE = 1e-4  # the fp32 graphs against torch fp32, any text, any label
REFERENCE = "torch_fp32"
CHECKED = "onnx_fp32"  # held to the tolerance; int8 is reported beside it, never held


def difference(
    reference: np.ndarray, candidate: np.ndarray, rule: DecisionRule, label_names: Sequence[str]
) -> dict[str, float | int]:
    thresholds = rule.thresholds(label_names)
    labels = binarize(reference, thresholds, rule.min_labels)
    other = binarize(candidate, thresholds, rule.min_labels)
    return {
        "max_probability_difference": float(np.abs(reference - candidate).max(initial=0.0)),
        "texts_with_different_labels": int((labels != other).any(axis=1).sum()),
    }


def parity_report(
    probs: Mapping[str, Mapping[str, np.ndarray]],
    member_probs: Mapping[str, Mapping[str, Mapping[str, np.ndarray]]],
    gold: Mapping[str, np.ndarray | None],
    rule: DecisionRule,
    label_names: Sequence[str],
) -> dict:
    """`probs[variant][split]`: the ensemble's probabilities by each variant (REFERENCE among
    them); `member_probs[variant][member][split]`: each member's. Per variant and split: the
    difference from REFERENCE (the ensemble's, and each member's largest), and the headline
    scores and per-label F1 at the rule where the split has labels."""
    report: dict = {"tolerance": PROBABILITY_TOLERANCE, "rule": rule.to_dict()}
    variants = [REFERENCE, *(variant for variant in probs if variant != REFERENCE)]
    for variant, by_split in ((variant, probs[variant]) for variant in variants):
        report[variant] = {}
        for split, values in by_split.items():
            entry: dict = {}
            if variant != REFERENCE:
                entry.update(difference(probs[REFERENCE][split], values, rule, label_names))
                entry["member_max_probability_difference"] = {
                    member: float(np.abs(member_probs[REFERENCE][member][split] - by_member[split])
                                  .max(initial=0.0))
                    for member, by_member in member_probs[variant].items()
                }  # fmt: skip
            if gold.get(split) is not None:
                scores = _scores(gold[split], values, rule, label_names)
                entry.update({key: scores[key] for key in HEADLINE_METRICS})
                entry["per_label_f1"] = scores["per_label_f1"]
                if variant != REFERENCE:  # scored first, above
                    reference = report[REFERENCE][split]["per_label_f1"]
                    entry["per_label_f1_change"] = {
                        name: f1 - reference[name] for name, f1 in scores["per_label_f1"].items()
                    }
            report[variant][split] = entry
    return report


def _scores(
    gold: np.ndarray, probs: np.ndarray, rule: DecisionRule, label_names: Sequence[str]
) -> dict:
    scores = evaluation_report(
        gold, probs, label_names, rule.thresholds(label_names), rule.min_labels
    )
    return {**scores, "per_label_f1": {name: s["f1"] for name, s in scores["per_label"].items()}}


def check_parity(report: dict) -> None:
    """One line naming the split (and the member) and how far off, where the fp32 export is not
    torch's: the ensemble, or any member alone (the average could hide one member's error)."""
    if not report[CHECKED]:
        raise PipelineError(
            "the export was checked on no split: it needs validation or test texts in data/raw "
            "(dvc repro download)"
        )
    for split, entry in report[CHECKED].items():
        worst = max(entry["member_max_probability_difference"].items(), key=lambda kv: kv[1])
        if (
            entry["max_probability_difference"] > PROBABILITY_TOLERANCE
            or worst[1] > PROBABILITY_TOLERANCE
            or entry["texts_with_different_labels"]
        ):
            raise PipelineError(
                f"the ONNX export disagrees with torch on {split}: largest probability difference "
                f"{entry['max_probability_difference']:.2e} (member {worst[0]}: {worst[1]:.2e}; "
                f"allowed {PROBABILITY_TOLERANCE:.0e}), {entry['texts_with_different_labels']} "
                "texts with other labels; nothing was written: report it with the model alias "
                "(the exporter may not support it)"
            )
