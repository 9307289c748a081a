"""The packages of app import each other without loops.

Each package under app/ is one node, and so is each top-level module (app/clock.py is
`clock`); an edge is any import statement, module-level or inside a function, except those
under `if TYPE_CHECKING:`. The root package `app` (the factory wiring every blueprint) is no
node; app/cli.py is an ordinary one, at the top (only the factory imports it). The models
reach no package, and features reach the matching engine through app.recommendations.provider.
Run this file directly to print the graph's cycles: `python tests/unit/test_import_graph.py`.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

APP_DIR = Path(__file__).resolve().parents[2] / "app"
ROOT = "app"


def node_of(module: str, app_dir: Path = APP_DIR) -> str | None:
    """Name the graph node that a dotted module (or name) under app belongs to."""
    parts = module.split(".")
    if parts[0] != ROOT or len(parts) == 1:
        return None
    child = parts[1]
    if (app_dir / child).is_dir() or (app_dir / f"{child}.py").is_file():
        return child
    return None  # a name defined in app/__init__.py


def module_name(path: Path, app_dir: Path = APP_DIR) -> str:
    """Dotted name of a source file under app."""
    rel = path.relative_to(app_dir.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(node: ast.ImportFrom, path: Path, app_dir: Path) -> str:
    """Absolute module of a from-import, relative ones resolved against path."""
    if node.level == 0:
        return node.module or ""
    package = module_name(path, app_dir).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    base = package[: len(package) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement, skipping the bodies of `if TYPE_CHECKING:`."""
    for child in ast.iter_child_nodes(tree):
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            for other in child.orelse:
                yield from _imports(ast.Module(body=[other], type_ignores=[]))
            continue
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child
        yield from _imports(child)


def imported_modules(source: str, path: Path, app_dir: Path = APP_DIR) -> Iterator[tuple[str, int]]:
    """The app modules (or names) a source file imports, with their line numbers."""
    for stmt in _imports(ast.parse(source)):
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                yield alias.name, stmt.lineno
            continue
        base = _resolve(stmt, path, app_dir)
        for alias in stmt.names:  # y is a module of app.x, or a name defined in app.x
            yield f"{base}.{alias.name}", stmt.lineno


Edges = dict[str, dict[str, list[str]]]


def build_graph(app_dir: Path = APP_DIR, skip: tuple[str, ...] = ()) -> Edges:
    """Map each node to the nodes it imports, each edge with the lines that make it."""
    graph: Edges = {}
    for path in sorted(app_dir.rglob("*.py")):
        rel = path.relative_to(app_dir).as_posix()
        if any(rel.startswith(prefix) for prefix in skip):
            continue
        source_node = node_of(module_name(path, app_dir), app_dir)
        if source_node is None:
            continue
        targets = graph.setdefault(source_node, {})
        for module, line in imported_modules(path.read_text(encoding="utf-8"), path, app_dir):
            target = node_of(module, app_dir)
            if target is not None and target != source_node:
                targets.setdefault(target, []).append(f"app/{rel}:{line} {module}")
    return graph


def strongly_connected(graph: Edges) -> list[list[str]]:
    """Tarjan's components of more than one node: each holds at least one cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph.get(node, {}):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def describe(graph: Edges, component: list[str]) -> str:
    """The edges inside one component, each with the import lines that make it."""
    lines = [" ↔ ".join(component)]
    for source in component:
        for target, where in sorted(graph.get(source, {}).items()):
            if target in component:
                lines.append(f"  {source} → {target}: " + "; ".join(where))
    return "\n".join(lines)


def test_no_cycles_between_packages() -> None:
    graph = build_graph()
    cycles = strongly_connected(graph)
    assert not cycles, "import cycles:\n" + "\n".join(describe(graph, c) for c in cycles)


def reachable(graph: Edges, start: str) -> set[str]:
    """Every node start imports, directly or through others."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        for target in graph.get(todo.pop(), {}):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def test_models_reach_no_feature_package() -> None:
    # the models may use small top-level modules (clock, i18n's N_, lexemes), never a package
    packages = {node for node in reachable(build_graph(), "models") if (APP_DIR / node).is_dir()}
    assert not packages, f"app/models reaches packages: {sorted(packages)}"


ENGINE_INTERNALS = {
    f"app.recommendations.{m}" for m in ("live", "matcher", "client", "state", "documents")
}
# the engine's own parts: the matching process serves the matcher, the builds publish it
ENGINE_PARTS = ("recommendations/", "matching_service/", "engine_builds/", "bench/")


def test_features_reach_the_engine_through_the_provider() -> None:
    found = [
        f"{path.relative_to(APP_DIR)}:{line} {module}"
        for path in sorted(APP_DIR.rglob("*.py"))
        if not path.relative_to(APP_DIR).as_posix().startswith(ENGINE_PARTS)
        for module, line in imported_modules(path.read_text(encoding="utf-8"), path)
        if module in ENGINE_INTERNALS or module.startswith(tuple(f"{m}." for m in ENGINE_INTERNALS))
    ]
    assert not found, "use app.recommendations.provider instead:\n" + "\n".join(found)


def _graph_of(tmp_path: Path, files: dict[str, str]) -> Edges:
    for name, source in files.items():
        path = tmp_path / "app" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    return build_graph(tmp_path / "app")


@pytest.mark.parametrize(
    "source",
    [
        "from app.b.x import y",
        "import app.b.x",
        "from app import b",
        "from ..b import x",
        "def f():\n    from app.b import x\n",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    pass\nelse:\n    from app.b import x\n",
    ],
)
def test_checker_sees_imports(tmp_path: Path, source: str) -> None:
    graph = _graph_of(tmp_path, {"a/mod.py": source, "b/__init__.py": "", "b/x.py": ""})
    assert set(graph["a"]) == {"b"}


@pytest.mark.parametrize(
    "source",
    [
        "from app import create_app",
        "from . import x",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from app.b import x\n",
    ],
)
def test_checker_ignores(tmp_path: Path, source: str) -> None:
    graph = _graph_of(tmp_path, {"a/mod.py": source, "a/x.py": "", "b/__init__.py": ""})
    assert graph.get("a", {}) == {}


def test_cycle_finder() -> None:
    graph: Edges = {"a": {"b": []}, "b": {"c": []}, "c": {"a": []}, "d": {"a": []}}
    assert strongly_connected(graph) == [["a", "b", "c"]]


if __name__ == "__main__":
    skip = tuple(sys.argv[1:])  # folders under app to leave out, e.g. bench/
    graph = build_graph(skip=skip)
    components = strongly_connected(graph)
    for component in components:
        print(describe(graph, component), end="\n\n")
    print(f"{len(graph)} nodes, {len(components)} groups of packages importing each other")
