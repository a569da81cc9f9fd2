"""Reuters-21578 (Distribution 1.0) as a multi-label file the pipeline reads by params alone: the
ModApte split with its 90 topics (every topic with a document in both splits), one JSON line per
document: `id` (NEWID), `text` (the title, a line break, the body), `labels` (its topics among the
90) and `split` (train or test).

    python examples/reuters21578/prepare.py path/to/reuters21578

reads the 22 `reut2-0NN.sgm` files of the distribution (checked against SHA256SUMS beside this
script first) and writes examples/reuters21578/modapte90.jsonl. Nothing is downloaded: where to
get the files, their license and the params that run the pipeline on the result are in this
folder's README.md. Standard library only.
"""

import argparse
import hashlib
import html
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DOCUMENT = re.compile(r"<REUTERS(?P<attributes>[^>]*)>(?P<body>.*?)</REUTERS>", re.S)
ATTRIBUTE = re.compile(r'(\w+)="([^"]*)"')
SPLITS = {"TRAIN": "train", "TEST": "test"}  # LEWISSPLIT of the ModApte split (README VIII.B)


def checked_files(raw: Path, sums: Path) -> list[Path]:
    """The distribution's .sgm files, each with the checksum SHA256SUMS records; stops with the
    first file that is missing or differs."""
    files = []
    for line in sums.read_text(encoding="utf-8").splitlines():
        digest, name = line.split()
        path = raw / name
        if not path.is_file():
            sys.exit(
                f"{path}: missing; the folder must hold the 22 reut2-0NN.sgm files (README.md)"
            )
        if hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            sys.exit(f"{path}: its sha256 is not {digest} ({sums.name}): not Distribution 1.0")
        files.append(path)
    return files


def element(body: str, tag: str) -> str | None:
    found = re.search(rf"<{tag}>(.*?)</{tag}>", body, re.S)
    return None if found is None else found.group(1)


def parse(sgml: str) -> list[dict]:
    """Every document of one .sgm file: its NEWID, ModApte split (None: unused), topics, text."""
    documents = []
    for match in DOCUMENT.finditer(sgml):
        attributes = dict(ATTRIBUTE.findall(match.group("attributes")))
        body = match.group("body")
        topics = list(dict.fromkeys(re.findall(r"<D>(.*?)</D>", element(body, "TOPICS") or "")))
        title = " ".join(html.unescape(element(body, "TITLE") or "").split())
        text = element(body, "BODY")
        unprocessed = re.search(r'<TEXT TYPE="UNPROC">(.*?)</TEXT>', body, re.S)
        if text is None and unprocessed:  # a table or report: the text element holds it whole
            text = re.sub(r"<[^>]+>", " ", unprocessed.group(1))
        # a brief (TYPE="BRIEF") has no body, only a placeholder ("Blah blah blah."): its title
        text = html.unescape(text or "").strip()
        documents.append({
            "id": attributes["NEWID"],
            "split": SPLITS.get(attributes["LEWISSPLIT"]) if attributes.get("TOPICS") == "YES" else None,
            "topics": topics,
            "text": f"{title}\n{text}".strip(),
        })  # fmt: skip
    return documents


def modapte90(documents: list[dict]) -> tuple[list[str], list[dict]]:
    """The 90 topics (in train and in test) and the ModApte documents with at least one of them,
    each with only those topics."""
    used = [doc for doc in documents if doc["split"] is not None]
    in_split = {
        split: {topic for doc in used if doc["split"] == split for topic in doc["topics"]}
        for split in SPLITS.values()
    }
    topics = sorted(in_split["train"] & in_split["test"])
    kept = set(topics)
    rows = []
    for doc in used:
        labels = [topic for topic in doc["topics"] if topic in kept]
        if labels:
            rows.append(
                {"id": doc["id"], "text": doc["text"], "labels": labels, "split": doc["split"]}
            )
    return topics, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("raw", type=Path, help="the folder with reut2-000.sgm ... reut2-021.sgm")
    parser.add_argument("--out", type=Path, default=HERE / "modapte90.jsonl")
    parser.add_argument("--sums", type=Path, default=HERE / "SHA256SUMS")
    args = parser.parse_args()
    documents = [doc for path in checked_files(args.raw, args.sums)
                 for doc in parse(path.read_text(encoding="latin-1"))]  # fmt: skip
    topics, rows = modapte90(documents)
    with args.out.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    counts = {split: sum(row["split"] == split for row in rows) for split in SPLITS.values()}
    print(
        f"{args.out}: {len(topics)} topics, {counts['train']} train and {counts['test']} test documents"
    )


if __name__ == "__main__":
    main()
