"""Match levels an official understands: a score becomes an estimated probability that the
pair is relevant (the calibration), shown as 高度匹配 / 较为匹配 / 可能相关 with the number
behind it on demand. Below the floor a pair is not a recommendation.

The calibration is the newest one refitted on administrators' review decisions
(`match_calibrations`, `flask --app app match calibrate`), else the dev-set one shipped in
seed/matching/calibration.json (`python -m app.matching calibrate`).
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass
from functools import cache

import sqlalchemy as sa
from flask import current_app, g, has_request_context

from app.errors import DomainError
from app.extensions import db
from app.matching.calibration import (
    S2C,
    Calibration,
    expected_calibration_error,
    fit,
    load_calibration,
)
from app.models import MatchCalibration, Recommendation, RecommendationStatus, User

HIGH, MEDIUM, POSSIBLE = "high", "medium", "possible"
LABELS = {HIGH: "高度匹配", MEDIUM: "较为匹配", POSSIBLE: "可能相关"}
CACHE_SECONDS = 5.0  # outside a request, the calibration is read again after this long
MIN_DECISIONS = 30  # decided pairs (both outcomes present) needed to refit on review
FOLDS = 5
# An estimate is never certainty: the number shown stops at 99 % (a logistic curve only
# nears 1, and "100 %" would read as a guarantee).
MAX_PERCENT = 99


@dataclass(frozen=True)
class Level:
    """A pair's match level and the estimated probability behind it."""

    key: str  # high, medium, possible
    label: str
    probability: float

    @property
    def percent(self) -> int:
        """The probability in whole percent, for the number shown on demand (at most
        MAX_PERCENT)."""
        return min(int(round(self.probability * 100)), MAX_PERCENT)


_cached: tuple[float, Calibration] | None = None


@cache
def shipped() -> Calibration:
    """The dev-set calibration in the seed files (read once per process)."""
    return load_calibration()


def calibration() -> Calibration:
    """The calibration in force: the newest refitted on review, else the shipped one.

    Read once per request; outside a request (jobs, commands) at most every CACHE_SECONDS.
    """
    global _cached
    if has_request_context() and "match_calibration" in g:
        kept: Calibration = g.match_calibration
        return kept
    now = time.monotonic()
    if has_request_context() or _cached is None or now - _cached[0] > CACHE_SECONDS:
        row = db.session.scalar(sa.select(MatchCalibration).order_by(MatchCalibration.id.desc()))
        # review decisions are on recommendations for scenarios (s2c): a capability's
        # scenarios keep the shipped c2s curve
        value = (
            shipped()
            if row is None
            else Calibration(
                row.a, row.b, row.pairs, row.positives, source="review", c2s=shipped().c2s
            )
        )
        _cached = (now, value)
    if has_request_context():
        g.match_calibration = _cached[1]
    return _cached[1]


def forget() -> None:
    """Read the calibration again at its next use (after a refit)."""
    global _cached
    _cached = None
    if has_request_context():
        g.pop("match_calibration", None)


def probability(score: float, direction: str = S2C) -> float:
    """The estimated probability that a pair with this score is relevant (direction: S2C for
    a scenario's capabilities, C2S for a capability's scenarios)."""
    return calibration().probability(score, direction)


def level(score: float, direction: str = S2C) -> Level | None:
    """The level of a pair's score; None below the floor (not a recommendation)."""
    config = current_app.config
    p = probability(score, direction)
    if p >= config["MATCH_LEVEL_HIGH"]:
        key = HIGH
    elif p >= config["MATCH_LEVEL_MEDIUM"]:
        key = MEDIUM
    elif p >= config["MATCH_FLOOR"]:
        key = POSSIBLE
    else:
        return None
    return Level(key, LABELS[key], p)


def below_floor(score: float, direction: str = S2C) -> Level:
    """The probability of a pair under the floor (listed under 更多可能相关)."""
    return Level(POSSIBLE, LABELS[POSSIBLE], probability(score, direction))


def review_min_score() -> float:
    """The score at which a pair's estimated probability reaches the review threshold."""
    return score_for(float(current_app.config["MATCH_REVIEW_MIN_PROBABILITY"]))


def score_for(p: float) -> float:
    """The lowest score estimated at least p likely to be relevant."""
    return calibration().score_for(p)


def refit(admin: User | None = None, seed: int = 0) -> MatchCalibration:
    """Refit the calibration on the review decisions (approved = relevant); DomainError when
    there are too few of them or only one outcome. The cross-validated ECE is kept."""
    rows = db.session.execute(
        sa.select(Recommendation.scenario_id, Recommendation.score, Recommendation.status).where(
            Recommendation.status.in_(
                [RecommendationStatus.APPROVED, RecommendationStatus.REJECTED]
            )
        )
    ).all()
    labels = [status is RecommendationStatus.APPROVED for _s, _score, status in rows]
    if len(rows) < MIN_DECISIONS or all(labels) or not any(labels):
        raise DomainError(
            f"审核决定不足：需要至少 {MIN_DECISIONS} 条且通过与驳回均有，目前 {len(rows)} 条。"
        )
    scores = [float(score) for _s, score, _status in rows]
    fitted = fit(scores, labels, source="review")
    row = MatchCalibration(
        a=fitted.a,
        b=fitted.b,
        pairs=fitted.pairs,
        positives=fitted.positives,
        ece=_cross_validated_ece([s for s, _x, _y in rows], scores, labels, seed),
        created_by_id=getattr(admin, "id", None),
    )
    db.session.add(row)
    db.session.flush()
    forget()
    return row


def _cross_validated_ece(
    groups: list[int], scores: list[float], labels: list[bool], seed: int
) -> float | None:
    """ECE of calibrations fitted on the other folds (folds by scenario)."""
    keys = sorted(set(groups))
    random.Random(seed).shuffle(keys)  # noqa: S311 -- a reproducible split, not a secret
    fold_of = {key: i % FOLDS for i, key in enumerate(keys)}
    predicted, observed = [], []
    for fold in range(min(FOLDS, len(keys))):
        train = [i for i, key in enumerate(groups) if fold_of[key] != fold]
        test = [i for i, key in enumerate(groups) if fold_of[key] == fold]
        model = fit([scores[i] for i in train], [labels[i] for i in train], source="cv")
        predicted += [model.probability(scores[i]) for i in test]
        observed += [labels[i] for i in test]
    value = expected_calibration_error(predicted, observed)
    return None if not math.isfinite(value) or not predicted else round(value, 4)
