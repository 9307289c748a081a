"""What a matcher serves: the engine for a vocabulary and one index per side, built from the
listings' stored features as of one database snapshot."""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from app.matching import Engine, Features, Index, Tokenizer
from app.matching.synonyms import load_synonyms
from app.matching.topics import Topics
from app.matching.weights import load_weights
from app.models import (
    Capability,
    ListingStatus,
    RerankerModel,
    Scenario,
    VocabularyEntry,
    VocabularyKind,
)
from app.models.base import utcnow
from app.recommendations.documents import document

logger = logging.getLogger(__name__)

SIDES: dict[str, type[Scenario] | type[Capability]] = {
    "scenario": Scenario,
    "capability": Capability,
}
OTHER_SIDE = {"scenario": "capability", "capability": "scenario"}
Progress = Callable[[int, int], None]
STREAM_ROWS = 2_000  # stored features are streamed: a city's listings never sit in memory as rows
ENGINES_KEPT = 3  # engines of recent vocabularies kept per process (each holds a jieba dictionary)


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

    @property
    def tokens_fingerprint(self) -> str:
        """Changes whenever tokenisation changes (words and synonym members, not the model)."""
        return Vocabulary(self.words, self.groups, None).fingerprint


@dataclass
class Served:
    """One complete matching state: replaced whole, never half-built.

    The indexes take listings added and removed through the feed (under their own locks);
    everything else is fixed for the life of the state.
    """

    engine: Engine
    indexes: dict[str, Index]
    vocabulary: Vocabulary
    version: str  # the index artifact's version, or db-… for a state built from the database
    built_at: datetime
    artifact_id: int | None = None

    def counts(self) -> dict[str, int]:
        """Listings indexed per side."""
        return {side: len(index) for side, index in self.indexes.items()}


def read_vocabulary(session: Session, with_model: bool = True) -> Vocabulary:
    """The administrators' words and synonym groups, and the active model's parameters."""
    entries = session.execute(
        sa.select(VocabularyEntry.kind, VocabularyEntry.text).order_by(VocabularyEntry.id)
    ).all()
    params = None
    if with_model:
        params = session.scalar(
            sa.select(RerankerModel.params).where(RerankerModel.active.is_(True))
        )
    return Vocabulary(
        words=tuple(text for kind, text in entries if kind is VocabularyKind.WORD),
        groups=tuple(text for kind, text in entries if kind is VocabularyKind.SYNONYMS),
        model=params or None,
    )


def build_engine(seed_dir: Path, vocabulary: Vocabulary) -> Engine:
    """An engine from seed/matching plus the administrators' vocabulary and re-ranker."""
    tokenizer = Tokenizer(seed_dir / "dict.txt", seed_dir / "stopwords.txt")
    for word in vocabulary.words:
        tokenizer.add_word(word)
    scorer = None
    if vocabulary.model:
        from app.matching.learn import RerankerModel as LearnedModel  # scikit-learn: lazily

        scorer = LearnedModel.from_json(vocabulary.model).scorer()
    return Engine(
        tokenizer,
        load_weights(seed_dir / "weights.json"),
        load_synonyms(seed_dir, extra=vocabulary.groups),
        scorer=scorer,
    )


class Engines:
    """Engines of recent vocabularies, shared by everything in the process (a jieba
    dictionary each: the web tier's tokenizer and an in-process matcher use one)."""

    def __init__(self) -> None:
        self._items: OrderedDict[tuple[Path, str], Engine] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, seed_dir: Path, vocabulary: Vocabulary) -> Engine:
        """The engine for a vocabulary, built on first use."""
        key = (seed_dir, vocabulary.fingerprint)
        with self._lock:
            engine = self._items.get(key)
            if engine is None:
                started = time.perf_counter()
                engine = self._items[key] = build_engine(seed_dir, vocabulary)
                logger.info("matching engine built in %.2f s", time.perf_counter() - started)
                while len(self._items) > ENGINES_KEPT:
                    self._items.popitem(last=False)
            self._items.move_to_end(key)
            return engine


ENGINES = Engines()


def features_of_row(data: dict[str, Any] | None) -> Features | None:
    """Stored features, or None when missing or written by another FEATURES_VERSION."""
    if not data:
        return None
    try:
        return Features.from_json(data)
    except (ValueError, KeyError, TypeError):
        return None


def load_listings(session: Session, side: str, ids: list[int]) -> dict[int, Scenario | Capability]:
    """Listings by id with what `document` reads loaded (for tokenising stale ones)."""
    model = SIDES[side]
    options = [selectinload(model.tags), selectinload(model.organization)]
    if model is Capability:
        options.append(selectinload(Capability.domains))
    query = sa.select(model).where(model.id.in_(ids)).options(*options)
    # SQLAlchemy's overloads join Scenario | Capability to Base
    rows = cast("sa.ScalarResult[Scenario | Capability]", session.scalars(query))
    return {row.id: row for row in rows}


def published_features(
    session: Session, side: str, engine: Engine
) -> Iterator[tuple[str, Features]]:
    """(id, features) of every published listing of one side, streamed in id order; listings
    without current stored features are tokenised now (not stored: this may be a read) and
    come last."""
    model = SIDES[side]
    query = (
        sa.select(model.id, model.features)
        .where(model.status == ListingStatus.PUBLISHED)
        .order_by(model.id)
        .execution_options(yield_per=STREAM_ROWS)
    )
    stale: list[int] = []
    for listing_id, data in session.execute(query):
        features = features_of_row(data)
        if features is None:
            stale.append(listing_id)
        else:
            yield str(listing_id), features
    for start in range(0, len(stale), STREAM_ROWS):
        rows = load_listings(session, side, stale[start : start + STREAM_ROWS])
        for listing_id in stale[start : start + STREAM_ROWS]:
            if listing_id in rows:
                yield str(listing_id), engine.features(document(rows[listing_id]))


def published_count(session: Session, side: str) -> int:
    """How many listings of one side are published."""
    model = SIDES[side]
    query = sa.select(sa.func.count()).select_from(model)
    return session.scalar(query.where(model.status == ListingStatus.PUBLISHED)) or 0


def _sampled(
    items: Iterator[tuple[str, Features]], wanted: frozenset[int], sample: list[Features]
) -> Iterator[tuple[str, Features]]:
    """The items unchanged; those at `wanted` positions also go to sample."""
    for position, (listing_id, features) in enumerate(items):
        if position in wanted:
            sample.append(features)
        yield listing_id, features


def build_indexes(
    session: Session, engine: Engine, progress: Progress | None = None
) -> dict[str, Index]:
    """Both sides' indexes from the published listings in the session's snapshot, sharing
    one topic space fitted on an even sample of both sides."""
    indexes: dict[str, Index] = {}
    sample: list[Features] = []
    for side in SIDES:
        total = published_count(session, side)
        wanted = frozenset(Topics.sample(total))
        items = _sampled(published_features(session, side, engine), wanted, sample)
        indexes[side] = engine.build_index(items, progress, total=total)
    topics = indexes["scenario"].fit_topics(sample)
    indexes["capability"].use_topics(topics)
    return indexes


def build_from_database(
    session: Session, seed_dir: Path, progress: Progress | None = None
) -> Served:
    """A complete state from the session's snapshot (the caller took the feed position first)."""
    started = time.perf_counter()
    vocabulary = read_vocabulary(session)
    engine = ENGINES.get(seed_dir, vocabulary)
    indexes = build_indexes(session, engine, progress)
    built_at = utcnow()
    version = f"db-{built_at:%Y%m%dT%H%M%S}-{vocabulary.fingerprint[:8]}"
    served = Served(engine, indexes, vocabulary, version, built_at)
    logger.info(
        "matching state built from the database in %.1f s: %s",
        time.perf_counter() - started,
        served.counts(),
    )
    return served
