"""Write the README's results table from the metrics files (run `make report` after `dvc repro`)."""

from pathlib import Path

from mltc import paths
from mltc.errors import PipelineError, run_stage
from mltc.fileio import atomic_path, read_json

README = Path("README.md")
KEYS = ("jaccard", "micro_f1", "macro_f1")


def _row(name: str, rule: str, test: dict, validation: dict) -> str:
    scores = " | ".join(f"{test[key]:.4f}" for key in KEYS)
    return f"| {name} | {rule} | {scores} | {validation['micro_f1']:.4f} |"


def _rule(tuned: dict) -> str:
    return f"tuned: {tuned['tuning']['strategy']}, min_labels={tuned['tuning']['min_labels']}"


def results_table(
    evaluate: dict, tuned: dict, baseline: dict, baseline_tuned: dict, train: dict
) -> str:
    """Markdown: baseline and model, at 0.5 and at tuned thresholds, then the run's params."""
    model = f"{train['model']} (fine-tuned)"
    lines = [
        "| model | decision rule | test Jaccard | test micro-F1 | test macro-F1 | validation micro-F1 |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
        _row(
            "TF-IDF + logistic regression",
            "0.5",
            baseline["threshold_0_5"]["test"],
            baseline["threshold_0_5"]["validation"],
        ),
        _row(
            "TF-IDF + logistic regression",
            _rule(baseline_tuned),
            baseline_tuned["test"],
            baseline_tuned["validation"],
        ),
        _row(model, "0.5", evaluate["test"], evaluate["validation"]),
        _row(model, _rule(tuned), tuned["test"], tuned["validation"]),
    ]
    objective = tuned["tuning"]["objective"]
    lines += [
        "",
        f"Run: model `{train['model']}`, learning rate {train['learning_rate']}, {train['epochs']} epochs "
        f"(best: {train['best_epoch']:.0f}), global batch size {train['global_batch_size']} ({train['processes']} process(es)), max length {train['max_length']}, "
        f"precision {train['precision']}; thresholds tuned for {objective} on validation "
        f"(in-sample {tuned['tuning'][f'validation_{objective}_in_sample']:.4f}, "
        f"{tuned['tuning']['cv_folds']}-fold cross-validated "
        f"{tuned['tuning'][f'validation_{objective}_cross_validated']:.4f}); "
        f"baseline C={baseline['c']}. Validation micro-F1 of a tuned rule is in-sample.",
    ]
    return "\n".join(lines)


def replace_section(readme: str, name: str, content: str) -> str:
    """Put `content` between the `<!-- name:start -->` and `<!-- name:end -->` markers."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    if start not in readme or end not in readme:
        raise PipelineError(f"no {start} ... {end} section to fill in")
    head, rest = readme.split(start, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{start}\n{content.strip()}\n{end}{tail}"


def update_section(path: Path, name: str, content: str) -> None:
    """Replace the marked section `name` of a Markdown file (README.md, benchmarks/README.md)."""
    updated = replace_section(path.read_text(encoding="utf-8"), name, content)
    with atomic_path(path) as staging:
        staging.write_text(updated, encoding="utf-8")


def main() -> None:
    files = [
        paths.EVALUATE_METRICS,
        paths.TUNE_METRICS,
        paths.BASELINE_METRICS,
        paths.BASELINE_TUNED_METRICS,
        paths.TRAIN_SUMMARY,
    ]
    missing = [str(path) for path in files if not path.is_file()]
    if missing:
        raise PipelineError(f"missing {', '.join(missing)}: run dvc repro first")
    metrics = [read_json(path) for path in files]
    if "test" not in metrics[0]:
        raise PipelineError(
            f"{paths.EVALUATE_METRICS} has no test metrics (the test split has no labels): the "
            "results table compares test scores; see metrics/tune_thresholds.json for validation"
        )
    table = results_table(*metrics)
    update_section(README, "results", table)
    print(table)


if __name__ == "__main__":
    run_stage(main)
