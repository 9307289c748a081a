"""Per-process search indexes, following the matching change feed (match_changes).

Like the matching index, each process builds its indexes from the database on first use and
then applies the committed feed rows it has not seen; a rebuild happens beside the served
indexes and replaces them in one assignment. Rows written around the feed (bulk loads,
scripts) are seen at the next rebuild: call record_change() for them, or restart.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from app.extensions import db
from app.matching import Tokenizer
from app.models import Capability, ListingStatus, MatchChange
from app.recommendations.live import live as live_matching
from app.search.documents import SIDES, load_columns, record_of
from app.search.index import SideIndex

logger = logging.getLogger(__name__)


@dataclass
class SearchState:
    """What one process serves: an index per side and the last feed row applied."""

    indexes: dict[str, SideIndex]
    last_change: int


def tokenizer(app: Any) -> Tokenizer:
    """The matching engine's tokenizer (seed dictionary plus administrators' words)."""
    return live_matching(app).engine().tokenizer


class LiveSearch:
    """The search state of one app instance (stored in app.extensions["search"])."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._state: SearchState | None = None
        # held while the feed is applied and while a search reads the indexes
        self.lock = threading.RLock()

    def current(self) -> SearchState:
        """The served indexes, brought up to date with every committed change."""
        with self.lock, Session(db.engine) as session:
            head = session.scalar(sa.select(sa.func.max(MatchChange.id))) or 0
            state = self._state
            if state is None or head < state.last_change:
                self._state = self.rebuild(session, head)
            elif head > state.last_change:
                self._follow(session, state, head)  # may replace the state (a rebuild)
            return self._state

    def _follow(self, session: Session, state: SearchState, head: int) -> None:
        changes = session.scalars(
            sa.select(MatchChange)
            .where(MatchChange.id > state.last_change, MatchChange.id <= head)
            .order_by(MatchChange.id)
        ).all()
        if any(change.side == "engine" for change in changes):
            # the vocabulary changed or listings were tokenised again: load them afresh
            self._state = self.rebuild(session, changes[-1].id)
            return
        cut = tokenizer(self.app)
        for change in changes:
            if change.side in SIDES and change.listing_id is not None:
                self._apply(session, state.indexes[change.side], change, cut)
            state.last_change = change.id

    def _apply(self, session: Session, index: SideIndex, change: MatchChange, cut: Any) -> None:
        model = SIDES[change.side]
        options = [selectinload(model.organization), selectinload(model.tags)]
        if model is Capability:
            options += [selectinload(Capability.domains), selectinload(Capability.cases)]
        listing = session.scalar(
            sa.select(model).where(model.id == change.listing_id).options(*options)
        )
        if listing is not None and listing.status is ListingStatus.PUBLISHED:
            index.add(record_of(listing, cut))
        else:
            index.remove(change.listing_id)

    def rebuild(self, session: Session, head: int) -> SearchState:
        """Complete new indexes built beside the served ones."""
        started = time.perf_counter()
        cut = tokenizer(self.app)
        indexes = {}
        for side in SIDES:
            index = SideIndex()
            index.load(load_columns(session, side, cut))
            indexes[side] = index
        logger.info("search indexes built in %.2f s", time.perf_counter() - started)
        return SearchState(indexes, head)

    def reset(self) -> None:
        """Forget everything (tests wipe the database between cases)."""
        with self.lock:
            self._state = None


def live_search(app: Any) -> LiveSearch:
    """The app's search state, created on first use."""
    state = app.extensions.get("search")
    if state is None:
        state = app.extensions["search"] = LiveSearch(app)
    return state
