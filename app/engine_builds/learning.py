"""Learning from review: decisions become labelled examples for a re-ranker."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask import current_app

from app.engine_builds.maintenance import request_rebuild
from app.extensions import db
from app.matching.weights import SIGNALS
from app.models import Recommendation, RecommendationStatus, RerankerModel, User
from app.models.base import utcnow
from app.recommendations.live import live

if TYPE_CHECKING:  # scikit-learn is imported where training happens (the job worker), not
    from app.matching.learn import Example  # by every web process at start-up


def _decided() -> sa.Select[Recommendation]:
    return sa.select(Recommendation).where(
        Recommendation.status.in_([RecommendationStatus.APPROVED, RecommendationStatus.REJECTED])
    )


def example_count() -> int:
    """How many decided pairs could be learned from (those whose signals were kept)."""
    decided = _decided().where(sa.cast(Recommendation.signals, sa.String) != "{}").subquery()
    return db.session.scalar(sa.select(sa.func.count()).select_from(decided)) or 0


def examples() -> list[Example]:
    """Every decided pair whose signals were kept: approved = 1, rejected = 0."""
    from app.matching.learn import Example

    return [
        Example(
            group=str(rec.scenario_id),
            signals=tuple(float(rec.signals.get(name, 0.0)) for name in SIGNALS),
            label=1 if rec.status is RecommendationStatus.APPROVED else 0,
        )
        for rec in db.session.scalars(_decided().order_by(Recommendation.id))
        if rec.signals
    ]


def train(admin: User | None = None, seed: int = 0) -> RerankerModel:
    """Train on the decisions, evaluate on held-out ones, activate only if it beats the base score."""
    from app.matching.learn import train_and_decide

    labelled = examples()
    engine = live(current_app).engine()
    decision = train_and_decide(labelled, engine.weights, seed=seed)
    row = RerankerModel(
        version=f"rr-{utcnow():%Y%m%d-%H%M%S}-{len(labelled)}",
        trained_on=len(labelled),
        params=decision.model.to_json() if decision.model is not None else None,
        base_metrics=dict(decision.base),
        learned_metrics=dict(decision.learned),
        active=False,
        reason=decision.reason,
        created_by_id=getattr(admin, "id", None),
    )
    if decision.activate and decision.model is not None:
        db.session.execute(sa.update(RerankerModel).values(active=False))
        db.session.flush()
        row.active = True
        request_rebuild(refeaturize=False)  # the tokens do not change, only the ranking
    db.session.add(row)
    db.session.flush()
    return row


def deactivate() -> None:
    """Go back to the base score."""
    db.session.execute(sa.update(RerankerModel).values(active=False))
    request_rebuild(refeaturize=False)


def history(limit: int = 20) -> list[RerankerModel]:
    """The latest trained models, newest first."""
    query = sa.select(RerankerModel).order_by(RerankerModel.id.desc()).limit(limit)
    return list(db.session.scalars(query))
