"""dvc.yaml must list, for every stage, each package module its script imports (directly or not):
a change to an unlisted module would not re-run the stage."""

import ast
from pathlib import Path

import pytest
import yaml

from conftest import REPO_ROOT

STAGES = yaml.safe_load((REPO_ROOT / "dvc.yaml").read_text())["stages"]


def package_modules(script: Path, found: set[str] | None = None) -> set[str]:
    """The src/mltc/*.py files that `script` imports, transitively."""
    found = set() if found is None else found
    for node in ast.walk(ast.parse(script.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "mltc":
            names = (
                [f"mltc.{alias.name}" for alias in node.names]
                if node.module == "mltc"
                else [node.module]
            )
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names if alias.name.split(".")[0] == "mltc"]
        for name in names:
            path = Path("src", *name.split(".")).with_suffix(".py")
            if (REPO_ROOT / path).is_file() and str(path) not in found:
                found.add(str(path))
                package_modules(REPO_ROOT / path, found)
    return found


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_every_imported_module_is_a_dependency(stage):
    definition = STAGES[stage]
    script = definition["cmd"].split()[-1]
    assert script in definition["deps"]
    missing = package_modules(REPO_ROOT / script) - set(definition["deps"])
    assert not missing, f"add {sorted(missing)} to the deps of stage {stage} in dvc.yaml"


def test_the_import_walk_finds_indirect_imports():
    # stages/train.py imports mltc.training, which imports mltc.callbacks
    assert "src/mltc/callbacks.py" in package_modules(REPO_ROOT / "stages" / "train.py")
