"""End to end: the real `dvc repro` on the tiny model and a slice of the data, in a copy of the repo."""

import csv
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from sklearn.metrics import f1_score, jaccard_score
from transformers import pipeline

from conftest import SEMEVAL_DIR
from mltc.core.files import read_json
from mltc.serving.predictor import Predictor
from pipeline_projects import (
    PIPELINE_MEMBERS,
    TEXTS_PER_SPLIT,
    commit_all,
    commit_params,
    copy_project,
    dvc,
    run,
)

pytestmark = pytest.mark.slow
PROBABILITY_KEYS = (
    "roc_auc_micro",
    "roc_auc_macro",
    "average_precision_micro",
    "average_precision_macro",
)
LABEL_KEYS = ("jaccard", "micro_f1", "macro_f1", "subset_accuracy", "hamming_loss")


MEMBERS = tuple(PIPELINE_MEMBERS)


@pytest.fixture
def project(reproduced_project) -> Path:
    """The session's reproduced pipeline, read only (tests that change a project take
    `project_copy`)."""
    return reproduced_project


def test_repro_writes_a_loadable_model_and_metrics_in_range(project):
    label_names = read_json(project / "data" / "raw" / "labels.json")["label_names"]
    assert len(label_names) == 11
    evaluate = read_json(project / "metrics" / "members" / "plain" / "evaluate.json")
    assert set(evaluate) == {"validation", "test"}
    for scores in evaluate.values():
        for key in LABEL_KEYS + PROBABILITY_KEYS:
            assert 0.0 <= scores[key] <= 1.0, key
        assert list(scores["per_label"]) == label_names
    assert sum(label["support"] for label in evaluate["test"]["per_label"].values()) > 0

    shipped = project / "models" / "classifier"
    assert sorted(path.name for path in (shipped / "members").iterdir()) == sorted(MEMBERS)
    member = pipeline("text-classification", model=str(shipped / "members" / "plain"), top_k=None)
    assert {score["label"] for score in member(["What a day!"])[0]} == set(label_names)
    card = (shipped / "README.md").read_text(encoding="utf-8")
    assert card.startswith("---\nlibrary_name: transformers") and "| trust |" in card
    assert "`plain` (from `tiny`), `pos-weight` (from `tiny`)" in card
    data = read_json(project / "metrics" / "data.json")
    assert {split: entry["texts"] for split, entry in data["splits"].items()} == {
        "train": 64, "validation": 64, "test": 64,
    }  # fmt: skip
    summaries = {m: read_json(project / "metrics" / "members" / m / "train.json") for m in MEMBERS}
    assert [summary["model"] for summary in summaries.values()] == ["tiny", "tiny"]
    assert [summary["member"] for summary in summaries.values()] == list(MEMBERS)
    assert [summary["label_aware"] for summary in summaries.values()] == [False, True]
    validation_curve = pd.read_csv(
        project / "metrics" / "members" / "plain" / "train" / "validation.csv"
    )
    assert sorted(set(validation_curve["epoch"])) == [1.0, 2.0]  # the tiny model's 2 epochs
    assert (project / "data" / "predictions" / "probs" / "test.npz").is_file()


def test_second_repro_runs_nothing(project):
    output = dvc("repro", cwd=project)
    assert "Running stage" not in output
    assert json.loads(dvc("status", "--json", cwd=project)) == {}


def test_learning_rate_change_retrains_without_retokenizing(project_copy):
    project = project_copy
    original = (project / "params.yaml").read_text()
    params = yaml.safe_load(original)
    params["train"]["learning_rate"] = 0.002
    (project / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    try:
        changed = json.loads(dvc("status", "--json", cwd=project))
    finally:
        (project / "params.yaml").write_text(original)
    # every member trains with the train section; evaluate follows once train's outputs change;
    # distill tracks the params its student trains with (off by default, it re-runs in a second)
    assert set(changed) == {"train@plain", "train@pos-weight", "distill"}
    assert changed["train@plain"] == [{"changed deps": {"params.yaml": {"train": "modified"}}}]


def test_a_new_member_trains_alone_and_a_changed_one_retrains_alone(project_copy):
    project = project_copy
    original = (project / "params.yaml").read_text()
    params = yaml.safe_load(original)
    params["ensemble"]["members"]["third"] = {"seed": 7}
    (project / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    try:
        added = set(json.loads(dvc("status", "--json", cwd=project)))
        params["ensemble"]["members"].pop("third")
        params["ensemble"]["members"]["pos-weight"]["seed"] = 44
        (project / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
        changed = set(json.loads(dvc("status", "--json", cwd=project)))
    finally:
        (project / "params.yaml").write_text(original)
    # distill tracks the members: its student trains as one of them
    assert added == {
        "preprocess@third",
        "train@third",
        "evaluate@third",
        "tune_thresholds",
        "distill",
    }
    assert changed == {"preprocess@pos-weight", "train@pos-weight", "tune_thresholds", "distill"}


def test_threshold_params_rerun_only_tune_thresholds(project_copy):
    project = project_copy
    original = (project / "params.yaml").read_text()
    params = yaml.safe_load(original)
    params["tune_thresholds"]["objective"] = "jaccard"
    (project / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    try:
        # the baseline's rule is tuned in the same stage: nothing upstream re-runs (distill tunes
        # its student's rule with the same params)
        assert set(json.loads(dvc("status", "--json", cwd=project))) == {
            "tune_thresholds",
            "distill",
        }
        output = dvc("repro", cwd=project)
        ran = {
            line.split("'")[1] for line in output.splitlines() if line.startswith("Running stage")
        }
        # the diagnostics follow the new rule, and the export carries it
        assert ran == {"tune_thresholds", "diagnose", "export", "distill"}
        assert read_json(project / "metrics" / "baseline_tuned.json")["tuning"]["objective"] == (
            "jaccard"
        )
        for folder in ("classifier", "export"):
            rule = read_json(project / "models" / folder / "thresholds.json")
            assert rule["threshold_objective"] == "jaccard", folder
    finally:
        (project / "params.yaml").write_text(original)


@pytest.mark.slow  # each member fine-tuned once per fold: six fine-tunings of the tiny model
def test_the_members_audit_runs_in_dvc_repro_with_each_members_params(project_copy):
    project = project_copy
    commit_params(project, lambda p: p["audit"].update(model="members", folds=3), "audit members")
    output = dvc("repro", "audit", cwd=project)
    for member in MEMBERS:
        assert [
            line for line in output.splitlines() if line.startswith(f"audit: {member}, fold")
        ] == [f"audit: {member}, fold {fold} of 3" for fold in (1, 2, 3)]
    summary = read_json(project / "metrics" / "audit" / "summary.json")
    assert (summary["model"], summary["members"], summary["folds"]) == ("members", list(MEMBERS), 3)
    saved = np.load(project / "data" / "audit" / "out_of_fold.npz")
    assert saved["probs"].shape == (128, 11)  # train and validation, 64 texts each
    # each fold was scored by models of its own: the folds' mean probabilities differ
    means = {round(float(saved["probs"][saved["fold"] == f].mean()), 6) for f in range(3)}
    assert len(means) == 3


def test_tuned_metrics_have_the_evaluate_keys_and_the_tuning_summary(project):
    evaluate = read_json(project / "metrics" / "members" / "plain" / "evaluate.json")
    tuned = read_json(project / "metrics" / "tune_thresholds.json")
    for split in ("validation", "test"):
        assert set(tuned[split]) == set(evaluate[split])
        assert set(tuned["ensemble"]["threshold_0_5"][split]) == set(evaluate[split])
    weights = yaml.safe_load((project / "params.yaml").read_text())["ensemble"]["baseline_weights"]
    by_weight = tuned["ensemble"]["validation_micro_f1_cross_validated_by_baseline_weight"]
    assert list(by_weight) == [str(float(w)) for w in weights]
    best = max(by_weight.values())
    assert tuned["ensemble"]["baseline_weight"] == float(
        next(w for w, score in by_weight.items() if score == best)
    )
    assert tuned["tuning"]["validation_micro_f1_cross_validated"] == best
    alone = tuned["ensemble"]["members_tuned"]
    assert list(alone) == list(MEMBERS)
    assert set(alone["plain"]) == {"strategy", "min_labels", "validation", "test"}
    assert set(alone["plain"]["test"]) == {"jaccard", "micro_f1", "macro_f1"}
    tuning = tuned["tuning"]
    assert tuning["strategy"] in {"global", "per_label"} and tuning["min_labels"] in {0, 1}
    assert 0 <= tuning["validation_micro_f1_cross_validated"] <= 1
    assert 0 <= tuning["validation_micro_f1_in_sample"] <= 1
    curve = (project / "metrics" / "tune_thresholds" / "curve.csv").read_text().splitlines()
    assert curve[0] == "threshold,micro_f1,macro_f1,jaccard" and len(curve) == 20


def official_scores(pred_path: Path, gold_path: Path) -> dict[str, float]:
    """The SemEval-2018 E-c scorer's logic: 13 tab-separated fields a line after a header, rows
    matched by ID, then Jaccard (empty vs empty = 1), micro-F1 and macro-F1."""
    pred_lines = pred_path.read_text(encoding="utf-8").splitlines()[1:]
    gold_lines = gold_path.read_text(encoding="utf-8").splitlines()[1:]
    assert len(pred_lines) == len(gold_lines)
    gold = {
        parts[0]: [int(v) for v in parts[2:13]]
        for parts in (line.split("\t") for line in gold_lines)
    }
    pairs = []
    for parts in (line.split("\t") for line in pred_lines):
        assert len(parts) == 13
        pairs.append((gold[parts[0]], [int(v) for v in parts[2:13]]))
    y_true, y_pred = np.array([g for g, _ in pairs]), np.array([p for _, p in pairs])
    return {
        "jaccard": jaccard_score(y_true, y_pred, average="samples", zero_division=1.0),
        "micro_f1": f1_score(y_true, y_pred, average="micro", zero_division=0.0),
        "macro_f1": f1_score(y_true, y_pred, average="macro", zero_division=0.0),
    }


def test_test_predictions_score_the_same_with_the_official_scorer(project, tmp_path):
    gold_lines = (SEMEVAL_DIR / "English" / "E-c" / "2018-E-c-En-test-gold.txt").read_text(
        encoding="utf-8"
    )
    gold_path = tmp_path / "gold.txt"  # the slice the project was run on: header + 64 texts
    gold_path.write_text("\n".join(gold_lines.splitlines()[:65]) + "\n", encoding="utf-8")
    scores = official_scores(
        project / "data" / "predictions" / "test" / "predictions.tsv", gold_path
    )
    tuned = read_json(project / "metrics" / "tune_thresholds.json")["test"]
    for key, value in scores.items():
        assert value == pytest.approx(tuned[key], abs=1e-12), key


def test_predict_command_uses_the_shipped_model(project):
    predict = Path(sys.executable).parent / "predict"
    output = run([str(predict), "So happy today", "Awful."], project).stdout  # default model
    records = [json.loads(line) for line in output.splitlines()]
    assert [record["text"] for record in records] == ["So happy today", "Awful."]
    labels = read_json(project / "data" / "raw" / "labels.json")["label_names"]
    assert list(records[0]["probabilities"]) == labels


def test_predictor_reproduces_the_probabilities_of_evaluate(project):
    """The model folder carries how texts were encoded: raw texts in, evaluate's numbers out."""
    texts = pd.read_parquet(project / "data" / "raw" / "test.parquet")["text"].tolist()
    saved = np.load(project / "data" / "predictions" / "probs" / "test.npz")
    params = yaml.safe_load((project / "params.yaml").read_text())["evaluate"]
    predictor = Predictor(
        project / "models" / "classifier", params["batch_size"], precision=params["precision"]
    )
    np.testing.assert_array_equal(predictor.predict_proba(texts), saved["probs"])


def test_baseline_uses_the_same_metrics_and_tuning(project):
    baseline = read_json(project / "metrics" / "baseline.json")
    baseline_tuned = read_json(project / "metrics" / "baseline_tuned.json")
    evaluate = read_json(project / "metrics" / "members" / "plain" / "evaluate.json")
    model_tuned = read_json(project / "metrics" / "tune_thresholds.json")
    for split in ("validation", "test"):
        for scores in (baseline["threshold_0_5"][split], baseline_tuned[split]):
            assert set(scores) == set(evaluate[split])
            assert 0 <= scores["jaccard"] <= 1
    assert (
        baseline["c"] in yaml.safe_load((project / "params.yaml").read_text())["baseline"]["c_grid"]
    )
    assert baseline_tuned["tuning"]["objective"] == model_tuned["tuning"]["objective"]
    assert set(baseline_tuned["tuning"]) == set(model_tuned["tuning"])


CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--virtual-time-budget=20000", "--enable-logging=stderr", "--v=0",
]  # fmt: skip


@pytest.fixture(scope="module")
def plots_page(reproduced_project, tmp_path_factory) -> Path:
    """`make plots` for the project, written outside it: the page and the Vega scripts beside it."""
    folder = tmp_path_factory.mktemp("plots") / "html"
    run(["make", "-s", "plots-page", f"PLOTS_DIR={folder}"], reproduced_project)
    return folder / "index.html"


def declared_plot_titles(project: Path) -> list[str]:
    """dvc.yaml's plots: the top-level ones and the train stage's, once per member."""
    pipeline = yaml.safe_load((project / "dvc.yaml").read_text())
    members = yaml.safe_load((project / "params.yaml").read_text())["ensemble"]["members"]
    member_plots = pipeline["stages"]["train"]["do"]["plots"]
    return [title for plot in pipeline["plots"] for title in plot] + [
        props["title"].replace("${key}", member)
        for member in members
        for plot in member_plots
        for props in plot.values()
    ]


def test_plots_page_declares_only_curated_plots_and_needs_no_network(
    plots_page, reproduced_project
):
    html = plots_page.read_text(encoding="utf-8")
    titles = declared_plot_titles(reproduced_project)
    assert len(titles) == 8 + 3 * len(MEMBERS)
    for plot_title in titles:
        assert plot_title in html, plot_title
    assert html.count("vegaEmbed(") == len(titles)  # nothing but the declared plots
    assert "http://" not in html and "https://cdn" not in html
    assert "runtime" not in html and "total_flos" not in html
    assert '"label": "joy"' in html  # one PR line per label


def test_every_declared_plot_draws_in_a_headless_browser(plots_page, reproduced_project, tmp_path):
    """Chromium from the Debian packages (.ci/run installs it), offline: every plot's div holds
    a drawn canvas, and no script failed."""
    chromium = shutil.which("chromium")
    if chromium is None:
        message = "chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    page = subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom",
         plots_page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert page.returncode == 0, page.stderr[-2000:]
    plots = len(declared_plot_titles(reproduced_project))
    divs = page.stdout.split('<div id="')[1:]
    assert len(divs) == plots
    assert all("<canvas" in div.split('<div id="')[0] for div in divs)
    assert "Uncaught" not in page.stderr, page.stderr[-2000:]


def experiments_table(project: Path) -> list[dict[str, str]]:
    """`make experiments` as CSV, with this interpreter's environment."""
    output = run(
        ["make", "-s", "experiments", f"VENV={sys.prefix}", "EXP_SHOW_ARGS=--csv"], project
    ).stdout
    return list(csv.DictReader(output.splitlines()))


def test_experiments_table_shows_key_params_and_test_metrics_only(project):
    rows = experiments_table(project)
    columns = set(rows[0])
    for column in ("params.yaml:model", "ensemble.members.pos-weight.seed", "ensemble.baseline_weight",
                   "train.label_aware",
                   "metrics/members/plain/train.json:best_epoch", "tune_thresholds.strategy",
                   "metrics/tune_thresholds.json:tuning.strategy",
                   "metrics/tune_thresholds.json:test.micro_f1"):  # fmt: skip
        assert column in columns, column
    members = {column for column in columns if column.startswith("ensemble.members.")}
    expected = set()  # each member, and each of its own keys (a nested one by its leaves)
    for name, keys in PIPELINE_MEMBERS.items():
        expected.add(f"ensemble.members.{name}")
        for key, value in keys.items():
            leaves = [f".{inner}" for inner in value] if isinstance(value, dict) else [""]
            expected |= {f"ensemble.members.{name}.{key}{leaf}" for leaf in leaves}
    assert members == expected
    assert len(columns - members) < 25
    assert not any("per_label" in c or "hamming" in c or "runtime" in c for c in columns)


def wait_for_queue(project: Path, timeout_s: float) -> str:
    deadline = time.monotonic() + timeout_s
    while True:
        status = dvc("queue", "status", cwd=project)
        if ("Queued" not in status and "Running" not in status) or time.monotonic() > deadline:
            return status
        time.sleep(3)


@pytest.fixture(scope="module")
def fresh_project(tmp_path_factory) -> Path:
    """A copy that has never run `dvc repro`: a queued experiment needs only what git holds."""
    return copy_project(
        tmp_path_factory.mktemp("fresh"), members={"plain": {}}, max_rows=TEXTS_PER_SPLIT
    )


def test_queued_sweep_runs_without_a_prior_repro_and_compares(fresh_project):
    """A sweep (`-S a,b`) queues one experiment per value; one of them is run, as far as the
    member the param trains and its metrics: what a queued run needs beyond git is what
    `download` writes, and the stages after train read only what the stages before them wrote
    (a second experiment, or the stages after, add a minute and no other guarantee)."""
    project = fresh_project
    assert not (project / "data" / "raw").exists()
    dvc("exp", "run", "--queue", "-S", "train.learning_rate=0.002,0.004", cwd=project)
    assert dvc("queue", "status", cwd=project).count("Queued") == 2
    dvc("queue", "remove", "--queued", cwd=project)
    dvc("exp", "run", "--queue", "-S", "train.learning_rate=0.004", "train@plain", cwd=project)
    dvc("queue", "start", cwd=project)
    try:
        status = wait_for_queue(project, timeout_s=300)
    finally:
        dvc("queue", "stop", "--kill", cwd=project)
    assert status.count("Success") == 1, status
    rows = experiments_table(project)
    names = [row["Experiment"] for row in rows if row["train.learning_rate"] == "0.004"]
    assert len(names) == 1, rows
    diff = json.loads(dvc("metrics", "diff", "--json", "HEAD", names[0], cwd=project))
    assert "metrics/members/plain/train.json" in diff


def test_artifacts_travel_through_a_dvc_remote(project_copy, tmp_path):
    """Push to a local-directory remote, clone elsewhere, pull: nothing to re-run there, and the
    pulled model predicts."""
    project = project_copy
    dvc("remote", "add", "-d", "-f", "shared", str(tmp_path / "remote"), cwd=project)
    commit_all(project, "run")
    dvc("push", cwd=project)
    clone = tmp_path / "clone"
    run(["git", "clone", "-q", str(project), str(clone)], tmp_path)
    dvc("pull", cwd=clone)
    assert json.loads(dvc("status", "--json", cwd=clone)) == {}
    assert "Running stage" not in dvc("repro", cwd=clone)
    pulled = Predictor(clone / "models" / "classifier").predict_proba(["A fine day"])
    np.testing.assert_array_equal(
        pulled, Predictor(project / "models" / "classifier").predict_proba(["A fine day"])
    )


def test_test_labels_never_move_a_threshold(project_copy):
    """Test labels permuted in the saved probabilities: tune_thresholds chooses the same."""
    project = project_copy
    before = read_json(project / "models" / "classifier" / "thresholds.json")
    weight = read_json(project / "metrics" / "tune_thresholds.json")["ensemble"]["baseline_weight"]
    predictions = project / "data" / "predictions"
    order = None
    for folder in [predictions / "members" / m for m in MEMBERS] + [predictions / "baseline_probs"]:
        saved = dict(np.load(folder / "test.npz"))
        order = np.random.default_rng(0).permutation(len(saved["labels"]))
        np.savez(folder / "test.npz", **{**saved, "labels": saved["labels"][order]})
    run([sys.executable, "stages/tune_thresholds.py"], project)
    after = read_json(project / "models" / "classifier" / "thresholds.json")
    assert after == before
    assert (
        read_json(project / "metrics" / "tune_thresholds.json")["ensemble"]["baseline_weight"]
        == weight
    )
    assert not np.array_equal(order, np.arange(len(order)))
