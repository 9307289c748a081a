"""pip-audit of the lock, with the checked-in waivers (deploy/audit-waivers.toml)."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from app.gates.lock import LOCK, ROOT

WAIVERS = ROOT / "deploy" / "audit-waivers.toml"
# a waiver is a decision to revisit, not a permanent exception
LONGEST_WAIVER = timedelta(days=180)
# what pip-audit prints when it could not ask its vulnerability service about a package
UNREACHABLE_SIGNS = ("could not be audited", "ConnectionError", "NameResolutionError", "timed out")


@dataclass(frozen=True)
class Waiver:
    """One advisory accepted for now: which, in which package, why, and until when."""

    id: str
    package: str
    reason: str
    expires: date


def _waiver(entry: dict, today: date) -> tuple[Waiver | None, str | None]:
    """One [[waiver]] table as a Waiver, or why it is refused."""
    label = entry.get("id") or "（无 id）"
    fields = {"id": str, "package": str, "reason": str, "expires": date}
    for field, kind in fields.items():
        value = entry.get(field)
        if not isinstance(value, kind) or (isinstance(value, str) and not value.strip()):
            return None, f"豁免 {label}：缺少或无效的字段 {field}（expires 写作 2027-01-31）"
    waiver = Waiver(**{field: entry[field] for field in fields})
    if waiver.expires < today:
        return (
            None,
            f"豁免 {waiver.id}（{waiver.package}）已于 {waiver.expires} 过期：请升级或重新评估",
        )
    if waiver.expires > today + LONGEST_WAIVER:
        return None, f"豁免 {waiver.id} 的期限 {waiver.expires} 超过 {LONGEST_WAIVER.days} 天"
    return waiver, None


def load_waivers(text: str, today: date) -> tuple[list[Waiver], list[str]]:
    """The valid waivers of a waiver file, and why the others are refused."""
    waivers: list[Waiver] = []
    problems: list[str] = []
    for entry in tomllib.loads(text).get("waiver", []):
        waiver, problem = _waiver(entry, today)
        if problem:
            problems.append(problem)
        elif waiver:
            waivers.append(waiver)
    ids = [w.id for w in waivers]
    problems.extend(f"豁免 {i} 重复" for i in sorted({i for i in ids if ids.count(i) > 1}))
    return waivers, problems


def pip_audit_command(lock: Path, waivers: list[Waiver]) -> list[str]:
    """pip-audit of exactly the pinned set; --strict: a package it cannot check fails the run."""
    command = [sys.executable, "-m", "pip_audit", "--strict", "--requirement", str(lock)]
    # the lock is the complete, pinned set: nothing to resolve, so no pip and no network install
    command += ["--no-deps", "--disable-pip", "--progress-spinner", "off"]
    for waiver in waivers:
        command += ["--ignore-vuln", waiver.id]
    return command


def run_audit(lock: Path = LOCK, waivers_file: Path = WAIVERS, today: date | None = None) -> int:
    """Refuse bad waivers, then run pip-audit; its exit status (non-zero on any finding)."""
    waivers, problems = load_waivers(waivers_file.read_text(), today or date.today())
    for problem in problems:
        print(f"pip-audit 豁免无效：{problem}", file=sys.stderr)
    if problems:
        return 1
    done = subprocess.run(  # noqa: S603 -- our interpreter, pip-audit, our files: no shell
        pip_audit_command(lock, waivers), capture_output=True, text=True, check=False
    )
    sys.stdout.write(done.stdout)
    sys.stderr.write(done.stderr)
    if done.returncode != 0 and any(sign in done.stderr for sign in UNREACHABLE_SIGNS):
        print(
            "pip-audit 无法访问漏洞数据库（PyPI 的按版本 JSON 接口或 OSV）：本次没有检查任何依赖。"
            "请在能访问 PyPI 按版本 JSON 接口的机器上运行 make audit。",
            file=sys.stderr,
        )
        if os.environ.get("AUDIT_UNREACHABLE") == "warn" and not _found_anything(
            done.stdout + done.stderr
        ):
            # a CI machine with no route to any advisory service (an intranet): said loudly,
            # never silently, and never when pip-audit did find something
            print("!!! pip-audit NOT RUN: no vulnerability service reachable !!!", file=sys.stderr)
            return 0
        print("审计失败。", file=sys.stderr)
    return done.returncode


def _found_anything(report: str) -> bool:
    """Whether pip-audit's report lists a vulnerability (its table has an ID column)."""
    return "Found " in report and " known vulnerabilit" in report and "No known" not in report
