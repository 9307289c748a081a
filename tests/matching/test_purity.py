"""The engine is a pure library: no Flask, no SQLAlchemy, nothing from app outside it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import app.matching

ENGINE_DIR = Path(app.matching.__file__).parent
FORBIDDEN_ROOTS = {"flask", "sqlalchemy", "flask_sqlalchemy", "flask_login", "flask_wtf"}


def forbidden(module: str) -> bool:
    """Tell whether importing module would tie the engine to the web app."""
    root = module.split(".")[0]
    if root in FORBIDDEN_ROOTS or root.startswith("flask_"):
        return True
    return root == "app" and not (module == "app.matching" or module.startswith("app.matching."))


def bad_imports(source: str) -> list[str]:
    """Return the forbidden modules a Python source imports."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if forbidden(alias.name)]
        elif isinstance(node, ast.ImportFrom):
            if node.level > 1:
                found.append("." * node.level + (node.module or ""))
            elif node.level == 0 and node.module == "app":
                found += [f"app.{a.name}" for a in node.names if a.name != "matching"]
            elif node.level == 0 and node.module and forbidden(node.module):
                found.append(node.module)
    return found


@pytest.mark.parametrize("path", sorted(ENGINE_DIR.rglob("*.py")), ids=lambda p: p.name)
def test_engine_module_is_pure(path: Path) -> None:
    assert bad_imports(path.read_text(encoding="utf-8")) == []


def test_engine_has_modules() -> None:
    assert {"engine.py", "index.py", "text.py", "types.py"} <= {
        p.name for p in ENGINE_DIR.glob("*.py")
    }


@pytest.mark.parametrize(
    "source",
    [
        "import flask",
        "from flask import Flask",
        "import sqlalchemy.orm",
        "from flask_login import current_user",
        "from app.models import Scenario",
        "from app import db",
        "import app.extensions",
        "from .. import models",
        "def f():\n    import sqlalchemy\n",
    ],
)
def test_checker_catches_forbidden_imports(source: str) -> None:
    assert bad_imports(source) != []


@pytest.mark.parametrize(
    "source",
    [
        "import numpy",
        "from app.matching.types import Listing",
        "from app import matching",
        "from . import text",
    ],
)
def test_checker_allows_engine_imports(source: str) -> None:
    assert bad_imports(source) == []
