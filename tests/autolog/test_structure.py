"""The integrations package's shape: an acyclic import graph and one way into nbtrack.

Read from the source with ``ast`` (nothing is imported), so every import
counts: module level, inside functions and under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import nbtrack.integrations
from nbtrack.tracking.session import Session

PACKAGE = "nbtrack.integrations"
ROOT = Path(nbtrack.integrations.__file__).parent

#: The Session API the integrations call (docs/architecture.md, "Autolog").
SESSION_API = {
    "active_run",
    "start_run",
    "end_run",
    "record_run",
    "run_for",
    "log_metric",
    "log_params",
    "set_tags",
    "log_artifact_content",
}
#: The only modules that reach the Session: the run handle of patched calls, and ``watch()``.
SESSION_USERS = {f"{PACKAGE}._runs", f"{PACKAGE}.torch_watch"}
#: Modules that import nothing of the package (everything else may build on them).
LEAVES = {"_safety", "_import_hook", "_config", "_calls", "_callers", "_varnames"}


def module_name(path: Path, root: Path, package: str) -> str:
    """``package.<stem>`` for a module file, ``package`` for its ``__init__.py``."""
    return package if path.stem == "__init__" else f"{package}.{path.stem}"


def imported_modules(path: Path, root: Path, package: str) -> set[str]:
    """Every module ``path`` imports (absolute names; ``from . import x`` counts as ``package.x``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, package)
            found.add(base)
            found.update(
                f"{base}.{alias.name}" for alias in node.names if (root / f"{alias.name}.py").is_file()
            )
    return found


def _absolute(node: ast.ImportFrom, package: str) -> str:
    if node.level == 0:
        return node.module or ""
    parts = package.split(".")
    base = ".".join(parts[: len(parts) - node.level + 1])
    return f"{base}.{node.module}" if node.module else base


def import_graph(root: Path, package: str) -> dict[str, set[str]]:
    """Module -> the package's own modules it imports (the package itself excluded as a target)."""
    modules = {module_name(p, root, package): p for p in sorted(root.glob("*.py"))}
    return {
        name: {m for m in imported_modules(path, root, package) if m in modules and m not in (name, package)}
        for name, path in modules.items()
    }


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as ``[a, b, ..., a]``, or None when the graph is acyclic."""
    done: set[str] = set()
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        path.append(node)
        for target in sorted(graph.get(node, ())):
            cycle = visit(target)
            if cycle is not None:
                return cycle
        path.pop()
        done.add(node)
        return None

    for start in sorted(graph):
        cycle = visit(start)
        if cycle is not None:
            return cycle
    return None


def test_the_package_import_graph_has_no_cycle():
    graph = import_graph(ROOT, PACKAGE)
    assert len(graph) >= 20 and f"{PACKAGE}._registry" in graph[f"{PACKAGE}._runs"]
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_cycle_finder_reports_a_cycle_through_a_function_level_import(tmp_path):
    (tmp_path / "__init__.py").write_text("")
    (tmp_path / "a.py").write_text("from .b import thing\n")
    (tmp_path / "b.py").write_text("from . import c\n")
    (tmp_path / "c.py").write_text("def later():\n    from .a import other\n")
    graph = import_graph(tmp_path, "pkg")
    assert find_cycle(graph) == ["pkg.a", "pkg.b", "pkg.c", "pkg.a"]
    (tmp_path / "c.py").write_text("import json\n")
    assert find_cycle(import_graph(tmp_path, "pkg")) is None


@pytest.mark.parametrize("leaf", sorted(LEAVES))
def test_leaf_modules_import_nothing_of_the_package(leaf):
    graph = import_graph(ROOT, PACKAGE)
    assert graph[f"{PACKAGE}.{leaf}"] == set()


def test_only_the_run_handle_and_watch_reach_the_session():
    modules = {module_name(p, ROOT, PACKAGE): p for p in ROOT.glob("*.py")}
    for name, path in sorted(modules.items()):
        imported = imported_modules(path, ROOT, PACKAGE)
        assert not imported & {"nbtrack.api", "nbtrack.artifacts", "nbtrack"}, name
        if "nbtrack.tracking.session" in imported:
            assert name in SESSION_USERS, f"{name} imports the Session: write through _runs.AutologRun"


def _session_attributes(tree: ast.AST) -> set[str]:
    """Attributes read off ``session``, ``<x>.session`` or ``get_session()``."""
    names = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        owner = node.value
        if (
            (isinstance(owner, ast.Name) and owner.id == "session")
            or (isinstance(owner, ast.Attribute) and owner.attr == "session")
            or (isinstance(owner, ast.Call) and getattr(owner.func, "id", None) == "get_session")
        ):
            names.add(node.attr)
    return names


def test_the_session_api_used_is_the_documented_one():
    used = set()
    for name in SESSION_USERS:
        path = ROOT / f"{name.rsplit('.', 1)[1]}.py"
        used |= _session_attributes(ast.parse(path.read_text()))
    assert used and used <= SESSION_API, f"undocumented Session calls: {sorted(used - SESSION_API)}"
    assert all(hasattr(Session, attribute) for attribute in SESSION_API)
    documented = (Path(__file__).parents[2] / "docs" / "architecture.md").read_text()
    assert all(f"`{attribute}`" in documented for attribute in SESSION_API)
