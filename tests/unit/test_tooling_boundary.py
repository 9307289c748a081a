"""The app never imports its tooling (tooling/): the tooling is not installed with it."""

from __future__ import annotations

import ast
from pathlib import Path

from app.config import ROOT

APP_DIR = ROOT / "app"
DYNAMIC_IMPORTS = {"import_module", "__import__"}


def _is_tooling(module: str | None) -> bool:
    return module is not None and module.split(".")[0] == "tooling"


def _escapes_app(node: ast.ImportFrom, package_depth: int) -> bool:
    """A relative import climbing out of the app package (to where tooling sits beside it)."""
    return node.level > package_depth


def _dynamic_tooling_import(node: ast.Call) -> str | None:
    """`importlib.import_module("tooling…")` or `__import__("tooling…")`, by its literal name."""
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    if name not in DYNAMIC_IMPORTS or not node.args:
        return None
    first = node.args[0]
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        return first.value if _is_tooling(first.value) else None
    return None


def tooling_imports(source: str, package_depth: int = 1) -> list[str]:
    """The tooling modules a source imports anywhere (module level, in functions, dynamically).

    package_depth: how many packages deep the module sits (app/x.py: 1, app/a/x.py: 2).
    """
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if _is_tooling(alias.name)]
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and _is_tooling(node.module):
                found.append(str(node.module))
            elif node.level and _escapes_app(node, package_depth):
                found.append("." * node.level + (node.module or ""))
        elif isinstance(node, ast.Call) and (name := _dynamic_tooling_import(node)):
            found.append(name)
    return found


def _depth(path: Path) -> int:
    """Packages between ROOT and the module: app/x.py is 1, app/a/__init__.py is 2."""
    return len(path.relative_to(ROOT).parts) - 1


def test_no_app_module_imports_the_tooling() -> None:
    offenders = {
        str(path.relative_to(ROOT)): found
        for path in sorted(APP_DIR.rglob("*.py"))
        if (found := tooling_imports(path.read_text(encoding="utf-8"), _depth(path)))
    }
    assert offenders == {}, f"app/ must not import tooling/: {offenders}"


def test_the_check_sees_every_kind_of_import() -> None:
    source = """
import tooling
import os, tooling.bench.web as web
from tooling.matching import tune

def later():
    from tooling.matching.metrics import ndcg_at_k
    import importlib
    return importlib.import_module("tooling.matching.evaluation"), __import__("tooling")

class Lazy:
    def method(self):
        from ... import tooling
"""
    assert sorted(tooling_imports(source, package_depth=2)) == [
        "...",
        "tooling",
        "tooling",
        "tooling.bench.web",
        "tooling.matching",
        "tooling.matching.evaluation",
        "tooling.matching.metrics",
    ]


def test_the_app_and_its_own_relative_imports_pass() -> None:
    source = """
from app.matching import tune_weights
from . import views
from ..models import Base
import toolingx
def f():
    import importlib
    return importlib.import_module("app.tooling"), importlib.util.find_spec("tooling")
"""
    assert tooling_imports(source, package_depth=2) == []
