"""Per-process matching state: the engine and one index per side, following the change feed.

The database is the source of truth. Each app instance (each gunicorn worker) keeps its own
engine and indexes and, whenever it is about to use them, applies the committed rows of
`match_changes` it has not seen yet — so a listing published through one worker is found by
every other worker on its next request. It reads through a session of its own, so it never
sees a change that the current request has not committed. A full rebuild happens beside the
served state and replaces it in one assignment: a half-built index is never used.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from app.extensions import db
from app.matching import Engine, Features, Index, Tokenizer
from app.matching.synonyms import load_synonyms
from app.matching.topics import Topics
from app.matching.weights import load_weights
from app.models import (
    Capability,
    ListingStatus,
    MatchChange,
    RerankerModel,
    Scenario,
    VocabularyEntry,
    VocabularyKind,
)
from app.recommendations.documents import features_of

logger = logging.getLogger(__name__)

SIDES: dict[str, type[Scenario] | type[Capability]] = {
    "scenario": Scenario,
    "capability": Capability,
}
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Vocabulary:
    """What administrators added on top of seed/, and the active re-ranker."""

    words: tuple[str, ...]
    groups: tuple[str, ...]
    model: dict[str, Any] | None

    @property
    def fingerprint(self) -> str:
        """Changes whenever anything that shapes the engine changes."""
        raw = json.dumps([self.words, self.groups, self.model], ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(raw.encode()).hexdigest()


@dataclass
class State:
    """What one process serves: an engine, an index per side, the last change applied."""

    engine: Engine
    fingerprint: str
    indexes: dict[str, Index]
    last_change: int


def read_vocabulary(session: Session) -> Vocabulary:
    """The administrators' words and synonym groups, and the active model's parameters."""
    entries = session.scalars(sa.select(VocabularyEntry).order_by(VocabularyEntry.id)).all()
    model = session.scalar(sa.select(RerankerModel).where(RerankerModel.active.is_(True)))
    return Vocabulary(
        words=tuple(e.text for e in entries if e.kind is VocabularyKind.WORD),
        groups=tuple(e.text for e in entries if e.kind is VocabularyKind.SYNONYMS),
        model=model.params if model is not None else None,
    )


def build_engine(seed_dir: Path, vocabulary: Vocabulary) -> Engine:
    """An engine from seed/matching plus the administrators' vocabulary and re-ranker."""
    tokenizer = Tokenizer(seed_dir / "dict.txt", seed_dir / "stopwords.txt")
    for word in vocabulary.words:
        tokenizer.add_word(word)
    scorer = None
    if vocabulary.model:
        from app.matching.learn import RerankerModel as LearnedModel

        scorer = LearnedModel.from_json(vocabulary.model).scorer()
    return Engine(
        tokenizer,
        load_weights(seed_dir / "weights.json"),
        load_synonyms(seed_dir, extra=vocabulary.groups),
        scorer=scorer,
    )


def published(session: Session, side: str) -> Sequence[Scenario | Capability]:
    """Every published listing of one side, with what the engine reads loaded."""
    model = SIDES[side]
    query = sa.select(model).where(model.status == ListingStatus.PUBLISHED).order_by(model.id)
    if model is Capability:
        query = query.options(
            selectinload(Capability.organization),
            selectinload(Capability.tags),
            selectinload(Capability.domains),
        )
    else:
        query = query.options(selectinload(Scenario.tags))
    return session.scalars(query).all()


def _streamed(
    rows: Sequence[Scenario | Capability],
    engine: Engine,
    wanted: frozenset[int],
    sample: list[Features],
) -> Iterator[tuple[str, Features]]:
    """(id, features) of each row, decoded once; the rows at `wanted` positions also go to sample."""
    for position, row in enumerate(rows):
        features = features_of(row, engine)
        if position in wanted:
            sample.append(features)
        yield str(row.id), features


class LiveMatching:
    """The matching state of one app instance (stored in app.extensions["matching"])."""

    def __init__(self, seed_dir: Path) -> None:
        self.seed_dir = seed_dir
        self._state: State | None = None
        self._engine: tuple[str, Engine] | None = None
        self._lock = threading.RLock()

    def engine(self) -> Engine:
        """The engine for the current vocabulary (for tokenising listings when they are saved)."""
        with self._lock, Session(db.engine) as session:
            return self._engine_for(read_vocabulary(session))

    def _engine_for(self, vocabulary: Vocabulary) -> Engine:
        if self._engine is None or self._engine[0] != vocabulary.fingerprint:
            started = time.perf_counter()
            self._engine = (vocabulary.fingerprint, build_engine(self.seed_dir, vocabulary))
            logger.info("matching engine built in %.2f s", time.perf_counter() - started)
        return self._engine[1]

    def current(self) -> State:
        """The served state, brought up to date with every committed change."""
        with self._lock, Session(db.engine) as session:
            head = session.scalar(sa.select(sa.func.max(MatchChange.id))) or 0
            state = self._state
            if state is None or head < state.last_change:  # first use, or the feed was reset
                self._state = self.rebuild(session, head)
                return self._state
            if head > state.last_change:
                self._follow(session, state)
            return self._state

    def _follow(self, session: Session, state: State) -> None:
        changes = session.scalars(
            sa.select(MatchChange)
            .where(MatchChange.id > state.last_change)
            .order_by(MatchChange.id)
        ).all()
        if any(change.side == "engine" for change in changes):
            self._state = self.rebuild(session, changes[-1].id)
            return
        for change in changes:
            self._apply(session, state, change)
            state.last_change = change.id

    def _apply(self, session: Session, state: State, change: MatchChange) -> None:
        index = state.indexes[change.side]
        listing = session.get(SIDES[change.side], change.listing_id)
        if listing is not None and listing.status is ListingStatus.PUBLISHED:
            index.add(str(listing.id), features_of(listing, state.engine))
        else:
            index.remove(str(change.listing_id))

    def rebuild(self, session: Session, head: int, progress: Progress | None = None) -> State:
        """A complete new state built beside the served one (which stays in use until then)."""
        vocabulary = read_vocabulary(session)
        engine = self._engine_for(vocabulary)
        indexes: dict[str, Index] = {}
        sample: list[Features] = []  # of both sides, to fit the topic space on
        for side in SIDES:
            rows = published(session, side)
            items = _streamed(rows, engine, frozenset(Topics.sample(len(rows))), sample)
            indexes[side] = engine.build_index(items, progress, total=len(rows))
        # one topic space over both sides' listings, fitted once and shared by both indexes
        topics = indexes["scenario"].fit_topics(sample)
        indexes["capability"].use_topics(topics)
        return State(engine, vocabulary.fingerprint, indexes, head)

    def replace(self, state: State) -> None:
        """Serve a state built elsewhere (the rebuild command)."""
        with self._lock:
            self._state = state

    def reset(self) -> None:
        """Forget everything (tests wipe the database between cases)."""
        with self._lock:
            self._state = None


def live(app: Any) -> LiveMatching:
    """The app's matching state, created on first use."""
    state = app.extensions.get("matching")
    if state is None:
        state = app.extensions["matching"] = LiveMatching(app.config["SEED_DIR"] / "matching")
    return state
