"""The package's shape, read from its imports: layers import downward only and never in a
cycle, dvc.yaml declares for every stage the code it runs (its script, its pipeline modules and
the layer folders these import), so that a change to that code re-runs the stage, and a stage
script starts without the libraries its default path does not use."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import REPO_ROOT

PACKAGE = REPO_ROOT / "src" / "mltc"
STAGES = yaml.safe_load((REPO_ROOT / "dvc.yaml").read_text())["stages"]
# a layer imports only layers of a lower rank (peers of one rank do not import each other)
LAYER_RANKS = {
    "core": 0,
    "ingest": 1,
    "modeling": 1,
    "audit": 2,
    "decision": 2,
    "ensemble": 3,
    "export": 4,
    "distill": 4,
    "pipeline": 5,
    "serving": 5,
}


def module_file(name: str) -> Path | None:
    """The file that defines module `name` (a .py file, or a package's __init__.py)."""
    relative = Path(*name.split("."))
    for candidate in (REPO_ROOT / "src" / relative.with_suffix(".py"),
                      REPO_ROOT / "src" / relative / "__init__.py"):  # fmt: skip
        if candidate.is_file():
            return candidate
    return None


def imported_modules(path: Path) -> set[str]:
    """The mltc modules that a file imports (`from mltc.x import y` names module mltc.x.y where
    that is a module, else mltc.x)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "mltc":
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if module_file(submodule) else node.module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.split(".")[0] == "mltc"}
    return found


def imported_files(path: Path) -> set[Path]:
    """Every package file that importing `path` runs, transitively, __init__.py files included."""
    found: set[Path] = set()
    pending = [path]
    while pending:
        for name in imported_modules(pending.pop()):
            parts = name.split(".")
            packages = [module_file(".".join(parts[:depth])) for depth in range(1, len(parts))]
            for file in [*packages, module_file(name)]:
                if file is not None and file not in found:
                    found.add(file)
                    pending.append(file)
    return found


def layer(file: Path) -> str | None:
    parts = file.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 else None


def package_files() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_every_package_module_lies_in_a_known_layer():
    assert {layer(file) for file in package_files()} - {None} == set(LAYER_RANKS)
    assert [file.name for file in PACKAGE.glob("*.py")] == ["__init__.py"]


@pytest.mark.parametrize("file", package_files(), ids=lambda f: str(f.relative_to(PACKAGE)))
def test_a_layer_imports_only_layers_below_it(file):
    own = layer(file)
    upward = {
        name
        for name in imported_modules(file)
        if (target := layer(module_file(name))) not in (None, own)
        and (own is None or LAYER_RANKS[target] >= LAYER_RANKS[own])
    }
    assert not upward, f"{file.relative_to(REPO_ROOT)} imports {sorted(upward)}: a layer above it"


def test_no_module_imports_itself_through_others():
    graph = {file: {module_file(name) for name in imported_modules(file)} - {None}
             for file in package_files()}  # fmt: skip
    state: dict[Path, str] = {}

    def visit(file: Path, trail: list[Path]) -> None:
        state[file] = "open"
        for target in graph[file]:
            if state.get(target) == "open":
                cycle = [*trail[trail.index(target) :], target] if target in trail else [target]
                pytest.fail(" -> ".join(str(f.relative_to(PACKAGE)) for f in cycle))
            if target not in state:
                visit(target, [*trail, target])
        state[file] = "done"

    for file in graph:
        if file not in state:
            visit(file, [file])


def test_nothing_in_the_pipeline_imports_serving():
    for file in (PACKAGE / "pipeline").glob("*.py"):
        reached = {layer(found) for found in imported_files(file)}
        assert "serving" not in reached, file


def stage_definition(stage: str) -> dict:
    return STAGES[stage].get("do", STAGES[stage])  # a per-member stage's `foreach` body


def stage_script(definition: dict) -> str:
    """The stage's script: the last `stages/*.py` of its command."""
    return [word for word in definition["cmd"].split() if word.endswith(".py")][-1]


def declared_code(definition: dict) -> list[str]:
    return [dep for dep in definition["deps"] if dep.startswith(("src/", "stages/"))]


def covered(file: Path, declared: list[str]) -> bool:
    relative = file.relative_to(REPO_ROOT)
    return any(relative == Path(dep) or Path(dep) in relative.parents for dep in declared)


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_a_stage_declares_every_module_it_imports(stage):
    definition = stage_definition(stage)
    script = stage_script(definition)
    declared = declared_code(definition)
    assert script in declared
    # the package's __init__.py holds its version, the layers' a docstring: no behaviour
    missing = [
        str(file.relative_to(REPO_ROOT))
        for file in imported_files(REPO_ROOT / script)
        if not covered(file, declared)
        and not is_docstring_only(file)
        and file != PACKAGE / "__init__.py"
    ]
    assert not missing, f"add {missing} to the deps of stage {stage} in dvc.yaml"


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_a_stage_declares_no_code_it_does_not_import(stage):
    definition = stage_definition(stage)
    script = stage_script(definition)
    imported = imported_files(REPO_ROOT / script) | {REPO_ROOT / script}
    stale = [dep for dep in declared_code(definition)
             if not any(covered(file, [dep]) for file in imported)]  # fmt: skip
    assert not stale, f"stage {stage} declares {stale}, which its script never imports"


# Each stage is a new process at every `dvc repro`: what a script imports before any work, on the
# path the defaults take, must leave out what that path does not use (torch, transformers and
# scikit-learn take seconds each to import). Script: modules it must not have imported.
TRAINING_LIBRARIES = ("torch", "transformers", "sklearn", "datasets")
NOT_IMPORTED_AT_START = [
    pytest.param("stages/distill.py", TRAINING_LIBRARIES, id="distill"),  # off by default
    pytest.param(  # `--check-params`, before torchrun
        "stages/train.py", TRAINING_LIBRARIES, id="train --check-params"
    ),
    pytest.param(  # the baseline audit (the default) fine-tunes nothing
        "stages/audit.py", ("transformers", "mltc.modeling.training", "skops"), id="audit",
        marks=pytest.mark.slow,
    ),
    pytest.param(  # tokenizes only
        "stages/preprocess.py", ("mltc.modeling.build", "mltc.modeling.label_aware"),
        id="preprocess", marks=pytest.mark.slow,
    ),
]  # fmt: skip


@pytest.mark.parametrize(("script", "left_out"), NOT_IMPORTED_AT_START)
def test_a_stage_starts_without_what_its_default_path_does_not_use(script, left_out):
    code = (
        f"import runpy, sys; runpy.run_path({script!r}); "  # the script's imports, not main()
        f"print([name for name in {left_out!r} if name in sys.modules])"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    assert loaded.stdout == "[]\n"


def is_docstring_only(file: Path) -> bool:
    body = ast.parse(file.read_text(encoding="utf-8")).body
    return all(isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) for node in body)


def test_the_package_and_pipeline_init_files_hold_no_code():
    assert is_docstring_only(PACKAGE / "pipeline" / "__init__.py")
    body = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8")).body
    assert [type(node).__name__ for node in body] in (["Expr", "Assign"], ["Assign"])


def test_the_import_walk_finds_indirect_imports():
    # stages/train.py imports mltc.pipeline.train, which imports mltc.modeling.training, which
    # imports mltc.modeling.callbacks
    found = imported_files(REPO_ROOT / "stages" / "train.py")
    assert {PACKAGE / "modeling" / "callbacks.py", PACKAGE / "modeling" / "__init__.py"} <= found
    assert PACKAGE / "ensemble" / "combine.py" not in found
