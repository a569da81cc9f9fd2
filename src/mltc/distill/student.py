"""The distill stage when distill.enabled is true (mltc.pipeline.distill runs it, and removes the
student's leftovers after it): the student trained on the teacher's probabilities, its rule tuned,
shipped as models/student and compared with the ensemble in metrics/distill.json."""

from dataclasses import replace

from datasets import load_from_disk

from mltc.audit.config import AuditConfig
from mltc.core import paths, split_files
from mltc.core.errors import PipelineError
from mltc.core.files import read_json, write_json
from mltc.core.labels import LabelSchema
from mltc.core.metrics import HEADLINE_METRICS
from mltc.core.tokenized import label_matrix
from mltc.decision import rule as decision_rule
from mltc.decision.config import TuningConfig
from mltc.decision.report import headline, tune_and_report
from mltc.distill.config import DistillConfig
from mltc.distill.soft_targets import with_soft_targets
from mltc.distill.teacher import BaselineFolds, Teacher, baseline_train_out_of_fold
from mltc.ensemble.classifier_folder import write_classifier
from mltc.ensemble.model_card import model_card
from mltc.modeling import checkpoints, training
from mltc.modeling.baseline.config import BaselineConfig
from mltc.modeling.build import load_classifier
from mltc.modeling.config import EvaluateConfig, PreprocessConfig
from mltc.modeling.hardware import best_device
from mltc.modeling.heads import member_head
from mltc.modeling.inference import score_split
from mltc.modeling.input_choice import member_encoding
from mltc.modeling.members import member_training
from mltc.modeling.model_files import load_tokenizer

STUDENT = "student"  # the student's name in its shipped folder


def distillation_card(card: str, config: DistillConfig, taught_by: dict) -> str:
    """The student's model card: the card of a one-member classifier, and what taught it
    (`taught_by`: the teacher's members and baseline weight, as metrics/distill.json has them)."""
    members = ", ".join(f"`{name}`" for name in taught_by["members"])
    weight = taught_by["baseline_weight"]
    baseline = (
        f" and the TF-IDF baseline at weight {weight} (out of fold on train)" if weight else ""
    )
    return card + (
        "\n## Distillation\n\n"
        f"One member distilled from the mltc ensemble of {members}{baseline}: trained as member "
        f"`{config.member}` trains, seed {config.seed}, on {1 - config.weight:g} x the gold "
        f"labels + {config.weight:g} x the ensemble's probabilities of each training text "
        "(metrics/distill.json compares it with the ensemble).\n"
    )


def difference(student: dict, ensemble: dict) -> dict:
    """Student minus ensemble, per split and headline metric."""
    return {
        split: {
            key: round(student[split][key] - ensemble[split][key], 6) for key in HEADLINE_METRICS
        }
        for split in student
        if split in ensemble
    }


def run(params: dict, config: DistillConfig) -> None:
    """Score the training texts with the teacher, train the student on the mixed targets, tune
    its rule on validation, ship models/student and compare it with the ensemble."""
    chosen, spec, train_config = member_training(params, config.member)
    train_config = replace(train_config, seed=config.seed)
    evaluation, tuning = EvaluateConfig.from_params(params), TuningConfig.from_params(params)
    audit, baseline = AuditConfig.from_params(params), BaselineConfig.from_params(params)
    folds = BaselineFolds(audit.folds, audit.seed, baseline.c_grid, baseline.seed)
    schema = LabelSchema.load(paths.LABELS)
    names = list(schema.label_names)
    if not schema.is_labelled("validation"):
        raise PipelineError("distill: validation has no labels: the student's rule is tuned on it")
    # what the comparison and the model card read, read before any training
    ensemble_report = read_json(paths.TUNE_METRICS)
    data_summary = read_json(paths.DATA_METRICS)
    audit_summary = read_json(paths.AUDIT_SUMMARY) if paths.AUDIT_SUMMARY.is_file() else None
    teacher = Teacher.load(
        paths.CLASSIFIER, schema, evaluation.precision, params["trust_remote_code"]
    )
    tokenizer = load_tokenizer(spec)
    encoding, choice = member_encoding(
        PreprocessConfig.from_params(chosen), train_config.label_aware, names, tokenizer
    )
    processed_dir = paths.member_processed(config.member)
    processed = load_from_disk(str(processed_dir))
    for split in ("train", "validation"):
        schema.check_label_count(len(processed[split][0]["labels"]), f"{processed_dir} ({split})")

    frame = split_files.read_split("train")
    texts = frame["text"].tolist()
    baseline_probs = None
    if teacher.baseline_weight > 0:
        print(f"distill: the baseline out of fold on train ({folds.folds} folds)")
        baseline_probs = baseline_train_out_of_fold(
            texts, split_files.gold_matrix(frame, schema, "train"), folds
        )
    taught_by = {"members": list(teacher.members), "baseline_weight": teacher.baseline_weight}
    print(f"distill: the teacher ({', '.join(teacher.members)}) scores {len(texts)} training texts")
    taught = teacher.probabilities(texts, evaluation.batch_size, baseline_probs)
    del teacher  # its models are not needed while the student trains
    processed["train"] = with_soft_targets(
        processed["train"], frame["id"].astype(str).tolist(), taught, config.weight,
        f"the teacher ({paths.CLASSIFIER})",
    )  # fmt: skip

    trainer = training.build_trainer(
        spec, schema, processed, tokenizer, train_config, paths.STUDENT_CHECKPOINTS, None,
        encoding, choice.attention,
    )  # fmt: skip
    result = training.train_and_publish(
        trainer, paths.STUDENT_CHECKPOINTS, checkpoints.stage_fingerprint("distill", params),
        paths.STUDENT_WEIGHTS, encoding, False,
    )  # fmt: skip
    kept_epoch = training.best_epoch(trainer)
    del trainer  # the kept epoch is published: the student is read back from it

    # the student's probabilities as evaluate computes a member's: from the saved weights
    model, _ = load_classifier(paths.STUDENT_WEIGHTS, params["trust_remote_code"])
    model.to(best_device())
    saved = {}
    for split in (s for s in paths.EVALUATED_SPLITS if s in processed and schema.is_labelled(s)):
        probs = score_split(
            model, tokenizer, processed[split], evaluation.batch_size, evaluation.precision,
            encoding.pooling,
        )  # fmt: skip
        saved[split] = {"probs": probs, "labels": label_matrix(processed[split])}
    tuned, report = tune_and_report(saved, tuning, names)
    rule = decision_rule.DecisionRule(
        tuned.thresholds_by_label(names), tuned.min_labels, tuned.strategy, tuned.objective
    )
    student = headline(tuned, report)
    ensemble = {
        split: {key: ensemble_report[split][key] for key in HEADLINE_METRICS}
        for split in paths.EVALUATED_SPLITS
        if split in ensemble_report
    }
    scores = {split: student[split] for split in paths.EVALUATED_SPLITS if split in student}
    summary = {
        "enabled": True,
        "member": config.member,
        "model": spec.alias,
        "seed": config.seed,
        "weight": config.weight,
        "teacher": taught_by,
        "best_epoch": kept_epoch,
        "train_runtime_s": round(result.metrics["train_runtime"], 1),
        "student": student,
        "ensemble": ensemble,
        "student_minus_ensemble": difference(scores, ensemble),
        "tuning": report["tuning"],
        "per_label": {split: report[split]["per_label"] for split in scores},
    }
    card = model_card(
        schema,
        data_summary,
        {split: report[split] for split in scores},
        rule,
        {STUDENT: spec.alias},
        0.0,
        encoding.max_length,
        {STUDENT: member_head(paths.STUDENT_WEIGHTS)},
        audit_summary,
        encoding.windows,
        {STUDENT: encoding.normalise},
    )

    # everything is computed: now write, each output whole
    write_classifier(
        paths.STUDENT, {STUDENT: paths.STUDENT_WEIGHTS}, paths.BASELINE, 0.0, rule,
        {"tuning": report["tuning"]}, distillation_card(card, config, taught_by),
    )  # fmt: skip
    write_json(paths.DISTILL_METRICS, summary)
    lines = [f"{split} " + ", ".join(f"{key} {value:+.4f}" for key, value in diff.items())
             for split, diff in summary["student_minus_ensemble"].items()]  # fmt: skip
    print(f"distill: student (one {spec.alias}) minus the ensemble: " + "; ".join(lines))
