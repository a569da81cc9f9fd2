"""Stage tune_thresholds: the ensemble and its decision rule, chosen on validation only, shipped
as one classifier folder.

The members' probabilities are averaged; the baseline's weight and the thresholds are chosen by
the rule's cross-validated score on validation. The baseline's own rule is tuned here too, with
the same params, so that both are tuned alike and a threshold change re-runs this stage alone.
Everything is computed and formatted before the first file is written.
"""

import numpy as np
import pandas as pd

from mltc.core import paths, split_files
from mltc.core.errors import PipelineError
from mltc.core.files import read_json, write_csv, write_json, write_npz
from mltc.core.labels import LabelSchema
from mltc.core.metrics import (
    binarize,
    evaluation_report,
    interpolated_pr_curves,
    plotted_labels,
)
from mltc.core.probabilities import load_probs
from mltc.core.text import TextEncoding
from mltc.decision import rule as decision_rule
from mltc.decision.config import TuningConfig
from mltc.decision.report import headline, tune_and_report
from mltc.ensemble.classifier_folder import write_classifier
from mltc.ensemble.combine import choose_baseline_weight, combine
from mltc.ensemble.config import EnsembleConfig
from mltc.ensemble.model_card import model_card
from mltc.ingest.prediction_files import write_predictions
from mltc.modeling.heads import member_head
from mltc.modeling.members import member_params


def combined_probs(
    members: dict[str, dict], baseline: dict[str, dict], baseline_weight: float
) -> dict[str, dict]:
    """By split, the ensemble's probabilities with the ids, names and labels they go with."""
    return {
        split: {
            **{key: value for key, value in arrays.items() if key != "probs"},
            "probs": combine(
                [saved[split]["probs"] for saved in members.values()],
                arrays["probs"],
                baseline_weight,
            ),
        }
        for split, arrays in baseline.items()
    }


def check_same_texts(members: dict[str, dict], baseline: dict[str, dict]) -> None:
    """Every member scored the baseline's texts, in its order (all read the same raw splits)."""
    for name, saved in members.items():
        for split, arrays in baseline.items():
            if saved[split]["ids"].tolist() != arrays["ids"].tolist():
                raise PipelineError(
                    f"{paths.probs_file(split, paths.member_probs(name))} holds other texts than "
                    f"{paths.probs_file(split, paths.BASELINE_PROBS)}: run dvc repro"
                )


def run(params: dict) -> None:
    """Combine the members and the baseline, tune the rule, ship models/classifier."""
    config = TuningConfig.from_params(params)
    ensemble = EnsembleConfig.from_params(params)
    schema = LabelSchema.load(paths.LABELS)
    names = list(schema.label_names)
    raw_test = (
        split_files.read_split("test", ["id", "text"])
        if "test" in split_files.available_splits()
        else None
    )
    test_ids = None if raw_test is None else raw_test["id"].tolist()
    members = {
        name: load_probs(paths.member_probs(name), schema, test_ids) for name in ensemble.members
    }
    baseline_saved = load_probs(paths.BASELINE_PROBS, schema, test_ids)
    check_same_texts(members, baseline_saved)

    validation = baseline_saved["validation"]
    choice = choose_baseline_weight(
        [saved["validation"]["probs"] for saved in members.values()],
        validation["probs"],
        validation["labels"],
        ensemble.baseline_weights,
        config,
    )
    saved = combined_probs(members, baseline_saved, choice.baseline_weight)
    result, report = tune_and_report(saved, config, names)
    report["ensemble"] = {
        "members": {name: member_params(params, name)["model"] for name in ensemble.members},
        "baseline_weight": choice.baseline_weight,
        f"validation_{config.objective}_cross_validated_by_baseline_weight": {
            str(w): score for w, score in choice.cross_validated_by_weight.items()
        },
        "threshold_0_5": {
            split: evaluation_report(arrays["labels"], arrays["probs"], names)
            for split, arrays in saved.items()
            if "labels" in arrays
        },
    }
    report["ensemble"]["members_tuned"] = {  # each member alone, at its own tuned rule
        name: headline(*tune_and_report(member, config, names)) for name, member in members.items()
    }
    _, baseline_report = tune_and_report(baseline_saved, config, names)
    rule = decision_rule.DecisionRule(
        result.thresholds_by_label(names), result.min_labels, result.strategy, result.objective
    )
    # max_length and the windows are preprocess params, the same for every member (what differs
    # between members, label-aware input or not, is each one's head, below, and whether it
    # normalises a text first)
    encodings = {name: TextEncoding.load(paths.member_weights(name)) for name in members}
    encoding = encodings[next(iter(members))]
    card = model_card(
        schema,
        read_json(paths.DATA_METRICS),
        {split: report[split] for split in paths.EVALUATED_SPLITS if split in report},
        rule,
        report["ensemble"]["members"],
        choice.baseline_weight,
        encoding.max_length,
        {name: member_head(paths.member_weights(name)) for name in members},
        read_json(paths.AUDIT_SUMMARY) if paths.AUDIT_SUMMARY.is_file() else None,
        encoding.windows,
        {name: text_encoding.normalise for name, text_encoding in encodings.items()},
    )
    reported = "test" if "test" in report else "validation"
    shown = plotted_labels(saved[reported]["labels"])  # the plots' labels: the most frequent
    shown_names = [names[index] for index in shown]
    curves = pd.DataFrame(
        interpolated_pr_curves(
            saved[reported]["labels"][:, shown], saved[reported]["probs"][:, shown], shown_names
        )
    )
    per_label = report[reported]["per_label"]  # every label: tune_thresholds.json
    per_label_f1 = pd.DataFrame(
        {"label": shown_names, "f1": [per_label[name]["f1"] for name in shown_names]}
    )

    # everything is computed: now write, each file atomically
    if raw_test is None:  # no test split: the predictions file has a header and no row
        raw_test = pd.DataFrame({"id": [], "text": []})
        test_pred = np.zeros((0, len(names)), dtype=np.int8)
    else:
        test_pred = binarize(saved["test"]["probs"], result.thresholds, result.min_labels)
    write_predictions(paths.TEST_PREDICTIONS, raw_test["id"], raw_test["text"], test_pred, schema)
    for split, arrays in saved.items():  # the ensemble's, for diagnose
        write_npz(paths.probs_file(split), **arrays)
    write_classifier(
        paths.CLASSIFIER,
        {name: paths.member_weights(name) for name in members},
        paths.BASELINE,
        choice.baseline_weight,
        rule,
        {"tuning": report["tuning"]},
        card,
    )
    write_json(paths.TUNE_METRICS, report)
    write_csv(paths.PR_CURVES, curves)
    write_json(paths.BASELINE_TUNED_METRICS, baseline_report)
    write_csv(paths.THRESHOLD_CURVE, pd.DataFrame(result.curve))
    write_csv(paths.PER_LABEL_F1, per_label_f1)
    print(
        f"ensemble of {len(members)} member(s), baseline weight {choice.baseline_weight}; "
        f"{result.strategy} thresholds, min_labels={result.min_labels}, {result.objective}: "
        f"validation {result.in_sample:.4f} in-sample, {result.cross_validated:.4f} cross-validated; "
        f"{reported} {report[reported][result.objective]:.4f}; baseline {reported} "
        f"{baseline_report[reported][result.objective]:.4f}"
    )
