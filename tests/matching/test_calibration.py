"""Score-to-probability calibration: a curve per ranking direction, stored in one file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.matching.calibration import (
    C2S,
    S2C,
    Calibration,
    fit_directions,
    load_calibration,
)

# s2c: relevant from 0.5 up; c2s: relevant from 0.3 up (a capability's scenarios score lower)
S2C_PAIRS = ([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], [False] * 4 + [True] * 4)
C2S_PAIRS = ([0.05, 0.1, 0.15, 0.2, 0.3, 0.35, 0.4, 0.5], [False] * 4 + [True] * 4)


def test_each_direction_is_fitted_on_its_own_pairs() -> None:
    both = fit_directions(S2C_PAIRS, C2S_PAIRS, source="devset")
    assert both.c2s is not None
    assert both.probability(0.35, C2S) > 0.5 > both.probability(0.35, S2C)
    assert both.probability(0.35) == both.probability(0.35, S2C)
    assert both.score_for(0.5, C2S) < both.score_for(0.5, S2C)


def test_without_c2s_pairs_one_curve_serves_both_directions() -> None:
    one = fit_directions(S2C_PAIRS, ([], []), source="devset")
    assert one.c2s is None
    assert one.probability(0.45, C2S) == one.probability(0.45, S2C)


def test_both_curves_survive_the_json_file(tmp_path: Path) -> None:
    both = fit_directions(S2C_PAIRS, C2S_PAIRS, source="devset")
    path = tmp_path / "calibration.json"
    path.write_text(json.dumps(both.to_json()), encoding="utf-8")
    assert load_calibration(path) == both
    assert "c2s" not in both.to_json()["c2s"]  # the nested curve holds no curve of its own


def test_a_file_of_one_curve_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "calibration.json"
    path.write_text(json.dumps({"a": 10.0, "b": -3.0, "_comment": "old"}), encoding="utf-8")
    loaded = load_calibration(path)
    assert loaded == Calibration(a=10.0, b=-3.0)
    assert loaded.probability(0.3, C2S) == pytest.approx(0.5)


def test_the_shipped_calibration_has_a_c2s_curve() -> None:
    shipped = load_calibration()
    assert shipped.c2s is not None
    assert shipped.c2s.pairs > 0


def test_held_out_probabilities_use_each_directions_own_curve() -> None:
    from app.matching.types import Match
    from tooling.matching.heldout import Run, cross_validate
    from tooling.matching.metrics import transpose

    scenarios = [f"S{i}" for i in range(5)]
    capabilities = [f"C{i}" for i in range(10)]
    qrels = {s: {f"C{2 * i}": 2, f"C{2 * i + 1}": 1} for i, s in enumerate(scenarios)}
    c2s_qrels = transpose(qrels)

    def ranked(judged: dict[str, int], items: list[str], hit: float, miss: float) -> list[Match]:
        scored = [Match(x, hit if x in judged else miss) for x in items]
        return sorted(scored, key=lambda m: -m.score)

    # relevant scenarios of a capability score far lower than relevant capabilities of a
    # scenario: one curve for both would call them unlikely
    run = Run(
        s2c={s: ranked(qrels[s], capabilities, 0.8, 0.2) for s in scenarios},
        c2s={c: ranked(c2s_qrels[c], scenarios, 0.3, 0.05) for c in capabilities},
        qrels=qrels,
        c2s_qrels=c2s_qrels,
    )
    figures, _ = cross_validate({"only": run}, k=10, select=False)
    c2s = figures["c2s"]
    relevant = [p for p, y in zip(c2s.probabilities, c2s.labels, strict=True) if y]
    assert relevant
    assert min(relevant) > 0.5
    assert c2s.summary(0.5)["ece"] < 0.2
