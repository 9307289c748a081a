"""python -m app.gates lock-header | lock-check | audit | privacy."""

from __future__ import annotations

import sys

from app.gates.audit import run_audit
from app.gates.lock import check_lock, lock_header


def _report(problems: list[str], ok: str) -> int:
    """Print the problems (exit 1) or the all-clear (exit 0)."""
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print(ok)
    return 1 if problems else 0


def main(argv: list[str]) -> int:
    """Run one gate by name."""
    command = argv[0] if argv else ""
    if command == "lock-header":
        sys.stdout.write(lock_header())
        return 0
    if command == "lock-check":
        return _report(check_lock(), "依赖锁完整：pyproject.toml 的依赖及其传递依赖都已锁定。")
    if command == "audit":
        return run_audit()
    if command == "privacy":
        from app.gates.privacy import check_inventory  # imports the models

        return _report(check_inventory(), "个人信息清单完整：每个个人信息字段都已登记。")
    print("用法：python -m app.gates lock-header|lock-check|audit|privacy", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
