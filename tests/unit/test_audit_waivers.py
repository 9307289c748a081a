"""pip-audit's waivers: each names an advisory, a package, a reason and an expiry CI enforces."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest

from app.gates.audit import WAIVERS, Waiver, load_waivers, pip_audit_command, run_audit
from app.gates.lock import ROOT

TODAY = date(2026, 12, 7)
VALID = """
[[waiver]]
id = "GHSA-aaaa-bbbb-cccc"
package = "example"
reason = "only the CLI is affected; the platform imports the library"
expires = 2027-03-31
"""


def test_a_complete_waiver_is_accepted() -> None:
    waivers, problems = load_waivers(VALID, TODAY)
    assert problems == []
    reason = "only the CLI is affected; the platform imports the library"
    assert waivers == [Waiver("GHSA-aaaa-bbbb-cccc", "example", reason, date(2027, 3, 31))]


def test_an_expired_waiver_is_refused() -> None:
    waivers, problems = load_waivers(VALID, date(2027, 4, 1))
    assert waivers == []
    assert problems == ["豁免 GHSA-aaaa-bbbb-cccc（example）已于 2027-03-31 过期：请升级或重新评估"]


def test_a_waiver_without_a_reason_or_expiry_is_refused() -> None:
    text = '[[waiver]]\nid = "PYSEC-2026-1"\npackage = "example"\nreason = " "\n'
    waivers, problems = load_waivers(text, TODAY)
    assert waivers == []
    assert problems == ["豁免 PYSEC-2026-1：缺少或无效的字段 reason（expires 写作 2027-01-31）"]


def test_a_waiver_for_longer_than_half_a_year_is_refused() -> None:
    waivers, problems = load_waivers(VALID.replace("2027-03-31", "2027-12-31"), TODAY)
    assert waivers == []
    assert problems == ["豁免 GHSA-aaaa-bbbb-cccc 的期限 2027-12-31 超过 180 天"]


def test_a_waiver_given_twice_is_refused() -> None:
    _, problems = load_waivers(VALID + VALID, TODAY)
    assert problems == ["豁免 GHSA-aaaa-bbbb-cccc 重复"]


def test_the_checked_in_waivers_are_valid_today() -> None:
    _, problems = load_waivers(WAIVERS.read_text(), date.today())
    assert problems == []


def test_pip_audit_checks_exactly_the_lock_and_fails_on_what_it_cannot_check() -> None:
    waivers, _ = load_waivers(VALID, TODAY)
    command = pip_audit_command(Path("deploy/constraints.txt"), waivers)
    assert command[:3] == [sys.executable, "-m", "pip_audit"]
    # --strict: a package the vulnerability service cannot be asked about fails the run
    assert "--strict" in command
    assert command[command.index("--requirement") + 1] == "deploy/constraints.txt"
    assert {"--no-deps", "--disable-pip"} <= set(command)
    assert command[-2:] == ["--ignore-vuln", "GHSA-aaaa-bbbb-cccc"]


def test_an_expired_waiver_fails_the_audit_before_pip_audit_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    waivers = tmp_path / "waivers.toml"
    waivers.write_text(VALID)
    # a lock pip-audit could not even read: it must not be reached
    lock = tmp_path / "missing.txt"
    assert run_audit(lock, waivers, today=date(2027, 4, 1)) == 1
    err = capsys.readouterr().err
    assert "pip-audit 豁免无效：豁免 GHSA-aaaa-bbbb-cccc（example）已于 2027-03-31 过期" in err


def test_ci_runs_the_security_gates_right_after_lint() -> None:
    steps = [
        line.strip()
        for line in (ROOT / ".ci" / "run").read_text().splitlines()
        if line.startswith(("make ", "AUDIT_UNREACHABLE=warn make "))
    ]
    assert steps[:2] == ["make lint", "AUDIT_UNREACHABLE=warn make audit"]
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\naudit:", 1)[1].split("\n\n", 1)[0]
    for gate in ("app.gates lock-check", "app.gates privacy", "bandit", "app.gates audit"):
        assert gate in recipe
