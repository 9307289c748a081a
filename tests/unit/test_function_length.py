"""No function or method in app/ is longer than 60 lines (the style guide's limit)."""

from __future__ import annotations

import ast

from app.config import ROOT

APP_DIR = ROOT / "app"
MAX_LINES = 60


def long_functions(source: str, limit: int = MAX_LINES) -> list[tuple[str, int, int]]:
    """(name, first line, length) of every function longer than limit, nested ones included.

    A function's length runs from its `def` line to its last line: decorators are not counted.
    """
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > limit:
                found.append((node.name, node.lineno, length))
    return found


def test_no_function_in_app_is_longer_than_the_limit() -> None:
    too_long = [
        f"{path.relative_to(ROOT)}:{line} {name} ({length} lines)"
        for path in sorted(APP_DIR.rglob("*.py"))
        for name, line, length in long_functions(path.read_text(encoding="utf-8"))
    ]
    assert too_long == [], f"functions longer than {MAX_LINES} lines: {too_long}"


def test_the_measure_counts_def_to_last_line_without_decorators() -> None:
    source = "\n".join(
        [
            "@decorator",
            "@other",
            "def short():",  # line 3: four lines with its body, the decorators not counted
            "    x = 1",
            "    y = 2",
            "    return x + y",
            "",
            "class C:",
            "    async def method(self):",  # line 9, a method: three lines
            "        def inner():",  # line 10, nested: two lines
            "            return 1",
        ]
    )
    assert long_functions(source, limit=3) == [("short", 3, 4)]
    assert long_functions(source, limit=1) == [("short", 3, 4), ("method", 9, 3), ("inner", 10, 2)]
