"""examples/reuters21578/prepare.py: the ModApte split with the topics found in both splits, read
from the distribution's SGML after its checksums, and what the pipeline's download makes of it
by the params the example's README gives."""

import hashlib
import json
import subprocess
import sys
from pathlib import Path

from conftest import EXAMPLES, PARAMS
from mltc.core import paths
from mltc.core.files import read_json

PREPARE = EXAMPLES / "reuters21578" / "prepare.py"
# one file of the distribution's layout: train and test stories, a topic seen in train only,
# a story outside the split (NOT-USED) and one with TOPICS="NO", a brief (its title alone is
# text: its body is a placeholder), a table without title or body, a topic listed twice
SGML = """<!DOCTYPE lewis SYSTEM "lewis.dtd">
<REUTERS TOPICS="YES" LEWISSPLIT="TRAIN" CGISPLIT="TRAINING-SET" OLDID="1" NEWID="1">
<DATE>26-FEB-1987</DATE><TOPICS><D>cocoa</D><D>grain</D></TOPICS>
<TEXT>&#2;
<TITLE>COCOA REVIEW</TITLE>
<BODY>Showers continued &lt;in&gt; the zone.
 Reuter
&#3;</BODY></TEXT>
</REUTERS>
<REUTERS TOPICS="YES" LEWISSPLIT="TRAIN" CGISPLIT="TRAINING-SET" OLDID="2" NEWID="2">
<TOPICS><D>tin</D></TOPICS>
<TEXT>&#2;<TITLE>TIN ONLY IN TRAIN</TITLE><BODY>Tin prices.</BODY></TEXT>
</REUTERS>
<REUTERS TOPICS="YES" LEWISSPLIT="TRAIN" CGISPLIT="TRAINING-SET" OLDID="3" NEWID="3">
<TOPICS><D>grain</D><D>tin</D></TOPICS>
<TEXT TYPE="BRIEF">&#2;
******<TITLE>GRAIN BRIEF
</TITLE>Blah blah blah.
&#3;</TEXT>
</REUTERS>
<REUTERS TOPICS="YES" LEWISSPLIT="TEST" CGISPLIT="TRAINING-SET" OLDID="4" NEWID="4">
<TOPICS><D>cocoa</D><D>cocoa</D></TOPICS>
<TEXT><TITLE>COCOA TEST</TITLE><BODY>Cocoa again.</BODY></TEXT>
</REUTERS>
<REUTERS TOPICS="YES" LEWISSPLIT="TEST" CGISPLIT="TRAINING-SET" OLDID="5" NEWID="5">
<TOPICS><D>grain</D></TOPICS>
<TEXT><TITLE>GRAIN TEST</TITLE><BODY>Wheat.</BODY></TEXT>
</REUTERS>
<REUTERS TOPICS="YES" LEWISSPLIT="TEST" CGISPLIT="TRAINING-SET" OLDID="8" NEWID="8">
<TOPICS><D>grain</D></TOPICS>
<TEXT TYPE="UNPROC">&#2;
GRAIN REPORT - FEB 26
 Wheat......1 vs 2
&#3;</TEXT>
</REUTERS>
<REUTERS TOPICS="YES" LEWISSPLIT="NOT-USED" CGISPLIT="TRAINING-SET" OLDID="6" NEWID="6">
<TOPICS><D>cocoa</D></TOPICS><TEXT><TITLE>UNUSED</TITLE><BODY>x</BODY></TEXT>
</REUTERS>
<REUTERS TOPICS="NO" LEWISSPLIT="TRAIN" CGISPLIT="TRAINING-SET" OLDID="7" NEWID="7">
<TOPICS><D>cocoa</D></TOPICS><TEXT><TITLE>NO TOPICS</TITLE><BODY>y</BODY></TEXT>
</REUTERS>
"""


def prepare(tmp_path: Path, sgml: str = SGML, recorded: str | None = None):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "reut2-000.sgm").write_bytes(sgml.encode("latin-1"))
    digest = recorded or hashlib.sha256(sgml.encode("latin-1")).hexdigest()
    (tmp_path / "SHA256SUMS").write_text(f"{digest}  reut2-000.sgm\n", encoding="utf-8")
    out = tmp_path / "modapte.jsonl"
    return out, subprocess.run(
        [sys.executable, str(PREPARE), str(raw), "--out", str(out), "--sums",
         str(tmp_path / "SHA256SUMS")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip


def test_the_modapte_split_keeps_the_topics_of_both_splits_and_their_stories(tmp_path):
    out, result = prepare(tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{out}: 2 topics, 2 train and 3 test documents\n"
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert rows == [
        {"id": "1", "text": "COCOA REVIEW\nShowers continued <in> the zone.\n Reuter",
         "labels": ["cocoa", "grain"], "split": "train"},
        {"id": "3", "text": "GRAIN BRIEF", "labels": ["grain"], "split": "train"},
        {"id": "4", "text": "COCOA TEST\nCocoa again.", "labels": ["cocoa"], "split": "test"},
        {"id": "5", "text": "GRAIN TEST\nWheat.", "labels": ["grain"], "split": "test"},
        {"id": "8", "text": "GRAIN REPORT - FEB 26\n Wheat......1 vs 2", "labels": ["grain"],
         "split": "test"},
    ]  # fmt: skip


def test_a_file_that_is_not_the_distribution_stops_before_anything_is_written(tmp_path):
    out, result = prepare(tmp_path, recorded="0" * 64)
    assert result.returncode == 1
    assert result.stderr == (
        f"{tmp_path / 'raw' / 'reut2-000.sgm'}: its sha256 is not {'0' * 64} (SHA256SUMS): not "
        "Distribution 1.0\n"
    )
    assert not out.exists()


def test_the_pipeline_reads_the_prepared_file_by_the_readmes_params(tmp_path, monkeypatch):
    from mltc.pipeline import download

    out, result = prepare(tmp_path)
    assert result.returncode == 0, result.stderr
    params = json.loads(json.dumps(PARAMS))
    params["data"] |= {"source": "files", "path": str(out), "files": {
        **params["data"]["files"], "split_column": "split"}}  # fmt: skip
    params["data"]["columns"] = {**params["data"]["columns"], "id": "id"}
    params["data"]["split"] = {**params["data"]["split"], "validation": 0.5}
    monkeypatch.chdir(tmp_path)
    (tmp_path / paths.CORRECTIONS).mkdir(parents=True)
    download.run(params)
    assert read_json(paths.LABELS)["label_names"] == ["cocoa", "grain"]
    counts = {
        split: entry["texts"] for split, entry in read_json(paths.DATA_METRICS)["splits"].items()
    }
    assert counts == {"train": 1, "validation": 1, "test": 3}
