"""Write the README's results table from the metrics files (run `make report` after `dvc repro`)."""

from pathlib import Path

import yaml

from mltc.core import paths
from mltc.core.errors import PipelineError, run_stage
from mltc.core.files import read_json
from mltc.core.markdown import update_section
from mltc.core.metrics import HEADLINE_METRICS
from mltc.modeling.heads import LABEL_AWARE, PLAIN

README = Path("README.md")
PARAMS = Path("params.yaml")


# test scores published for SemEval-2018 E-c (English), shown beside the pipeline's own rows
PUBLISHED = (
    ("NTUA-SLP, 2018 winner", (0.588, 0.701, 0.528)),
    ("SpanEmo, BERT-base", (0.601, 0.713, 0.578)),
    ("twitter-roberta-base (cardiffnlp)", (0.607, 0.722, 0.575)),
)


def _row(name: str, rule: str, test: dict, validation: dict | None) -> str:
    scores = " | ".join(f"{test[key]:.4f}" for key in HEADLINE_METRICS)
    validation_score = "" if validation is None else f"{validation['micro_f1']:.4f}"
    return f"| {name} | {rule} | {scores} | {validation_score} |"


def _rule(tuning: dict) -> str:
    return f"tuned: {tuning['strategy']}, min_labels={tuning['min_labels']}"


def _member_model(train: dict) -> str:
    """The model a member fine-tuned, whether it read the label names (first in each input, or
    once into its label-attention head) and whether it normalised the texts first."""
    head = train.get("head", LABEL_AWARE if train.get("label_aware") else PLAIN)  # before `head`
    normalised = f", {train['normalise']} normalised" if train.get("normalise") else ""
    return str(train["model"]) + ("" if head == PLAIN else f", {head}") + normalised


def _member_line(name: str, train: dict) -> str:
    return (
        f"`{name}`: `{train['model']}`, lr {train['learning_rate']}, {train['epochs']} epochs "
        f"(best {train['best_epoch']:.0f}), batch {train['global_batch_size']} over "
        f"{train['processes']} process(es), {train['precision']}, trained in "
        f"{train['train_runtime_s']:.0f} s"
    )


def results_table(
    tuned: dict,
    baseline: dict,
    baseline_tuned: dict,
    members: dict[str, dict],
    published: bool,
) -> str:
    """Markdown: the baseline, each member alone at its own tuned rule, the ensemble at 0.5 and
    at its tuned rule (and, on SemEval E-c English, the published results); then how each member
    was trained. `members` maps each name to its train.json."""
    ensemble = tuned["ensemble"]
    alone = ensemble["members_tuned"]
    lines = [
        "| model | decision rule | test Jaccard | test micro-F1 | test macro-F1 | validation micro-F1 |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
        _row("TF-IDF + logistic regression", "0.5", baseline["threshold_0_5"]["test"],
             baseline["threshold_0_5"]["validation"]),
        _row("TF-IDF + logistic regression", _rule(baseline_tuned["tuning"]),
             baseline_tuned["test"], baseline_tuned["validation"]),
        *(
            _row(f"member `{name}` alone ({_member_model(train)})", _rule(alone[name]),
                 alone[name]["test"], alone[name]["validation"])
            for name, train in members.items()
        ),
        _row("**ensemble**", "0.5", ensemble["threshold_0_5"]["test"],
             ensemble["threshold_0_5"]["validation"]),
        _row("**ensemble**", _rule(tuned["tuning"]), tuned["test"], tuned["validation"]),
    ]  # fmt: skip
    if published:
        lines += [
            _row(f"published: {name}", "", dict(zip(HEADLINE_METRICS, scores, strict=True)), None)
            for name, scores in PUBLISHED
        ]
    objective = tuned["tuning"]["objective"]
    lines += [
        "",
        f"Ensemble: {len(members)} member(s) averaged, the baseline at weight "
        f"{ensemble['baseline_weight']}; thresholds tuned for {objective} on validation "
        f"(in-sample {tuned['tuning'][f'validation_{objective}_in_sample']:.4f}, "
        f"{tuned['tuning']['cv_folds']}-fold cross-validated "
        f"{tuned['tuning'][f'validation_{objective}_cross_validated']:.4f}); "
        f"baseline C={baseline['c']}. Validation micro-F1 of a tuned rule is in-sample. "
        + "; ".join(_member_line(name, train) for name, train in members.items())
        + ".",
    ]
    return "\n".join(lines)


def main() -> None:
    files = [paths.TUNE_METRICS, paths.BASELINE_METRICS, paths.BASELINE_TUNED_METRICS]
    missing = [str(path) for path in files if not path.is_file()]
    if missing:
        raise PipelineError(f"missing {', '.join(missing)}: run dvc repro first")
    tuned, baseline, baseline_tuned = (read_json(path) for path in files)
    if "test" not in tuned:
        raise PipelineError(
            f"{paths.TUNE_METRICS} has no test metrics (the test split has no labels): the "
            "results table compares test scores; see its validation metrics instead"
        )
    members = {
        name: read_json(paths.member_train_summary(name)) for name in tuned["ensemble"]["members"]
    }
    data = yaml.safe_load(PARAMS.read_text(encoding="utf-8"))["data"]
    published = data["source"] == "semeval" and data["semeval"]["language"] == "English"
    table = results_table(tuned, baseline, baseline_tuned, members, published)
    update_section(README, "results", table)
    print(table)


if __name__ == "__main__":
    run_stage(main)
