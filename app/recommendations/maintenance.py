"""Operator tasks on the matching state: re-tokenising listings, rebuilding indexes."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import Capability, ListingStatus, MatchChange, Scenario
from app.recommendations.documents import store_features
from app.recommendations.live import Progress, State, live
from app.recommendations.services import record_engine_change
from app.search.documents import store_document


def refeaturize(progress: Progress | None = None) -> int:
    """Tokenise every listing again with the current vocabulary and store the result: the
    matching features of every listing and the search tokens of the published ones."""
    engine = live(current_app).engine()
    rows = [
        *db.session.scalars(sa.select(Scenario).order_by(Scenario.id)),
        *db.session.scalars(sa.select(Capability).order_by(Capability.id)),
    ]
    for done, row in enumerate(rows, start=1):
        store_features(row, engine)
        if row.status is ListingStatus.PUBLISHED:
            store_document(db.session, row, engine.tokenizer)
        if progress is not None:
            progress(done, len(rows))
    db.session.flush()
    return len(rows)


def rebuild(progress: Progress | None = None) -> State:
    """Build this process's indexes from the committed stored features, serve them, and tell
    every other process to rebuild too (once the caller commits)."""
    matching = live(current_app)
    with Session(db.engine) as session:
        head = session.scalar(sa.select(sa.func.max(MatchChange.id))) or 0
        state = matching.rebuild(session, head, progress)
    matching.replace(state)
    record_engine_change()
    return state
