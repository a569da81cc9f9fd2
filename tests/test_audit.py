"""The label audit: out-of-fold probabilities find planted label errors, clean data gives none,
and your corrections (exclude, relabel) reach data/raw through download, checked first."""

import copy

import numpy as np
import pandas as pd
import pytest

from conftest import EXAMPLES, PARAMS
from mltc.audit import report
from mltc.audit.label_issues import auditable_labels, find_label_issues
from mltc.audit.out_of_fold import assign_folds, baseline_out_of_fold
from mltc.core import paths, split_files
from mltc.core.errors import PipelineError
from mltc.core.files import read_json
from mltc.core.labels import LabelSchema
from mltc.pipeline import audit, baseline, download

KEYWORDS = {
    "billing": ["invoice", "refund", "charge"],
    "bug": ["crash", "error", "broken"],
    "feature": ["wish", "suggest", "add"],
    "account": ["login", "password", "profile"],
}
FILLER = [f"filler{i}" for i in range(60)]
TEXTS, PLANTED = 400, 30


def keyword_dataset(seed: int) -> tuple[list[str], np.ndarray]:
    """A learnable set: a text has a label exactly when it holds one of the label's keywords."""
    rng = np.random.default_rng(seed)
    gold = (rng.random((TEXTS, len(KEYWORDS))) < 0.3).astype(np.int8)
    texts = []
    for row in gold:
        words = list(rng.choice(FILLER, 6))
        words += [rng.choice(KEYWORDS[name]) for name in np.asarray(list(KEYWORDS))[row == 1]]
        rng.shuffle(words)
        texts.append(" ".join(words))
    return texts, gold


def plant_flips(gold: np.ndarray, seed: int) -> tuple[np.ndarray, dict[int, tuple[str, int]]]:
    """Half the planted texts lose a label they have, half gain one they do not."""
    rng = np.random.default_rng(seed)
    noisy, planted = gold.copy(), {}
    for turn, row in enumerate(rng.choice(len(gold), PLANTED, replace=False)):
        given, absent = np.flatnonzero(gold[row]), np.flatnonzero(gold[row] == 0)
        if (turn % 2 == 0 and len(given)) or not len(absent):
            label = int(rng.choice(given))
            noisy[row, label], planted[int(row)] = 0, ("missing", label)
        else:
            label = int(rng.choice(absent))
            noisy[row, label], planted[int(row)] = 1, ("extra", label)
    return noisy, planted


def audit_of(texts: list[str], gold: np.ndarray):
    fold = assign_folds(gold, 5, seed=0)
    out_of_fold = baseline_out_of_fold(texts, gold, fold, [1.0, 4.0], seed=0)
    return find_label_issues(gold, out_of_fold.probs, auditable_labels(gold, 5))


def test_planted_label_errors_rank_at_the_top_with_the_change_that_undoes_them():
    texts, gold = keyword_dataset(seed=1)
    noisy, planted = plant_flips(gold, seed=2)
    issues = audit_of(texts, noisy)
    top = [int(row) for row in issues.ranked[: 2 * PLANTED]]
    found = [row for row in top if row in planted]
    # a random order would put 2 x 30 / 400 = 15% of the planted texts in the top 60
    assert len(found) / PLANTED >= 0.7
    for row in found:
        kind, label = planted[row]
        suggestion = issues.suggest_add if kind == "missing" else issues.suggest_remove
        assert suggestion[row, label], (row, kind, label)
    assert (issues.suggested(noisy)[found] == gold[found]).all()


def test_a_clean_learnable_dataset_has_no_label_issues():
    texts, gold = keyword_dataset(seed=1)
    issues = audit_of(texts, gold)
    assert len(issues.ranked) == 0
    assert not issues.suggest_add.any() and not issues.suggest_remove.any()


def test_every_text_is_scored_by_a_model_that_never_saw_it():
    texts, gold = keyword_dataset(seed=3)
    fold = assign_folds(gold, 5, seed=0)
    assert sorted(np.bincount(fold)) == [80] * 5
    # a text the folds' other models never saw changes only its own fold's probabilities
    changed = list(texts)
    changed[0] = "invoice invoice invoice crash crash"
    before = baseline_out_of_fold(texts, gold, fold, [1.0], seed=0).probs
    after = baseline_out_of_fold(changed, gold, fold, [1.0], seed=0).probs
    other_folds = fold != fold[0]
    assert not np.allclose(before[0], after[0])
    assert not np.allclose(before[other_folds], after[other_folds])  # row 0 trains them
    same_fold = (fold == fold[0]) & (np.arange(len(fold)) != 0)
    np.testing.assert_array_equal(before[same_fold], after[same_fold])


def test_a_label_with_fewer_positives_than_folds_is_not_audited():
    gold = np.zeros((20, 3), dtype=np.int8)
    gold[:10, 0] = 1
    gold[:4, 1] = 1  # 4 positives < 5 folds
    gold[:, 2] = 1  # never negative
    assert auditable_labels(gold, 5).tolist() == [True, False, False]


def test_too_few_texts_for_the_folds_is_one_line_naming_the_param():
    with pytest.raises(PipelineError) as error:
        assign_folds(np.ones((3, 2), dtype=np.int8), 5, seed=0)
    assert str(error.value) == ("audit.folds=5: there are only 3 labelled texts; lower audit.folds")


# ---- the stage and the corrections, in-process on the README's tickets (5 labels) ----------


FLIPPED = {"T0001": "bug", "T0002": "billing", "T0010": "account", "T0020": "urgent"}


@pytest.fixture
def params(tmp_path, monkeypatch) -> dict:
    """The tickets with one label flipped in each of the FLIPPED texts."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / paths.CORRECTIONS).mkdir(parents=True)
    tickets = pd.read_csv(EXAMPLES / "tickets-columns" / "tickets.csv")
    for text_id, label in FLIPPED.items():
        tickets.loc[tickets["id"] == text_id, label] ^= 1
    tickets.to_csv(tmp_path / "tickets.csv", index=False)
    params = copy.deepcopy(PARAMS)
    params["data"] |= {
        "source": "files",
        "path": str(tmp_path / "tickets.csv"),
        "columns": {"id": "id", "text": "text"},
    }
    params["baseline"]["c_grid"] = [1.0]
    params["audit"]["folds"] = 3
    return params


def corrections(params: dict, **files: str) -> dict:
    changed = copy.deepcopy(params)
    changed["data"]["corrections"] = {"exclude": None, "relabel": None, **files}
    return changed


def raw_rows() -> dict[str, pd.DataFrame]:
    return {split: split_files.read_split(split) for split in split_files.available_splits()}


def assert_raw_unchanged(before: dict[str, pd.DataFrame]) -> None:
    after = raw_rows()
    assert set(after) == set(before)
    for split, frame in after.items():
        pd.testing.assert_frame_equal(frame, before[split])


def test_the_audit_stage_writes_the_ranked_table_summary_and_page(params):
    download.run(params)
    baseline.run(params)
    audit.run(params)
    table = pd.read_csv(paths.AUDIT_METRICS / "label_issues.csv", keep_default_na=False)
    summary = read_json(paths.AUDIT_SUMMARY)
    assert list(table.columns) == ["rank", "id", "split", "quality", "given_labels", "add",
                                   "remove", "suggested_labels", "text"]  # fmt: skip
    assert table["rank"].tolist() == list(range(1, len(table) + 1))
    assert table["quality"].is_monotonic_increasing
    assert set(table["split"]) <= {"train", "validation"}
    assert summary["flagged"] == len(table)
    assert summary["texts"] == 135  # train 120 + validation 15; test is never audited
    assert summary["c"] == read_json(paths.BASELINE_METRICS)["c"]  # the baseline stage's C
    assert set(summary) >= {"c", "oof_average_precision_micro"}
    assert sum(entry["flagged"] for entry in summary["by_split"].values()) == len(table)
    saved = np.load(paths.AUDIT / "out_of_fold.npz")
    assert saved["probs"].shape == (135, 5)
    # two of the flips rank first, each with the change that undoes it (T0002 is a test text;
    # T0020's extra `urgent` is not caught: its angry emoji is what urgent tickets hold)
    first = table.head(2).set_index("id")[["add", "remove"]].to_dict(orient="index")
    assert first == {
        "T0010": {"add": "", "remove": "account"},
        "T0001": {"add": "bug", "remove": ""},
    }
    page = (paths.AUDIT_METRICS / "label_issues.md").read_text(encoding="utf-8")
    assert "## billing" in page and "probably missing:" in page


def test_the_audits_table_works_as_exclude_and_relabel_files(params):
    download.run(params)
    baseline.run(params)
    audit.run(params)
    table = pd.read_csv(paths.AUDIT_METRICS / "label_issues.csv", keep_default_na=False)
    assert len(table) == 5  # as the stage test above shows
    table.head(2).to_csv(paths.CORRECTIONS / "exclude.csv", index=False)
    table.iloc[2:4].to_csv(paths.CORRECTIONS / "relabel.csv", index=False)
    before = raw_rows()
    download.run(corrections(params, exclude="data/corrections/exclude.csv",
                             relabel="data/corrections/relabel.csv"))  # fmt: skip
    after = raw_rows()
    excluded, relabelled = set(table["id"][:2]), table.iloc[2:4]
    names = list(LabelSchema.load(paths.LABELS).label_names)
    for split in ("train", "validation"):
        kept = before[split][~before[split]["id"].isin(excluded)].reset_index(drop=True)
        assert after[split]["id"].tolist() == kept["id"].tolist()  # the same split, less 2
    pd.testing.assert_frame_equal(after["test"], before["test"])
    rows = pd.concat([after["train"], after["validation"]]).set_index("id")
    for row in relabelled.itertuples():
        labels = [name for name, on in zip(names, rows.loc[row.id, "labels"], strict=True) if on]
        assert ";".join(labels) == row.suggested_labels
    applied = read_json(paths.DATA_METRICS)["corrections"]
    assert applied["exclude"] == "data/corrections/exclude.csv"
    by_split = applied["by_split"]
    assert sum(counts["excluded"] for counts in by_split.values()) == 2
    assert sum(counts["relabelled"] for counts in by_split.values()) == 2


def test_an_exclude_file_of_one_id_a_line(params):
    (paths.CORRECTIONS / "exclude.txt").write_text("# noisy tickets\nT0001\n\nT0010\n")
    download.run(corrections(params, exclude="data/corrections/exclude.txt"))
    ids = set(pd.concat(raw_rows().values())["id"])
    assert {"T0001", "T0010"}.isdisjoint(ids) and len(ids) == 148


def test_excluding_every_validation_text_stops_download(params):
    download.run(params)
    before = raw_rows()
    validation = before["validation"]["id"].tolist()
    (paths.CORRECTIONS / "exclude.txt").write_text("\n".join(validation) + "\n")
    with pytest.raises(PipelineError) as error:
        download.run(corrections(params, exclude="data/corrections/exclude.txt"))
    assert str(error.value) == (
        "data/corrections/exclude.txt excludes every validation text: nothing would be left to "
        "train or tune on; exclude fewer"
    )
    assert_raw_unchanged(before)


def test_a_relabel_file_with_a_labels_column_sets_exactly_those_labels(params):
    download.run(params)
    (paths.CORRECTIONS / "relabel.csv").write_text("id,labels\nT0001,billing; urgent\nT0010,\n")
    download.run(corrections(params, relabel="data/corrections/relabel.csv"))
    rows = pd.concat(raw_rows().values()).set_index("id")
    assert rows.loc["T0001", "labels"].tolist() == [1, 0, 0, 0, 1]
    assert rows.loc["T0010", "labels"].tolist() == [0, 0, 0, 0, 0]


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("exclude.csv", "id\nT0001\nNOPE\n", "data/corrections/exclude.csv, row 2: id 'NOPE' is "
         "not in the data (data.path); correct or remove that row"),
        ("relabel.csv", "id,labels\nT0001,bug;refunds\n", "data/corrections/relabel.csv, row 1, "
         "labels: label 'refunds' is not one of the data's labels (billing, bug, "
         "feature_request, account, urgent); join labels with ';'"),
        ("relabel.csv", "ticket,labels\nT0001,bug\n", "data/corrections/relabel.csv: no column "
         "'id'; columns are ['ticket', 'labels']"),
        ("relabel.csv", "id,labels\nT0001,bug\nT0001,\n", "data/corrections/relabel.csv, row 2: "
         "id 'T0001' is listed twice (row 1 too); keep one"),
        ("exclude.txt", "# noisy\nT0001\n\nNOPE\n", "data/corrections/exclude.txt, line 4: id "
         "'NOPE' is not in the data (data.path); correct or remove that row"),
        ("exclude.txt", "T0001\n# again\nT0001\n", "data/corrections/exclude.txt, line 3: id "
         "'T0001' is listed twice (line 1 too); keep one"),
        ("exclude.txt", b"T0001\n\xff\n", "data/corrections/exclude.txt is not UTF-8 text ("
         "'utf-8' codec can't decode byte 0xff in position 6: invalid start byte): one id a line"),
        # T0002 is split off train into test (data.split): only found while the splits are written
        ("exclude.txt", "T0001\nT0002\n", "data/corrections/exclude.txt, line 2: id 'T0002' is a "
         "test text (split off train, data.split); corrections apply to train and validation "
         "only: test stays as published"),
        ("both", "id\nT0001\n", "id 'T0001' is both excluded (data/corrections/exclude.csv, row "
         "1) and relabelled (data/corrections/relabel.csv, row 1): keep one"),
    ],
)  # fmt: skip
def test_a_correction_naming_an_unknown_id_or_label_stops_download_first(
    params, name, content, expected
):
    download.run(params)
    before = {split: frame.copy() for split, frame in raw_rows().items()}
    if name == "both":
        (paths.CORRECTIONS / "exclude.csv").write_text(content)
        (paths.CORRECTIONS / "relabel.csv").write_text("id,labels\nT0001,bug\n")
        files = {"exclude": "data/corrections/exclude.csv",
                 "relabel": "data/corrections/relabel.csv"}  # fmt: skip
    else:
        path = paths.CORRECTIONS / name
        path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content)
        files = {"exclude" if name.startswith("exclude") else "relabel": f"data/corrections/{name}"}
    with pytest.raises(PipelineError) as error:
        download.run(corrections(params, **files))
    assert str(error.value) == expected
    assert_raw_unchanged(before)  # nothing already written is touched


def test_a_test_text_cannot_be_corrected(params, tmp_path):
    split_file = tmp_path / "tickets.csv"
    frame = pd.read_csv(EXAMPLES / "tickets-columns" / "tickets.csv")
    frame["split"] = ["test" if row < 15 else "train" for row in range(len(frame))]
    frame.to_csv(split_file, index=False)
    params["data"] |= {"path": str(split_file), "files": {**params["data"]["files"],
                                                          "split_column": "split"}}  # fmt: skip
    (paths.CORRECTIONS / "exclude.csv").write_text("id\nT0003\n")
    with pytest.raises(PipelineError) as error:
        download.run(corrections(params, exclude="data/corrections/exclude.csv"))
    assert str(error.value).startswith("data/corrections/exclude.csv, row 1: id 'T0003' is a test")
    assert not paths.RAW.exists()


def test_a_corrections_file_outside_the_folder_or_missing_is_refused(params, tmp_path):
    (tmp_path / "exclude.csv").write_text("id\nT0001\n")
    with pytest.raises(PipelineError) as error:
        download.run(corrections(params, exclude="exclude.csv"))
    assert str(error.value) == (
        "data.corrections.exclude='exclude.csv': put the file under data/corrections/ (a "
        "dependency of download, so that a change to it re-runs the pipeline)"
    )
    with pytest.raises(PipelineError) as error:
        download.run(corrections(params, relabel="data/corrections/none.csv"))
    assert str(error.value) == "data.corrections.relabel='data/corrections/none.csv': no such file"


def test_a_pickle_planted_as_a_corrections_file_runs_nothing(params, tmp_path):
    import pickle

    class Payload:
        def __reduce__(self):
            return (exec, (f"open({str(tmp_path / 'ran')!r}, 'w').close()",))

    (paths.CORRECTIONS / "relabel.csv").write_bytes(pickle.dumps(Payload()))
    with pytest.raises(PipelineError) as error:
        download.run(corrections(params, relabel="data/corrections/relabel.csv"))
    assert str(error.value).startswith("data/corrections/relabel.csv")
    assert not (tmp_path / "ran").exists() and not paths.RAW.exists()


def test_the_audit_fits_each_fold_at_the_c_the_baseline_stage_chose(params, monkeypatch):
    params["baseline"]["c_grid"] = [0.5, 2.0]
    download.run(params)
    baseline.run(params)
    chosen = read_json(paths.BASELINE_METRICS)["c"]
    grids = []

    def fitted(texts, gold, fold, c_grid, *args):
        grids.append(tuple(c_grid))
        return baseline_out_of_fold(texts, gold, fold, c_grid, *args)

    monkeypatch.setattr(audit, "baseline_out_of_fold", fitted)
    audit.run({"audit": params["audit"]})  # the only section dvc.yaml declares for it
    assert grids == [(chosen,)]
    assert read_json(paths.AUDIT_SUMMARY)["c"] == chosen


def test_an_audit_before_the_baseline_stage_is_one_line_and_writes_nothing(params):
    download.run(params)
    with pytest.raises(PipelineError) as error:
        audit.run(params)
    assert str(error.value) == (
        "metrics/baseline.json is missing: run `dvc repro baseline` first (dvc repro audit does)"
    )
    assert not paths.AUDIT.exists() and not paths.AUDIT_METRICS.exists()


def test_a_baseline_metrics_file_without_a_c_is_one_line_and_writes_nothing(params):
    download.run(params)
    baseline.run(params)
    paths.BASELINE_METRICS.write_text('{"c": "4.0"}', encoding="utf-8")
    with pytest.raises(PipelineError) as error:
        audit.run(params)
    assert str(error.value) == (
        "metrics/baseline.json has no C > 0 (c='4.0'): run `dvc repro baseline` first "
        "(dvc repro audit does)"
    )
    assert not paths.AUDIT.exists() and not paths.AUDIT_METRICS.exists()


def test_the_members_audit_reads_every_param_the_default_only_its_declared_ones(params):
    """dvc.yaml declares audit for the stage; the members' params are read only where
    audit.model is members (`dvc repro audit` with them: tests/test_pipeline.py)."""
    declared = {"audit": params["audit"]}
    assert audit.stage_params(declared, lambda: pytest.fail("every param read")) is declared
    declared["audit"] = {**params["audit"], "model": "members"}
    assert audit.stage_params(declared, lambda: params) is params


def test_a_bad_member_param_stops_the_members_audit_before_any_training(params):
    params |= {"model": "tiny", "audit": {**params["audit"], "model": "members"}}
    params["ensemble"]["members"] = {"a": {}, "b": {"learning_rate": -1}}
    download.run(params)
    with pytest.raises(PipelineError) as error:
        audit.run(params)
    assert str(error.value) == "train.learning_rate=-1: expected a number > 0"
    assert not paths.AUDIT.exists() and not paths.AUDIT_METRICS.exists()


def test_audit_model_none_writes_empty_outputs_that_say_so(params):
    params["audit"]["model"] = "none"
    download.run(params)
    audit.run(params)
    assert read_json(paths.AUDIT_SUMMARY) == {"model": "none"}
    table = pd.read_csv(paths.AUDIT_METRICS / "label_issues.csv")
    assert table.empty and list(table.columns) == list(report.ISSUE_COLUMNS)
    assert paths.AUDIT.is_dir() and not any(paths.AUDIT.iterdir())
