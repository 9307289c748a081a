"""The dashboard benchmark runs end to end on a tiny data set and keeps each database's section."""

from __future__ import annotations

from pathlib import Path

import pytest

from tooling.bench import dashboard as bench


def test_a_tiny_run_prints_its_section(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BENCH_DATABASE_URL", raising=False)
    args = ["--listings", "300", "--engagements", "120", "--recommendations", "50"]
    args += ["--firms", "30", "--publishers", "5", "--requests", "2", "--warmup", "1", "--no-doc"]
    # no --check: a timing assertion would fail whenever the shared machine is busy
    assert bench.main(args) == 0
    out = capsys.readouterr().out
    assert "| scenarios | 120 |" in out
    assert "| engagements | 120 |" in out
    assert "GET /review/dashboard (computed)" in out
    assert "median (portable)" in out


def test_each_database_keeps_its_own_section(tmp_path: Path) -> None:
    doc = tmp_path / "perf.md"
    bench.write_doc("<!-- bench:sqlite -->\nFIRST-RUN\n<!-- /bench:sqlite -->", "sqlite", doc)
    bench.write_doc(
        "<!-- bench:postgresql -->\nPG-RUN\n<!-- /bench:postgresql -->", "postgresql", doc
    )
    bench.write_doc("<!-- bench:sqlite -->\nSECOND-RUN\n<!-- /bench:sqlite -->", "sqlite", doc)
    text = doc.read_text("utf-8")
    assert text.startswith("# Dashboard performance")
    assert "SECOND-RUN" in text
    assert "FIRST-RUN" not in text
    assert "PG-RUN" in text


def test_timings_report_nearest_rank_percentiles() -> None:
    timing = bench.Timing("x", tuple(float(n) for n in range(1, 21)))
    assert timing.p50 == 10.5
    assert timing.p95 == 19.0
