"""Engine changes: build the engine and both indexes once for the deployment, as an artifact.

`request_rebuild` is the one seam every engine change goes through (vocabulary, re-ranker, the
engine page's button): it records a `matching.rebuild` job in the caller's transaction, so the
build runs once that commits (a job worker in production, this process's job pool in the
embedded default, right after the commit in the tests) and reads what the caller changed. No
web worker and no matching process ever builds an engine change in a request.

`build_and_publish` reads one snapshot, builds, stores a signed artifact and the 'engine'
feed row naming it; every matcher then loads it beside what it serves and switches.
`flask match rebuild` calls it directly, with progress bars.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.engine_builds.refeaturize import refeaturize_all
from app.extensions import db
from app.jobs import enqueue
from app.recommendations import artifacts, feed
from app.recommendations.live import live
from app.recommendations.state import Progress, Served, build_from_database

logger = logging.getLogger(__name__)

REBUILD = "matching.rebuild"
CHANGED = "matching_vocabulary_changed"  # Session.info key: this process's tokenizer is stale


@dataclass(frozen=True)
class Built:
    """What a build produced: the state (served by the process that built it) and its artifact."""

    served: Served
    position: feed.Position
    artifact: artifacts.Stored
    seconds: float


def request_rebuild(refeaturize: bool) -> None:
    """Build the engine and both indexes for the deployment once this transaction commits.

    refeaturize: tokenise every listing again first (dictionary words or synonym groups
    changed: synonym members are words of the tokenizer); not for a re-ranker.
    """
    enqueue(REBUILD, refeaturize=refeaturize)
    db.session.info[CHANGED] = True


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop(CHANGED, None) and has_app_context():
        live(current_app).invalidate()  # this process tokenises with the new vocabulary at once


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(CHANGED, None)


def build_and_publish(app: Any, refeaturize: bool, progress: Progress | None = None) -> Built:
    """Re-tokenise (optionally), build from one snapshot, store the signed artifact and the
    'engine' feed row naming it (committed), keep the newest few; this process serves it."""
    started = time.perf_counter()
    if refeaturize:
        refeaturize_all(progress)
    with feed.snapshot(db.engine) as session:
        position = feed.start(session)  # first: the build is "everything before this position"
        served = build_from_database(session, app.config["SEED_DIR"] / "matching", progress)
    with Session(db.engine) as session, session.begin():
        stored = artifacts.store(
            session, served, position, app.config["SECRET_KEY"], time.perf_counter() - started
        )
        artifacts.prune(session, int(app.config["MATCHING_ARTIFACTS_KEPT"]))
    served.version, served.artifact_id = stored.version, stored.id
    seconds = time.perf_counter() - started
    logger.info(
        "index artifact %s published in %.1f s (%d MiB)",
        stored.version,
        seconds,
        stored.size // (1024 * 1024),
    )
    matcher = app.extensions.get("matcher") or live(app).serving_matcher()
    if matcher is not None:  # serve what was just built here instead of loading it again
        matcher.adopt(served, position)
    return Built(served, position, stored, seconds)


def refeaturize(progress: Progress | None = None) -> int:
    """Tokenise every listing again and store it (refeaturize_all; committed per chunk)."""
    return refeaturize_all(progress)


def prune_feed(days: int) -> int:
    """Delete change feed rows older than `days` (flushed; the caller commits)."""
    return feed.prune(db.session(), days)
