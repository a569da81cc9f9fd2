import csv
import json
import re
import shutil

import numpy as np
import pytest

from mltc.core.errors import PipelineError
from mltc.core.metrics import binarize
from mltc.decision import rule as decision_rule
from mltc.serving import cli
from mltc.serving.predictor import Predictor

TEXTS = ["I love this so much!", "Terrible news, I am scared.", "ok"]


@pytest.fixture(scope="module")
def tuned_model_dir(tiny_model_dir, tmp_path_factory, label_names):
    model_dir = tmp_path_factory.mktemp("tuned") / "model"
    shutil.copytree(tiny_model_dir, model_dir)
    thresholds = {name: 0.5 for name in label_names} | {"anger": 0.0, "trust": 1.0}
    decision_rule.save(model_dir, decision_rule.DecisionRule(thresholds, strategy="per_label"))
    return model_dir


def test_predict_applies_the_stored_thresholds(tuned_model_dir, label_names):
    predictor = Predictor(tuned_model_dir)
    probs = predictor.predict_proba(TEXTS)
    labels = predictor.predict(TEXTS)
    assert probs.shape == (3, len(label_names))
    assert all("anger" in row and "trust" not in row for row in labels)  # thresholds 0 and 1
    expected = binarize(probs, predictor.thresholds)
    assert labels == [[label_names[j] for j in np.flatnonzero(row)] for row in expected]


def test_threshold_override_replaces_the_tuned_ones(tuned_model_dir):
    predictor = Predictor(tuned_model_dir, threshold=0.99)
    assert predictor.thresholds.tolist() == [0.99] * len(predictor.label_names)
    assert predictor.predict(TEXTS) == [[], [], []]  # an untrained model is never that sure


def test_empty_text_is_refused(tuned_model_dir):
    with pytest.raises(PipelineError, match="text 2 is empty"):
        Predictor(tuned_model_dir).predict(["fine", "  "])


def test_cli_texts_to_jsonl(tuned_model_dir, capsys, label_names):
    cli.main(["--model", str(tuned_model_dir), *TEXTS[:2]])
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [record["text"] for record in records] == TEXTS[:2]
    assert set(records[0]["probabilities"]) == set(label_names)
    assert "anger" in records[0]["labels"]


@pytest.mark.parametrize("suffix", [".txt", ".csv", ".tsv", ".jsonl"])
def test_cli_reads_every_input_type_and_writes_csv(tuned_model_dir, tmp_path, suffix):
    source = tmp_path / f"in{suffix}"
    if suffix == ".txt":
        source.write_text("\n".join(TEXTS) + "\n", encoding="utf-8")
    elif suffix == ".jsonl":
        source.write_text("".join(json.dumps({"tweet": t}) + "\n" for t in TEXTS), encoding="utf-8")
    else:
        with source.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, delimiter="\t" if suffix == ".tsv" else ",")
            writer.writerows([["id", "tweet"], *enumerate(TEXTS)])
    output = tmp_path / "out.csv"
    cli.main(
        [
            "--model",
            str(tuned_model_dir),
            "--input",
            str(source),
            "--text-column",
            "tweet",
            "--output",
            str(output),
        ]
    )
    rows = list(csv.DictReader(output.open(encoding="utf-8")))
    assert [row["text"] for row in rows] == TEXTS
    assert all("anger" in row["labels"].split(";") for row in rows)
    assert 0 <= float(rows[0]["joy"]) <= 1


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("in.csv", "id,body\n1,hi\n", r"no column 'text'; columns are \['id', 'body'\]"),
        ("in.txt", "fine\n\nalso fine\n", r"in\.txt, row 2: empty text"),
        ("in.jsonl", '{"text": "a"}\n{"body": "b"}\n', r"in\.jsonl, row 2: empty text"),
        ("in.jsonl", '{"text": "a"}\n{"text": "b"\n', r"in\.jsonl, line 2: not JSON"),
        ("in.csv", 'text\n"a\n', r"in\.csv: not a well-formed table"),
        ("in.xlsx", "", r"unsupported input type '\.xlsx'"),
    ],
)
def test_cli_bad_input_names_file_and_line(
    tuned_model_dir, tmp_path, capsys, name, content, message
):
    source = tmp_path / name
    source.write_text(content, encoding="utf-8")
    with pytest.raises(SystemExit) as stop:
        cli.main(["--model", str(tuned_model_dir), "--input", str(source)])
    assert stop.value.code == 2
    assert re.search(message, capsys.readouterr().err)


def test_cli_non_utf8_file(tuned_model_dir, tmp_path, capsys):
    source = tmp_path / "latin.txt"
    source.write_bytes("caf\xe9\n".encode("latin-1"))
    with pytest.raises(SystemExit):
        cli.main(["--model", str(tuned_model_dir), "--input", str(source)])
    assert "latin.txt, line 1: not UTF-8" in capsys.readouterr().err


def test_cli_keeps_line_breaks_inside_quoted_fields_and_unicode_separators(
    tuned_model_dir, tmp_path
):
    texts = ["first line\nsecond line", 'quote " and, comma', "sep\u2028inside\u0085too"]
    source, lines = tmp_path / "in.csv", tmp_path / "in.txt"
    with source.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([["text"], *([t] for t in texts)])
    lines.write_text("\n".join(texts[1:]) + "\n", encoding="utf-8")
    assert list(cli.text_chunks(source, "text")) == [texts]
    assert list(cli.text_chunks(lines, "text")) == [texts[1:]]  # only a line feed ends a line


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--output", "labels.parquet"],
         "--output labels.parquet: its suffix '.parquet' names no output format; name the file "
         ".jsonl or .csv, or choose the format with --format {jsonl,csv}"),
        (["--output", "labels"],
         "--output labels: no suffix; name the file .jsonl or .csv, or choose the format with "
         "--format {jsonl,csv}"),
        (["--threshold", "1.5"], "--threshold 1.5: expected a number from 0 to 1"),
        (["--threshold", "-0.1"], "--threshold -0.1: expected a number from 0 to 1"),
    ],
)  # fmt: skip
def test_cli_refuses_an_unknown_output_format_and_a_threshold_out_of_range(
    tuned_model_dir, tmp_path, capsys, monkeypatch, options, message
):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stop:
        cli.main(["--model", str(tuned_model_dir), *options, "some text"])
    assert stop.value.code == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == f"predict: error: {message}"
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_cli_writes_the_format_it_is_told_and_takes_the_thresholds_bounds(
    tuned_model_dir, tmp_path, label_names
):
    """--format names the format whatever the file is called; a threshold of 0 gives every
    label, as the server's does (the same range)."""
    output = tmp_path / "labels.txt"
    cli.main(["--model", str(tuned_model_dir), "--output", str(output), "--format", "csv",
              "--threshold", "0", *TEXTS])  # fmt: skip
    rows = list(csv.DictReader(output.read_text(encoding="utf-8").splitlines()))
    assert [row["text"] for row in rows] == TEXTS
    assert {row["labels"] for row in rows} == {";".join(label_names)}


def test_thresholds_for_other_labels_are_refused(tuned_model_dir, tmp_path):
    model_dir = tmp_path / "model"
    shutil.copytree(tuned_model_dir, model_dir)
    rule = decision_rule.load(model_dir, [])
    wrong = dict(rule.thresholds_by_label)
    wrong["hope"] = wrong.pop("trust")
    decision_rule.save(model_dir, decision_rule.DecisionRule(wrong))
    with pytest.raises(PipelineError, match=r"missing \['trust'\], extra \['hope'\]"):
        Predictor(model_dir)


def test_bf16_and_int8_stay_close_to_fp32(tuned_model_dir):
    reference = Predictor(tuned_model_dir, precision="fp32").predict_proba(TEXTS)
    bf16 = Predictor(tuned_model_dir, precision="bf16").predict_proba(TEXTS)
    int8 = Predictor(tuned_model_dir, int8=True).predict_proba(TEXTS)
    np.testing.assert_allclose(bf16, reference, atol=1e-2)
    np.testing.assert_allclose(int8, reference, atol=2e-2)
    assert not np.array_equal(int8, reference)  # the quantised model really is another model


@pytest.mark.parametrize("suffix", [".txt", ".csv", ".jsonl", ".parquet"])
def test_cli_streams_a_file_chunk_by_chunk_with_one_header(
    tuned_model_dir, tmp_path, monkeypatch, suffix
):
    """A file is read, scored and written 3 texts at a time here (CHUNK_TEXTS in use): every row
    comes out once, in order, scored as when the texts are scored all at once."""
    import pandas as pd

    from mltc.modeling import chunking

    texts = [f"text number {i} {'!' * i}" for i in range(8)]
    source = tmp_path / f"in{suffix}"
    if suffix == ".txt":
        source.write_text("\n".join(texts) + "\n", encoding="utf-8")
    else:
        frame = pd.DataFrame({"text": texts})
        if suffix == ".csv":
            frame.to_csv(source, index=False)
        elif suffix == ".jsonl":
            frame.to_json(source, orient="records", lines=True)
        else:
            frame.to_parquet(source)
    whole = Predictor(tuned_model_dir).predict_proba(texts)
    for module in (chunking, cli):
        monkeypatch.setattr(module, "CHUNK_TEXTS", 3)
    assert [len(chunk) for chunk in cli.text_chunks(source, "text")] == [3, 3, 2]
    output = tmp_path / "out.csv"
    cli.main(["--model", str(tuned_model_dir), "--input", str(source), "--output", str(output)])
    written = pd.read_csv(output, keep_default_na=False)
    assert written["text"].tolist() == texts
    probs = written[list(Predictor(tuned_model_dir).label_names)].to_numpy()
    np.testing.assert_allclose(probs, whole, atol=1e-5)  # written with 6 decimals


def test_a_bad_row_after_the_first_chunk_stops_before_any_scoring(
    tuned_model_dir, tmp_path, monkeypatch, capsys
):
    monkeypatch.setattr(cli, "CHUNK_TEXTS", 2)
    source = tmp_path / "in.txt"
    source.write_text("one\ntwo\nthree\n \nfive\n", encoding="utf-8")
    output = tmp_path / "out.jsonl"
    output.write_text("kept\n", encoding="utf-8")
    scored = []
    monkeypatch.setattr(Predictor, "predict_proba", lambda self, texts, **_: scored.append(texts))
    with pytest.raises(SystemExit):
        cli.main(["--model", str(tuned_model_dir), "--input", str(source), "--output", str(output)])
    assert "in.txt, row 4: empty text" in capsys.readouterr().err
    assert scored == []
    assert output.read_text(encoding="utf-8") == "kept\n"
