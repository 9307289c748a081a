"""The list benchmark runs end to end on a small data set and writes its report."""

from __future__ import annotations

from pathlib import Path

import pytest

from tooling.bench import lists


def test_the_list_benchmark_generates_measures_and_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BENCH_DATABASE_URL", raising=False)
    out = tmp_path / "performance-lists.md"
    said: list[str] = []
    # the exit code says whether every figure met the target: timing is not asserted here,
    # the machine running the suite may be busy
    lists.main(
        ["--count", "300", "--repeat", "2", "--queries", "5", "--out", str(out)], said.append
    )
    report = out.read_text(encoding="utf-8")
    assert said[-1] == f"wrote {out}"
    assert "## SQLite" in report
    assert "scenarios: 300; capabilities: 300" in report
    assert "场景搜索（5 个查询）" in report
    verdicts = [line for line in report.splitlines() if line.endswith(("✓ |", "✗ |"))]
    assert len(verdicts) == 11  # ten pages and the searches
