"""Engine changes: build the engine and both indexes once for the deployment, as an artifact.

`request_rebuild` is the one seam every engine change goes through (vocabulary, re-ranker,
`flask match rebuild`): it asks for a build once the caller's transaction commits, so the
build reads what the caller changed. Where the build then runs:

- in a web request with MATCHING_URL: the machine's matching process builds it (no web
  worker ever builds an index);
- in a web request without it (embedded): a thread of this process, after the response's
  commit (MATCHING_BUILD_INLINE, the test suite: in the request, after its commit);
- elsewhere (CLI, jobs): right here, after the commit.

`build_and_publish` reads one snapshot, builds, stores a signed artifact and the 'engine'
feed row naming it; every matcher then loads it beside what it serves and switches.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from flask import current_app, has_app_context, has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db
from app.recommendations import artifacts, feed
from app.recommendations.live import live
from app.recommendations.refeaturize import refeaturize_all
from app.recommendations.state import Progress, Served, build_from_database

logger = logging.getLogger(__name__)

PENDING = "matching_rebuild"  # Session.info key: a build asked for in this transaction


@dataclass(frozen=True)
class Built:
    """What a build produced: the state (served by the process that built it) and its artifact."""

    served: Served
    position: feed.Position
    artifact: artifacts.Stored
    seconds: float


def request_rebuild(refeaturize: bool, progress: Progress | None = None) -> None:
    """Build the engine and both indexes for the deployment once this transaction commits.

    refeaturize: tokenise every listing again first (dictionary words or synonym groups
    changed: synonym members are words of the tokenizer); not for a re-ranker.
    """
    pending = db.session.info.setdefault(PENDING, {"refeaturize": False, "progress": None})
    pending["refeaturize"] = pending["refeaturize"] or refeaturize
    pending["progress"] = progress or pending["progress"]


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    pending = session.info.pop(PENDING, None)
    if pending is None or not has_app_context():
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    live(app).invalidate()  # this process tokenises with the new vocabulary at once
    dispatch(app, pending["refeaturize"], pending["progress"])


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(PENDING, None)


def dispatch(app: Any, refeaturize: bool, progress: Progress | None = None) -> None:
    """Run a requested build where it belongs (see the module docstring)."""
    if has_request_context() and app.config["MATCHING_URL"]:
        from app.recommendations.client import MatchingUnavailable

        try:
            live(app).client().rebuild(refeaturize)  # type: ignore[attr-defined]
        except MatchingUnavailable:  # the engine page shows the vocabulary is not served yet
            logger.exception("the matching process could not take the rebuild")
        return
    if has_request_context() and not app.config["MATCHING_BUILD_INLINE"]:
        threading.Thread(
            target=_build_in_thread, args=(app, refeaturize), name="matching-build", daemon=True
        ).start()
        return
    build_and_publish(app, refeaturize, progress)


def _build_in_thread(app: Any, refeaturize: bool) -> None:
    with app.app_context():
        try:
            build_and_publish(app, refeaturize)
        except Exception:
            logger.exception("matching build failed")


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
    return feed.prune(db.session, days)
