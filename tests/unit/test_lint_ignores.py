"""Every silenced security check says why, where it is silenced."""

from __future__ import annotations

import re

from app.config import ROOT

SCANNED = ("app", "tooling", "tests")
NOQA = re.compile(r"#\s*noqa:\s*([A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*)(.*)$")


def security_noqas_without_reason() -> list[str]:
    """`# noqa: S…` comments in app/, tooling/ and tests/ with no reason after the codes."""
    bare = []
    for path in sorted(p for folder in SCANNED for p in (ROOT / folder).rglob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            found = NOQA.search(line)
            security = found and any(
                re.fullmatch(r"S[0-9]+", c.strip()) for c in found[1].split(",")
            )
            if security and not re.match(r"\s*-{1,2}\s*\S", found[2]):
                bare.append(f"{path.relative_to(ROOT)}:{number}")
    return bare


def test_every_noqa_of_a_security_rule_carries_its_reason() -> None:
    assert security_noqas_without_reason() == []


def test_every_per_file_ignore_carries_its_reason() -> None:
    lines = (ROOT / "pyproject.toml").read_text().splitlines()
    start = lines.index("[tool.ruff.lint.per-file-ignores]")
    for before, line in zip(lines[start:], lines[start + 1 :], strict=False):
        if line.startswith("["):
            break
        if line.startswith('"'):
            assert before.startswith("#") or "#" in line, (
                f"per-file-ignore without a reason: {line}"
            )


def test_the_lint_configuration_keeps_the_security_rules() -> None:
    text = (ROOT / "pyproject.toml").read_text()
    assert re.search(r'^select = \[.*"S".*\]', text, flags=re.MULTILINE)
    # bandit runs the checks ruff lacks (trojan source, unsafe XML parsers …)
    assert '"B613"' in text
    assert '"B405"' in text
