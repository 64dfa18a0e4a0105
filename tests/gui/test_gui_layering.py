"""The house rules of gui/, read from the source with ast (nothing is imported): only the app
start imports the main window, the import graph has no cycle (between modules, nor between
packages: they depend downward), and each package says what it is in its __init__."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[2]
GUI = ROOT / "gui"
APP_START = {"gui.app", "gui.launch", "gui.__main__"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def gui_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(GUI.rglob("*.py"))}


def imported_names(path: Path, name: str) -> set[str]:
    """Every module name the file imports, anywhere in it (functions, TYPE_CHECKING too):
    `from a.b import c` names `a.b.c` and `a.b` (c may be a module or a name in a.b)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def import_graph() -> nx.DiGraph:
    """gui module → gui module it imports. A package's own __init__ is not an edge target
    (importing gui.canvas.scene runs gui/canvas/__init__.py, a docstring)."""
    modules = gui_modules()
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for name, path in modules.items():
        for target in imported_names(path, name) & modules.keys():
            if target != name and (GUI / Path(*target.split(".")[1:]) / "__init__.py").exists():
                continue  # a package, not a module
            if target != name:
                graph.add_edge(name, target)
    return graph


def package_of(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2])  # gui.canvas.scene → gui.canvas; gui.runner → gui.runner


def first_cycle(graph: nx.DiGraph) -> list[str] | None:
    try:
        return [u for u, _v in nx.find_cycle(graph)]
    except nx.NetworkXNoCycle:
        return None


def test_the_reader_sees_real_imports():
    """Guards the guards: the parser finds imports the rules below are about."""
    graph = import_graph()
    assert graph.has_edge("gui.launch", "gui.main_window")
    assert graph.has_edge("gui.main_window", "gui.canvas.editing")
    assert graph.has_edge("gui.replay.animation", "gui.canvas.scene")
    assert graph.has_edge("gui.canvas.scene", "gui.style")  # `from gui import style`
    assert len(graph) > 40 and graph.number_of_edges() > 60


def test_a_cycle_is_found_when_there_is_one():
    graph = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")])
    assert sorted(first_cycle(graph) or []) == ["a", "b", "c"]
    assert first_cycle(nx.DiGraph([("a", "b"), ("a", "c"), ("b", "c")])) is None


def test_only_the_app_start_imports_the_main_window():
    importers = {name for name, path in gui_modules().items()
                 if "gui.main_window" in imported_names(path, name)}
    assert importers - APP_START == set(), (
        "features get what they need from MainWindow's constructor; they never import it")


def test_gui_modules_import_no_cycle():
    assert first_cycle(import_graph()) is None


def test_gui_packages_depend_downward():
    graph = import_graph()
    packages = nx.DiGraph()
    packages.add_nodes_from(package_of(m) for m in graph)
    for a, b in graph.edges:
        if package_of(a) != package_of(b):
            packages.add_edge(package_of(a), package_of(b))
    assert first_cycle(packages) is None


@pytest.mark.parametrize("package", sorted(p.parent.name for p in GUI.glob("*/__init__.py")))
def test_each_package_init_is_a_short_docstring(package):
    tree = ast.parse((GUI / package / "__init__.py").read_text())
    assert len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr)
    doc = ast.get_docstring(tree)
    assert doc and len(doc.splitlines()) == 2


def test_no_feature_sets_attributes_on_the_window_behind_mypys_back():
    offenders = [str(p.relative_to(ROOT)) for p in GUI.rglob("*.py")
                 if "type: ignore[attr-defined]" in p.read_text()]
    assert offenders == []
