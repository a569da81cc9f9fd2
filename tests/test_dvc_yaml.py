"""dvc.yaml must list, for every stage, each package module its script imports (directly or not):
a change to an unlisted module would not re-run the stage."""

import ast
from pathlib import Path

import pytest
import yaml

from conftest import REPO_ROOT

STAGES = yaml.safe_load((REPO_ROOT / "dvc.yaml").read_text())["stages"]


def module_files(name: str) -> list[Path]:
    """The files that importing module `name` runs: each package's __init__.py, then the module."""
    parts = name.split(".")
    files = [Path("src", *parts[:depth], "__init__.py") for depth in range(2, len(parts))]
    module = Path("src", *parts).with_suffix(".py")
    package = Path("src", *parts, "__init__.py")
    if (REPO_ROOT / module).is_file():
        return [*files, module]
    if (REPO_ROOT / package).is_file() and len(parts) > 1:
        return [*files, package]
    return []


def package_modules(script: Path, found: set[str] | None = None) -> set[str]:
    """The src/mltc/**/*.py files that `script` imports, transitively (the top-level
    src/mltc/__init__.py holds only the version and is left out)."""
    found = set() if found is None else found
    for node in ast.walk(ast.parse(script.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "mltc":
            for alias in node.names:  # `from mltc.data import sources` imports a module
                submodule = f"{node.module}.{alias.name}"
                names.append(submodule if module_files(submodule) else node.module)
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names if alias.name.split(".")[0] == "mltc"]
        for name in names:
            for path in module_files(name):
                if str(path) not in found:
                    found.add(str(path))
                    if path.name != "__init__.py" or path.parent.name != "mltc":
                        package_modules(REPO_ROOT / path, found)
    return found


def stage_script(definition: dict) -> str:
    """The stage's script: the last `stages/*.py` of its command."""
    return [word for word in definition["cmd"].split() if word.endswith(".py")][-1]


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_every_imported_module_is_a_dependency(stage):
    definition = STAGES[stage].get("do", STAGES[stage])  # a per-member stage's `foreach` body
    script = stage_script(definition)
    assert script in definition["deps"]
    missing = package_modules(REPO_ROOT / script) - set(definition["deps"])
    assert not missing, f"add {sorted(missing)} to the deps of stage {stage} in dvc.yaml"


def test_the_import_walk_finds_indirect_imports():
    # stages/train.py imports mltc.modeling.training, which imports mltc.modeling.callbacks
    found = package_modules(REPO_ROOT / "stages" / "train.py")
    assert {"src/mltc/modeling/callbacks.py", "src/mltc/modeling/__init__.py"} <= found
