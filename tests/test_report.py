import pytest

from mltc.errors import PipelineError
from mltc.report import replace_section, results_table


def split_scores(jaccard: float) -> dict:
    return {"jaccard": jaccard, "micro_f1": jaccard + 0.1, "macro_f1": jaccard - 0.1}


def test_results_table_lists_baseline_and_model_at_both_rules():
    tuning = {"strategy": "global", "min_labels": 0, "objective": "micro_f1",
              "validation_micro_f1_in_sample": 0.66, "validation_micro_f1_cross_validated": 0.65,
              "cv_folds": 4}  # fmt: skip
    evaluate = {"validation": split_scores(0.5), "test": split_scores(0.52)}
    tuned = {"validation": split_scores(0.55), "test": split_scores(0.54), "tuning": tuning}
    baseline = {
        "c": 1.0,
        "threshold_0_5": {"validation": split_scores(0.4), "test": split_scores(0.41)},
    }
    baseline_tuned = {
        "validation": split_scores(0.45),
        "test": split_scores(0.46),
        "tuning": tuning,
    }
    train = {"model": "minilm", "learning_rate": 1.5e-4, "epochs": 5, "best_epoch": 4.0, "global_batch_size": 32, "processes": 1,
             "max_length": 128, "precision": "auto"}  # fmt: skip
    table = results_table(evaluate, tuned, baseline, baseline_tuned, train)
    rows = table.splitlines()
    assert rows[2] == "| TF-IDF + logistic regression | 0.5 | 0.4100 | 0.5100 | 0.3100 | 0.5000 |"
    assert rows[3] == (
        "| TF-IDF + logistic regression | tuned: global, min_labels=0 | 0.4600 | 0.5600 | 0.3600 | 0.5500 |"
    )
    assert (
        rows[5]
        == "| minilm (fine-tuned) | tuned: global, min_labels=0 | 0.5400 | 0.6400 | 0.4400 | 0.6500 |"
    )
    assert "learning rate 0.00015, 5 epochs (best: 4)" in table
    assert "4-fold cross-validated 0.6500" in table


def test_replace_section_keeps_the_rest_of_the_readme():
    readme = "intro\n<!-- results:start -->\nold\n<!-- results:end -->\noutro\n"
    expected = "intro\n<!-- results:start -->\nnew\n<!-- results:end -->\noutro\n"
    assert replace_section(readme, "results", "new\n") == expected
    with pytest.raises(PipelineError, match="no <!-- benchmark:start -->"):
        replace_section(readme, "benchmark", "new")


def test_report_without_test_labels_says_why(tmp_path, monkeypatch):
    from mltc import paths, report
    from mltc.fileio import write_json

    monkeypatch.chdir(tmp_path)
    for path in (paths.EVALUATE_METRICS, paths.TUNE_METRICS, paths.BASELINE_METRICS,
                 paths.BASELINE_TUNED_METRICS, paths.TRAIN_SUMMARY):  # fmt: skip
        write_json(path, {"validation": split_scores(0.5)})
    with pytest.raises(
        PipelineError, match="has no test metrics \\(the test split has no labels\\)"
    ):
        report.main()
