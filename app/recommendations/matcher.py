"""A matcher: the engine and both sides' indexes of one process, following the change feed.

The matching process holds one (app/matching_service); without MATCHING_URL the web process
holds one itself. Either way requests read the served state through one attribute, and a new
state (an index artifact, or one built from the database) is loaded beside it and replaces it
in one assignment, so no request ever sees a half-built state. In the background mode (the
matching process) a follower thread calls `follow` every few seconds and artifacts load in a
thread of their own, so listings keep being applied while an engine change loads; in the
embedded mode `follow` runs before each use and loads synchronously.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.matching import Features, Filters, Listing, Match
from app.models import IndexArtifact, ListingStatus
from app.models.base import utcnow
from app.recommendations import artifacts, feed
from app.recommendations.documents import document
from app.recommendations.state import (
    OTHER_SIDE,
    SIDES,
    Served,
    build_from_database,
    features_of_row,
    load_listings,
)

logger = logging.getLogger(__name__)

APPLY_BATCH = 1_000  # listings reloaded per query when applying the feed


class NotReady(RuntimeError):
    """The matcher has no state yet (still loading at start-up)."""


@dataclass(frozen=True)
class Answer:
    """Ranked candidates and the version of the engine that ranked them."""

    matches: list[Match]
    engine_version: str


class Matcher:
    """The served matching state of one process and its position in the change feed."""

    def __init__(
        self,
        db_engine: sa.Engine,
        seed_dir: Path,
        secret: str,
        background: bool = False,
        keep_days: int = feed.KEEP_DAYS,
    ) -> None:
        """background: artifacts load in a thread (the matching process); else inline."""
        self._db = db_engine
        self.seed_dir = seed_dir
        self._secret = secret
        self._background = background
        self._keep = timedelta(days=keep_days)
        self._served: Served | None = None
        self._position: feed.Position | None = None
        self._read_at: datetime | None = None  # when the feed was last read successfully
        self._lock = threading.RLock()  # one follower at a time
        self._loader: threading.Thread | None = None
        self._loaded: tuple[Served, feed.Position] | None = None  # ready to be switched in
        self._wanted: int | None = None  # an artifact named while another was loading

    # ------------------------------------------------------------------ serving
    def served(self) -> Served:
        """The state requests use now (NotReady before the first load finished)."""
        served = self._served
        if served is None:
            raise NotReady("matching state is still loading")
        return served

    def current(self) -> Served:
        """The state after applying every committed change (the embedded mode's read)."""
        self.follow()
        return self.served()

    def search(
        self,
        side: str,
        query: Listing | Features,
        top: int,
        filters: Filters | None = None,
        min_score: float = 0.0,
    ) -> Answer:
        """The best listings of the other side for a listing of `side` (filters before the
        cut); a Listing is tokenised by the served engine (cached by value)."""
        served = self.served()  # one read: engine and indexes of the same state
        index = served.indexes[OTHER_SIDE[side]]
        matches = served.engine.search(index, query, top, filters, min_score)
        return Answer(matches, served.version)

    def score(self, query: Listing, candidates: Sequence[Listing]) -> Answer:
        """Every candidate scored against one listing, best first (Engine.rank: one small
        index of the candidates, a topic space fitted on them and the query)."""
        served = self.served()
        if not candidates:
            return Answer([], served.version)
        [matches] = served.engine.rank([query], candidates, top=len(candidates))
        return Answer(matches, served.version)

    def status(self) -> dict[str, Any]:
        """What is served, for /readyz and the engine page (JSON-ready)."""
        served, read_at = self._served, self._read_at
        lag = None if read_at is None else round((utcnow() - read_at).total_seconds(), 3)
        out: dict[str, Any] = {
            "ready": served is not None,
            "feed_lag_seconds": lag,
            "loading": self._loader is not None and self._loader.is_alive(),
        }
        if served is not None:
            out.update(
                engine_version=served.version,
                built_at=served.built_at.isoformat(),
                artifact_id=served.artifact_id,
                vocabulary=served.vocabulary.fingerprint,
                tokens_vocabulary=served.vocabulary.tokens_fingerprint,
                reranker=served.vocabulary.model is not None,
                listings=served.counts(),
                synonyms=len(served.engine.synonyms),
            )
        return out

    def behind(self) -> int:
        """How many committed changes are not applied yet (read-only; tests, health)."""
        with self._lock, feed.snapshot(self._db) as session:
            if self._position is None:
                return -1
            return feed.pending(session, self._position)

    def reset(self) -> None:
        """Forget the state (tests wipe the database between cases)."""
        with self._lock:
            self._served = self._position = self._read_at = self._loaded = None
            self._wanted = None

    # ------------------------------------------------------------------ following
    def follow(self) -> int:
        """Apply every committed change not applied yet; return how many were applied.

        Starts (artifact, else database) on first use, or when the feed may have been pruned
        past this reader; switches to a loaded artifact; starts loading one the feed names.
        """
        with self._lock:
            if self._served is None or self._fell_behind():
                self._start()
            self._switch_if_loaded()
            served, position = self._served, self._position
            if served is None or position is None:  # pragma: no cover - _start sets both
                raise NotReady("matching state failed to start")
            self._position, newer, applied = self._read_into(served, position)
            if newer is not None:
                self._switch_to(newer)
            return applied

    def adopt(self, served: Served, position: feed.Position) -> None:
        """Serve a state built in this process (its own build), once caught up with the feed."""
        with self._lock:
            self._loaded = (served, position)
            self._switch_if_loaded()

    def wait(self, timeout: float = 60.0) -> None:
        """Block until an artifact being loaded in the background is loaded (tests, shutdown)."""
        loader = self._loader
        if loader is not None:
            loader.join(timeout)

    def _fell_behind(self) -> bool:
        """Whether feed rows this reader still needs may have been pruned."""
        return self._read_at is not None and utcnow() - self._read_at > self._keep

    def _start(self) -> None:
        """The newest compatible artifact recent enough to follow from, else the database."""
        started = time.perf_counter()
        loaded = None
        with Session(self._db) as session:
            row = artifacts.newest(session, not_before=utcnow() - self._keep)
            if row is not None:
                loaded = self._load(session, row)
        if loaded is None:
            loaded = self._from_database()
        self._served, self._position = loaded
        self._read_at = None
        logger.info(
            "matching state %s ready in %.1f s", self._served.version, time.perf_counter() - started
        )

    def _from_database(self) -> tuple[Served, feed.Position]:
        """A state built from the listings, as of one snapshot (its feed position first)."""
        with feed.snapshot(self._db) as session:
            position = feed.start(session)
            return build_from_database(session, self.seed_dir), position

    def _load(self, session: Session, row: IndexArtifact) -> tuple[Served, feed.Position] | None:
        """An artifact's state, or None (logged) when it is refused."""
        try:
            return artifacts.load(session, row, self.seed_dir, self._secret), feed.Position(
                row.feed_cursor
            )
        except artifacts.ArtifactRefused:
            logger.exception("index artifact %s refused; building from the database", row.version)
            return None

    def _load_named(self, artifact_id: int | None) -> tuple[Served, feed.Position]:
        """The artifact an 'engine' row names (or the newest, if it was pruned), else a
        state built from the database when it is refused."""
        with Session(self._db) as session:
            row = session.get(IndexArtifact, artifact_id) if artifact_id else None
            if row is None:
                row = artifacts.newest(session)
            loaded = self._load(session, row) if row is not None else None
        return loaded if loaded is not None else self._from_database()

    def _read_into(
        self, served: Served, position: feed.Position
    ) -> tuple[feed.Position, int | None, int]:
        """Apply the changes after `position` to `served`; return the new position, the
        newest artifact named by an 'engine' row that `served` is older than, and how many
        changes were read."""
        with feed.snapshot(self._db) as session:
            changes, position = feed.read(session, position)
            self._apply(session, served, changes)
            newer = self._newer_artifact(session, served, changes)
        self._read_at = utcnow()
        return position, newer, len(changes)

    def _newer_artifact(
        self, session: Session, served: Served, changes: Sequence[feed.Change]
    ) -> int | None:
        named = [c.artifact_id for c in changes if c.side == "engine"]
        if not named:
            return None
        if None in named:  # an engine row without an artifact: whatever is newest
            newest = artifacts.newest(session)
            named.append(newest.id if newest is not None else None)
        ids = [i for i in named if i is not None]
        best = max(ids) if ids else None
        if best is None or (served.artifact_id is not None and best <= served.artifact_id):
            return None
        return best

    def _apply(self, session: Session, served: Served, changes: Sequence[feed.Change]) -> None:
        """Reload each named listing's current state: index it if published, else drop it."""
        for side, ids in feed.sides(changes).items():
            for start in range(0, len(ids), APPLY_BATCH):
                self._apply_batch(session, served, side, ids[start : start + APPLY_BATCH])

    def _apply_batch(self, session: Session, served: Served, side: str, ids: list[int]) -> None:
        model = SIDES[side]
        index = served.indexes[side]
        rows = session.execute(
            sa.select(model.id, model.status, model.features).where(model.id.in_(ids))
        ).all()
        found = {listing_id: (status, data) for listing_id, status, data in rows}
        stale = []
        for listing_id in ids:
            status, data = found.get(listing_id, (None, None))
            if status is not ListingStatus.PUBLISHED:
                index.remove(str(listing_id))
                continue
            features = features_of_row(data)
            if features is None:
                stale.append(listing_id)
            else:
                index.add(str(listing_id), features)
        if stale:
            listings = load_listings(session, side, stale)
            for listing_id, listing in listings.items():
                index.add(str(listing_id), served.engine.features(document(listing)))

    def _switch_to(self, artifact_id: int) -> None:
        """Load an artifact beside the served state: now (embedded) or in a thread."""
        if not self._background:
            self._loaded = self._load_named(artifact_id)
            self._switch_if_loaded()
            return
        if self._loaded is not None and not _older_id(artifact_id, self._loaded[0]):
            return  # a state at least that new waits to be switched in
        if self._loader is not None and self._loader.is_alive():
            self._wanted = max(self._wanted or 0, artifact_id)
            return
        self._loader = threading.Thread(
            target=self._load_in_background,
            args=(artifact_id,),
            name="matching-artifact-load",
            daemon=True,
        )
        self._loader.start()

    def _load_in_background(self, artifact_id: int) -> None:
        try:
            loaded = self._load_named(artifact_id)
        except Exception:  # the follower keeps serving the current state and retries later
            logger.exception("loading index artifact %s failed", artifact_id)
            return
        self._loaded = loaded  # the follower switches it in on its next tick

    def _switch_if_loaded(self) -> None:
        """Catch a loaded state up with the feed, then serve it (one assignment)."""
        loaded, self._loaded = self._loaded, None
        if loaded is None:
            return
        served, position = loaded
        if _older(served, self._served):
            return  # a slow load overtaken by a newer state
        position, newer, _ = self._read_into(served, position)
        self._served, self._position = served, position
        logger.info("matching now serves %s", served.version)
        wanted, self._wanted = self._wanted, None
        for candidate in (newer, wanted):
            if candidate is not None and (
                served.artifact_id is None or candidate > served.artifact_id
            ):
                self._switch_to(candidate)
                break


def _older(candidate: Served, current: Served | None) -> bool:
    """Whether a loaded artifact is older than the served one (states built from the
    database, after a refused artifact, are never older)."""
    if current is None or candidate.artifact_id is None or current.artifact_id is None:
        return False
    return candidate.artifact_id <= current.artifact_id


def _older_id(artifact_id: int, state: Served) -> bool:
    """Whether an artifact is newer than a state (one built from the database is newest)."""
    return state.artifact_id is not None and artifact_id > state.artifact_id
