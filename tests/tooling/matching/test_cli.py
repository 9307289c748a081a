"""`python -m tooling.matching evaluate` on a tiny labelled set and on the dev set."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.matching.test_cli import CAPABILITIES, DEVSET, SCENARIOS, write_jsonl
from tooling.matching.__main__ import main


@pytest.fixture
def inputs(tmp_path: Path) -> tuple[Path, Path]:
    """Return paths of a small scenarios file and capabilities file."""
    return (
        write_jsonl(tmp_path / "s.jsonl", SCENARIOS),
        write_jsonl(tmp_path / "c.jsonl", CAPABILITIES),
    )


def _table(out: str) -> dict[tuple[str, str], list[str]]:
    """The evaluate table's rows by (system, direction): the figures as strings."""
    rows = {}
    for line in out.splitlines():
        for direction in (" s2c ", " c2s "):
            if direction in line:
                name, figures = line.split(direction, 1)
                rows[(name.strip(), direction.strip())] = figures.split()
    return rows


def test_evaluate_on_tiny_set_prints_held_out_table(
    inputs: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inputs[0].rename(tmp_path / "scenarios.jsonl")
    inputs[1].rename(tmp_path / "capabilities.jsonl")
    (tmp_path / "qrels.tsv").write_text(
        "scenario_id\tcapability_id\tgrade\nS1\tC2\t3\nS2\tC1\t2\n", encoding="utf-8"
    )
    assert main(["evaluate", "--data", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Held-out" in out
    assert "nDCG@10" in out
    assert "ECE" in out
    rows = _table(out)
    systems = {name for name, _ in rows}
    assert {"engine (CV-selected)", "engine (shipped)", "BM25", "plain TF-IDF"} <= systems
    engine = rows[("engine (shipped)", "s2c")]
    assert engine[:3] == ["1.0000", "1.0000", "1.0000"]  # nDCG, Recall, MRR
    assert engine[5] == "2"  # queries
    assert rows[("engine (shipped)", "c2s")][:3] == ["1.0000", "1.0000", "1.0000"]


@pytest.mark.skipif(not DEVSET.is_dir(), reason="shared dev set not present")
def test_evaluate_on_dev_set(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", "--data", str(DEVSET)]) == 0
    rows = _table(capsys.readouterr().out)
    engine = rows[("engine (CV-selected)", "s2c")]
    assert engine[5] == "20"
    # held out, the engine beats the plain baselines on the primary metric in both directions
    for direction in ("s2c", "c2s"):
        ours = float(rows[("engine (CV-selected)", direction)][0])
        assert ours > float(rows[("plain TF-IDF", direction)][0])
        assert ours > float(rows[("BM25", direction)][0])
        ece = float(rows[("engine (CV-selected)", direction)][6])
        assert 0.0 <= ece < 0.2
