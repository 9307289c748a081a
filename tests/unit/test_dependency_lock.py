"""The checked-in lock is the set every install gets, and it cannot silently go stale."""

from __future__ import annotations

import re

from app.gates.lock import LOCK, ROOT, check_lock, lock_problems

PYPROJECT = """
[project]
name = "x"
dependencies = ["flask>=3.1,<4", "pyotp>=2.9,<3"]
[project.optional-dependencies]
fast = ["jieba-fast>=0.53,<0.54"]
"""


def test_the_lock_pins_everything_pyproject_asks_for_and_what_that_needs() -> None:
    assert check_lock() == []


def test_a_dependency_added_to_pyproject_but_not_locked_is_refused() -> None:
    lock = "flask==3.1.3\njieba_fast==0.53\n"
    problems = lock_problems(PYPROJECT, lock, transitive=False)
    assert problems == ["pyotp（pyproject.toml）未锁定在 deploy/constraints.txt：请运行 make lock"]


def test_a_pin_outside_the_range_pyproject_allows_is_refused() -> None:
    lock = "Flask==2.3.0\npyotp==2.9.0\njieba-fast==0.53\n"
    problems = lock_problems(PYPROJECT, lock, transitive=False)
    assert problems == ["flask==2.3.0 不满足 pyproject.toml 的要求 <4,>=3.1：请运行 make lock"]


def test_an_optional_extra_must_be_locked_too() -> None:
    problems = lock_problems(PYPROJECT, "flask==3.1.3\npyotp==2.9.0\n", transitive=False)
    assert len(problems) == 1
    assert problems[0].startswith("jieba-fast（pyproject.toml）未锁定")


def test_a_line_that_is_not_an_exact_pin_is_refused() -> None:
    lock = "flask>=3.1\npyotp==2.9.0\njieba-fast==0.53\n"
    problems = lock_problems(PYPROJECT, lock, transitive=False)
    assert "第 1 行不是“包名==版本”形式的锁定：'flask>=3.1'" in problems


def test_what_an_installed_dependency_needs_must_be_locked_too() -> None:
    # Flask is installed here: its own requirements (Werkzeug, Jinja2 …) are part of the set
    pyproject = '[project]\nname = "x"\ndependencies = ["flask>=3.1,<4"]\n'
    problems = lock_problems(pyproject, "flask==3.1.3\n")
    assert any(p.startswith("werkzeug（flask）未锁定") for p in problems)
    assert any(p.startswith("jinja2（flask）未锁定") for p in problems)


def install_lines(text: str) -> list[str]:
    """Lines of a Makefile or a guide that install the project into a virtualenv."""
    return [
        line for line in text.splitlines() if re.search(r"(pip install|PIP_INSTALL\)) .*-e ", line)
    ]


def test_make_installs_from_the_lock() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "PIP_INSTALL = $(BIN)/pip install -q -c $(LOCK)" in makefile
    assert f"LOCK      := {LOCK.relative_to(ROOT)}" in makefile
    # the lock's own fresh virtualenv is the one install that must not be pinned by it
    lines = [line for line in install_lines(makefile) if "LOCK_VENV" not in line]
    assert lines, "the pattern finds the install lines"
    assert all("$(PIP_INSTALL)" in line for line in lines), lines


def test_the_deployment_guide_installs_from_the_lock() -> None:
    lines = install_lines((ROOT / "docs" / "deployment.md").read_text())
    assert lines, "the pattern finds the install lines"
    assert all("-c deploy/constraints.txt" in line for line in lines), lines
