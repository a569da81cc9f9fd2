"""Markdown that the project generates: tables, and marked sections of a file (README.md, the
benchmark tables) replaced by fresh content."""

from pathlib import Path

import pandas as pd

from mltc.core.errors import PipelineError
from mltc.core.files import atomic_path


def markdown_table(frame: pd.DataFrame) -> str:
    rows = [" | ".join(map(str, frame.columns)), " | ".join("---" for _ in frame.columns)]
    rows += [" | ".join(map(str, values)) for values in frame.itertuples(index=False)]
    return "\n".join(f"| {row} |" for row in rows)


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
