"""Scores as estimated probabilities that a pair is relevant (Platt scaling), and levels.

A score is a weighted sum of similarities: 0.58 next to 0.20 says which pair is better,
not whether 0.20 is a match. `Calibration` maps a score to the estimated probability that
the pair is relevant (a label of grade ≥ 1: at least partially relevant), a logistic curve
`1 / (1 + exp(-(a·score + b)))` fitted on labelled pairs: the dev set's (`python -m
app.matching calibrate`, cross-validated in `evaluate`), and administrators' review decisions
as they accumulate (`flask --app app match calibrate`). Applying it needs no scikit-learn;
fitting imports it (`fit`). The curve is increasing, so a probability threshold is a score
threshold too (`score_for`): the review queue is cut by estimated precision.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from app.matching.text import SEED_DIR

DEFAULT_CALIBRATION_PATH = SEED_DIR / "calibration.json"
BINS = 10  # equal-width bins of the expected calibration error


@dataclass(frozen=True, slots=True)
class Calibration:
    """A fitted logistic curve from score to probability, and where it came from."""

    a: float = 12.0
    b: float = -4.0
    pairs: int = 0  # labelled pairs it was fitted on
    positives: int = 0
    source: str = "default"  # "devset", "review" (administrators' decisions) or "default"

    def probability(self, score: float) -> float:
        """The estimated probability that a pair with this score is relevant."""
        z = self.a * score + self.b
        if z < -35.0:
            return 0.0
        return 1.0 / (1.0 + math.exp(-z))

    def score_for(self, probability: float) -> float:
        """The lowest score whose probability reaches the given one (clipped to [0, 1])."""
        p = min(max(probability, 1e-6), 1.0 - 1e-6)
        if self.a <= 0:
            return 0.0 if self.probability(0.0) >= p else 1.0
        return min(max((math.log(p / (1.0 - p)) - self.b) / self.a, 0.0), 1.0)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Calibration:
        """From to_json() output; unknown keys (a `_comment`) are ignored."""
        known = {"a", "b", "pairs", "positives", "source"}
        return cls(**{k: v for k, v in data.items() if k in known})


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
