import pytest

from mltc.core.errors import PipelineError
from mltc.core.markdown import replace_section
from mltc.pipeline.results_table import PUBLISHED, results_table


def split_scores(jaccard: float) -> dict:
    return {"jaccard": jaccard, "micro_f1": jaccard + 0.1, "macro_f1": jaccard - 0.1}


TUNING = {"strategy": "global", "min_labels": 0, "objective": "micro_f1",
          "validation_micro_f1_in_sample": 0.66, "validation_micro_f1_cross_validated": 0.65,
          "cv_folds": 4}  # fmt: skip


def tables(published: bool) -> list[str]:
    tuned = {
        "validation": split_scores(0.55), "test": split_scores(0.54), "tuning": TUNING,
        "ensemble": {
            "members": {"plain": "minilm", "pw": "minilm"}, "baseline_weight": 0.3,
            "threshold_0_5": {"validation": split_scores(0.52), "test": split_scores(0.53)},
            "members_tuned": {
                "plain": {"strategy": "per_label", "min_labels": 1,
                          "validation": split_scores(0.5), "test": split_scores(0.51)},
                "pw": {"strategy": "global", "min_labels": 0,
                       "validation": split_scores(0.49), "test": split_scores(0.5)},
            },
        },
    }  # fmt: skip
    baseline = {
        "c": 1.0,
        "threshold_0_5": {"validation": split_scores(0.4), "test": split_scores(0.41)},
    }
    baseline_tuned = {
        "validation": split_scores(0.45),
        "test": split_scores(0.46),
        "tuning": TUNING,
    }
    train = {"model": "minilm", "learning_rate": 1.5e-4, "epochs": 5, "best_epoch": 4.0, "global_batch_size": 32, "processes": 1,
             "max_length": 128, "precision": "bf16", "train_runtime_s": 301.4}  # fmt: skip
    members = {"plain": {**train, "label_aware": True}, "pw": train}
    return results_table(tuned, baseline, baseline_tuned, members, published).splitlines()


def test_results_table_lists_baseline_members_and_ensemble():
    rows = tables(published=False)
    assert rows[2:8] == [
        "| TF-IDF + logistic regression | 0.5 | 0.4100 | 0.5100 | 0.3100 | 0.5000 |",
        "| TF-IDF + logistic regression | tuned: global, min_labels=0 | 0.4600 | 0.5600 | 0.3600 | 0.5500 |",
        "| member `plain` alone (minilm, label-aware) | tuned: per_label, min_labels=1 | 0.5100 | 0.6100 | 0.4100 | 0.6000 |",
        "| member `pw` alone (minilm) | tuned: global, min_labels=0 | 0.5000 | 0.6000 | 0.4000 | 0.5900 |",
        "| **ensemble** | 0.5 | 0.5300 | 0.6300 | 0.4300 | 0.6200 |",
        "| **ensemble** | tuned: global, min_labels=0 | 0.5400 | 0.6400 | 0.4400 | 0.6500 |",
    ]
    assert rows[8] == ""
    assert "2 member(s) averaged, the baseline at weight 0.3" in rows[9]
    assert (
        "`plain`: `minilm`, lr 0.00015, 5 epochs (best 4), batch 32 over 1 process(es)" in rows[9]
    )
    assert "4-fold cross-validated 0.6500" in rows[9]


def test_results_table_adds_the_published_rows_on_semeval():
    rows = tables(published=True)
    assert [row.split(" | ")[0] for row in rows[8:11]] == [
        f"| published: {name}" for name, _ in PUBLISHED
    ]
    assert rows[8].endswith("| 0.5880 | 0.7010 | 0.5280 |  |")


def test_replace_section_keeps_the_rest_of_the_readme():
    readme = "intro\n<!-- results:start -->\nold\n<!-- results:end -->\noutro\n"
    expected = "intro\n<!-- results:start -->\nnew\n<!-- results:end -->\noutro\n"
    assert replace_section(readme, "results", "new\n") == expected
    with pytest.raises(PipelineError, match="no <!-- benchmark:start -->"):
        replace_section(readme, "benchmark", "new")


def test_report_without_test_labels_says_why(tmp_path, monkeypatch):
    from mltc.core import paths
    from mltc.core.files import write_json
    from mltc.pipeline import results_table as report

    monkeypatch.chdir(tmp_path)
    for path in (paths.TUNE_METRICS, paths.BASELINE_METRICS, paths.BASELINE_TUNED_METRICS):
        write_json(path, {"validation": split_scores(0.5)})
    with pytest.raises(
        PipelineError, match="has no test metrics \\(the test split has no labels\\)"
    ):
        report.main()


def test_a_members_head_and_normalisation_are_named_beside_its_model_older_records_by_label_aware():
    from mltc.pipeline.results_table import _member_model

    assert _member_model({"model": "minilm", "head": "attention"}) == "minilm, attention"
    assert _member_model({"model": "minilm", "head": "plain", "label_aware": False}) == "minilm"
    assert _member_model({"model": "minilm", "label_aware": True}) == "minilm, label-aware"
    assert (
        _member_model({"model": "minilm", "head": "label-aware", "normalise": "tweets"})
        == "minilm, label-aware, tweets normalised"
    )
    assert _member_model({"model": "minilm", "head": "plain", "normalise": None}) == "minilm"
