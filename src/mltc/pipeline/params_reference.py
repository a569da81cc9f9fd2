"""docs/params.md, generated from params.yaml: every param with its default and the comment beside
it, so that a param is documented once, where it is set (`make docs`; a test checks that the
committed page is current)."""

import re
from pathlib import Path

from mltc.core.markdown import update_section

PARAMS = Path("params.yaml")
PAGE = Path("docs/params.md")
SECTION = "params"
LINE = re.compile(
    r"^(?P<indent> *)(?P<key>[A-Za-z_][\w.-]*):(?P<value>[^#]*)(?:#\s?(?P<note>.*))?$"
)
COMMENT = re.compile(r"^(?P<indent> *)#\s?(?P<note>.*)$")


def param_rows(text: str) -> list[tuple[str, str, str]]:
    """(dotted name, default, note) for each key of params.yaml, in file order; a comment line
    continues the note of the key above it when indented past that key, else it opens a note
    for the key below it (the header of a section)."""
    rows: list[list[str]] = []
    path: list[tuple[int, str]] = []
    pending: list[str] = []
    for line in text.splitlines():
        if not line.strip():
            pending = []
            continue
        comment = COMMENT.match(line)
        if comment:
            indent = len(comment["indent"])
            if rows and path and indent > path[-1][0]:
                rows[-1][2] = f"{rows[-1][2]} {comment['note'].strip()}".strip()
            else:
                pending.append(comment["note"].strip())
            continue
        match = LINE.match(line)
        if match is None:  # a list item or a continued value: part of the key above
            continue
        indent = len(match["indent"])
        path = [(level, key) for level, key in path if level < indent] + [(indent, match["key"])]
        note = " ".join([*pending, (match["note"] or "").strip()]).strip()
        rows.append([".".join(key for _, key in path), match["value"].strip(), note])
        pending = []
    return [(name, value, note) for name, value, note in rows]


def params_table(text: str) -> str:
    lines = ["| param | default | meaning |", "| --- | --- | --- |"]
    for name, value, note in param_rows(text):
        shown = f"`{value}`" if value else ""
        lines.append(f"| `{name}` | {shown} | {note.replace('|', '/')} |")
    return "\n".join(lines)


def main() -> None:
    update_section(PAGE, SECTION, params_table(PARAMS.read_text(encoding="utf-8")))
    print(f"{PAGE}: params table written from {PARAMS}")


if __name__ == "__main__":
    main()
