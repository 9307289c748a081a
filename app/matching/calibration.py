"""Scores as estimated probabilities that a pair is relevant (Platt scaling), and levels.

A score is a weighted sum of similarities: 0.58 next to 0.20 says which pair is better,
not whether 0.20 is a match. `Calibration` maps a score to the estimated probability that
the pair is relevant (a label of grade ≥ 1: at least partially relevant), a logistic curve
`1 / (1 + exp(-(a·score + b)))` fitted on labelled pairs: the dev set's (`python -m
app.matching calibrate`, cross-validated in `evaluate`), and administrators' review decisions
as they accumulate (`flask --app app match calibrate`). Applying it needs no scikit-learn;
fitting imports it (`fit`). The curve is increasing, so a probability threshold is a score
threshold too (`score_for`): the review queue is cut by estimated precision.

Each ranking direction has its own curve. A scenario's scores come from an index of
capabilities, a capability's from an index of scenarios (other IDF, other lengths, far fewer
listings), so the same score is not equally likely relevant in both: the curve fitted on
scenario queries (s2c) is the main one, the capability queries' (c2s) rides along with it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from app.matching.text import SEED_DIR

DEFAULT_CALIBRATION_PATH = SEED_DIR / "calibration.json"
BINS = 10  # equal-width bins of the expected calibration error
S2C, C2S = "s2c", "c2s"  # a scenario's capabilities; a capability's scenarios


@dataclass(frozen=True, slots=True)
class Calibration:
    """A fitted logistic curve from score to probability, and where it came from."""

    a: float = 12.0
    b: float = -4.0
    pairs: int = 0  # labelled pairs it was fitted on
    positives: int = 0
    source: str = "default"  # "devset", "review" (administrators' decisions) or "default"
    c2s: Calibration | None = None  # the capability queries' curve; None: this one serves both

    def for_direction(self, direction: str) -> Calibration:
        """The curve of a ranking direction (S2C or C2S)."""
        if direction == C2S and self.c2s is not None:
            return self.c2s
        return self

    def probability(self, score: float, direction: str = S2C) -> float:
        """The estimated probability that a pair with this score is relevant."""
        curve = self.for_direction(direction)
        z = curve.a * score + curve.b
        if z < -35.0:
            return 0.0
        return 1.0 / (1.0 + math.exp(-z))

    def score_for(self, probability: float, direction: str = S2C) -> float:
        """The lowest score whose probability reaches the given one (clipped to [0, 1])."""
        curve = self.for_direction(direction)
        p = min(max(probability, 1e-6), 1.0 - 1e-6)
        if curve.a <= 0:
            return 0.0 if curve.probability(0.0) >= p else 1.0
        return min(max((math.log(p / (1.0 - p)) - curve.b) / curve.a, 0.0), 1.0)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (the c2s curve nested under "c2s" when there is one)."""
        data = asdict(self)
        del data["c2s"]
        if self.c2s is not None:
            data[C2S] = self.c2s.to_json()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Calibration:
        """From to_json() output; unknown keys (a `_comment`) are ignored."""
        known = {"a", "b", "pairs", "positives", "source"}
        nested = data.get(C2S)
        return cls(
            **{k: v for k, v in data.items() if k in known},
            c2s=None if nested is None else cls.from_json(nested),
        )


def load_calibration(path: Path | None = DEFAULT_CALIBRATION_PATH) -> Calibration:
    """The calibration in a JSON file; the built-in default curve when it is absent."""
    if path is None or not path.exists():
        return Calibration()
    return Calibration.from_json(json.loads(path.read_text(encoding="utf-8")))


def fit(scores: Sequence[float], labels: Sequence[bool], source: str) -> Calibration:
    """Platt scaling: a logistic regression of the label on the score (scikit-learn).

    Weak regularisation (C=100): one feature, and the scale of the scores matters.
    With a single class there is nothing to fit: the default curve is returned.
    """
    positives = int(sum(bool(x) for x in labels))
    if positives == 0 or positives == len(labels):
        return Calibration(pairs=len(labels), positives=positives, source=source)
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=100.0, solver="lbfgs", max_iter=1000)
    model.fit([[s] for s in scores], [int(bool(x)) for x in labels])
    return Calibration(
        a=round(float(model.coef_[0][0]), 6),
        b=round(float(model.intercept_[0]), 6),
        pairs=len(labels),
        positives=positives,
        source=source,
    )


def fit_directions(
    s2c: tuple[Sequence[float], Sequence[bool]],
    c2s: tuple[Sequence[float], Sequence[bool]],
    source: str,
) -> Calibration:
    """A curve per direction: Platt scaling of each direction's (scores, labels) apart.

    Without c2s pairs the s2c curve serves both directions.
    """
    main = fit(*s2c, source=source)
    if not c2s[0]:
        return main
    return replace(main, c2s=fit(*c2s, source=source))


def expected_calibration_error(
    probabilities: Sequence[float], labels: Sequence[bool], bins: int = BINS
) -> float:
    """Mean |predicted − observed| over equal-width probability bins, weighted by size."""
    if not probabilities:
        return 0.0
    totals = [[0, 0.0, 0] for _ in range(bins)]
    for p, y in zip(probabilities, labels, strict=True):
        slot = totals[min(int(p * bins), bins - 1)]
        slot[0] += 1
        slot[1] += p
        slot[2] += int(bool(y))
    n = len(probabilities)
    return sum(abs(s - y) / n for count, s, y in totals if count)
