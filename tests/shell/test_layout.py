"""The feature-room layout stays as DESIGN.md draws it: no import cycles, small modules,
one registry entry per page package, engine tests without Qt."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from app.registry import PAGES

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("app", "widgets", "engine")
MAX_LINES = 500
#: A module may be longer when it says why, in a comment starting so, near its top.
LONG_MODULE_MARK = "# Longer than 500 lines:"
FEATURES = (
    "cells",
    "cells3d",
    "playground",
    "paths",
    "volume",
    "hulls",
    "networks",
    "jigsaw",
    "adversarial",
    "extrapolation",
)


def _modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            modules[name] = path
    return modules


def _is_type_checking(node: ast.If) -> bool:
    return "TYPE_CHECKING" in ast.unparse(node.test)


def _imported(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules ``module`` imports when it runs (TYPE_CHECKING blocks aside),
    at its top or inside functions."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    hidden = {
        id(sub)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and _is_type_checking(node)
        for sub in ast.walk(node)
    }
    names = []
    for node in ast.walk(tree):
        if id(node) in hidden:
            continue
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names += [f"{node.module}.{alias.name}" for alias in node.names]
    found = set()
    for name in names:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        if name and name != module:
            found.add(name)
    return found


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of ``graph`` (as a path that returns to its start), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*stack[stack.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_no_runtime_import_cycle():
    modules = _modules()
    graph = {name: _imported(name, path, modules) for name, path in modules.items()}
    # A package's own __init__ importing its submodules is not a cycle of the design.
    for name in graph:
        graph[name] = {t for t in graph[name] if not name.startswith(t + ".")}
    assert _cycle(graph) is None, " -> ".join(_cycle(graph))


def test_modules_are_short_or_say_why():
    long = []
    for path in _modules().values():
        lines = path.read_text(encoding="utf-8").splitlines()
        if len(lines) > MAX_LINES and not any(
            line.startswith(LONG_MODULE_MARK) for line in lines[:40]
        ):
            long.append(f"{path.relative_to(ROOT)} ({len(lines)} lines)")
    assert not long, "modules over 500 lines without a reason: " + ", ".join(long)


def test_each_feature_package_is_one_registry_entry():
    assert [spec.key for spec in PAGES] == [
        "cells",
        "volume",
        "playground",
        "cells3d",
        "paths",
        "hulls",
        "networks",
        "jigsaw",
        "adversarial",
        "extrapolation",
    ]
    assert len({spec.session_key for spec in PAGES}) == len(PAGES)
    for key in FEATURES:
        assert (ROOT / "app" / key / "spec.py").is_file(), key
        assert (ROOT / "tests" / key).is_dir(), key


@pytest.mark.parametrize("spec", PAGES, ids=lambda spec: spec.key)
def test_every_page_declares_a_checked_state(spec):
    state = spec.state_type()
    with pytest.raises(AttributeError):
        state.__setattr__(next(iter(state.__dataclass_fields__)), None)


def test_engine_tests_need_no_display():
    gui = ("PySide6", "pyqtgraph", "vtk", "vtkmodules", "superqt", "pytestqt", "app", "widgets")
    offenders = []
    for path in (ROOT / "tests" / "engine").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(name.split(".")[0] in gui for name in names):
                offenders.append(path.name)
            if isinstance(node, ast.arg) and node.arg == "qtbot":
                offenders.append(path.name)
    assert not offenders, sorted(set(offenders))


def test_every_page_package_is_held_by_the_import_contracts():
    """A new page joins the independence and "never reach into the window" contracts:
    a page left out of them could import another page unnoticed."""
    import tomllib

    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed: dict[str, set[str]] = {}
    for contract in contracts["tool"]["importlinter"]["contracts"]:
        listed[contract["name"]] = set(contract.get("modules", contract.get("source_modules", [])))
    independent_app = listed["Pages are rooms: no page package of app/ imports another"]
    independent_widgets = listed[
        "Page widgets are rooms: no page package of widgets/ imports another"
    ]
    declared = listed["Pages are declared to the window, never reach into it"]
    for spec in PAGES:
        package = f"app.{spec.key}"
        assert package in independent_app and package in declared, package
        if (ROOT / "widgets" / spec.key).is_dir():
            assert f"widgets.{spec.key}" in independent_widgets, spec.key
