"""Re-tokenising every listing with the current vocabulary, over every core, in bounded memory.

The listings' ids are split into chunks; forked workers (sharing the parent's loaded jieba
dictionary) each take a chunk at a time, load those listings, tokenise them, store their
matching features and, for published ones, their search tokens, and commit. Each worker
drops the database connections it inherited and opens its own. Memory per process is one
chunk of listings, whatever the number of listings.
"""

from __future__ import annotations

import logging
import multiprocessing
import time
from collections.abc import Sequence
from typing import Any, cast

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session, selectinload

from app.extensions import db
from app.matching import Engine
from app.matching.parallel import die_on_sigterm, workers_available
from app.models import Capability, ListingStatus, Scenario, SearchDocument
from app.recommendations.documents import document
from app.recommendations.state import ENGINES, SIDES, Progress, read_vocabulary
from app.search.documents import store_document

logger = logging.getLogger(__name__)

CHUNK = 500  # listings per chunk: one transaction, the most any worker holds at once
MIN_PARALLEL = 4_000  # below this many listings, forking costs more than it saves
_WORK: tuple[Any, Engine] | None = None  # (app, engine), inherited by the forked workers

Job = tuple[str, list[int]]


def refeaturize_all(
    progress: Progress | None = None,
    workers: int | None = None,
    min_parallel: int = MIN_PARALLEL,
) -> int:
    """Tokenise every listing again with the current vocabulary and store the result: the
    matching features of every listing and the search tokens of the published ones (each
    chunk committed). Returns how many listings were done."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    started = time.perf_counter()
    with Session(db.engine) as session:
        vocabulary = read_vocabulary(session, with_model=False)
        jobs = [
            (side, ids[start : start + CHUNK])
            for side, model in SIDES.items()
            for ids in [list(session.scalars(sa.select(model.id).order_by(model.id)))]
            for start in range(0, len(ids), CHUNK)
        ]
    engine = ENGINES.get(app.config["SEED_DIR"] / "matching", vocabulary)  # before any fork
    total = sum(len(ids) for _, ids in jobs)
    workers = workers or workers_available()
    can_fork = "fork" in multiprocessing.get_all_start_methods()
    if workers < 2 or total < min_parallel or not can_fork:
        done = 0
        for side, ids in jobs:
            done += _featurize(db.engine, engine, side, ids)
            _report(progress, done, total)
    else:
        _in_workers(app, engine, jobs, workers, progress, total)
    logger.info(
        "%d listings tokenised in %.1f s (%d processes)",
        total,
        time.perf_counter() - started,
        workers,
    )
    return total


def _in_workers(
    app: Any,
    engine: Engine,
    jobs: Sequence[Job],
    workers: int,
    progress: Progress | None,
    total: int,
) -> None:
    global _WORK
    _WORK = (app, engine)
    try:
        pool = multiprocessing.get_context("fork").Pool(workers, initializer=_worker_start)
        try:
            done = 0
            for count in pool.imap_unordered(_worker_chunk, jobs):
                done += count
                _report(progress, done, total)
            pool.close()  # workers finish and exit on their own
        except BaseException:
            pool.terminate()
            raise
        finally:
            pool.join()
    finally:
        _WORK = None


def _worker_start() -> None:
    """In a forked worker: forget the parent's pooled connections (never close them), and
    end on SIGTERM (a failure terminates the pool)."""
    die_on_sigterm()
    assert _WORK is not None  # noqa: S101 -- set before the fork
    app, _engine = _WORK
    with app.app_context():
        db.engine.dispose(close=False)


def _worker_chunk(job: Job) -> int:
    assert _WORK is not None  # noqa: S101 -- set before the fork
    app, engine = _WORK
    side, ids = job
    with app.app_context():
        return _featurize(db.engine, engine, side, ids)


def _featurize(db_engine: sa.Engine, engine: Engine, side: str, ids: list[int]) -> int:
    """Tokenise one chunk of listings and store the results in one transaction."""
    model = SIDES[side]
    options = [selectinload(model.tags), selectinload(model.organization)]
    if model is Capability:
        options += [selectinload(Capability.domains), selectinload(Capability.cases)]
    with Session(db_engine) as session, session.no_autoflush:
        query = sa.select(model).where(model.id.in_(ids)).options(*options)
        # SQLAlchemy's overloads join Scenario | Capability to Base
        rows = cast("Sequence[Scenario | Capability]", session.scalars(query).all())
        # the chunk's stored search documents, held (the identity map keeps rows weakly):
        # storing one then needs no query
        stored = session.scalars(
            sa.select(SearchDocument).where(
                SearchDocument.side == side, SearchDocument.listing_id.in_(ids)
            )
        ).all()
        loaded = _Loaded(session)
        features = []
        for row in rows:
            # the engine's featurizer, not its cache: every listing is seen once here
            cut = engine.featurizer.features(document(row)).to_json()
            if cut != row.features:  # a new word changes few listings: write only those
                features.append({"pk": row.id, "f": cut})
            if row.status is ListingStatus.PUBLISHED:
                store_document(loaded, row, engine.tokenizer)  # type: ignore[arg-type]
        del stored
        table = cast("sa.Table", model.__table__)  # a mapped class's __table__ is its Table
        # Core UPDATE: the listings' optimistic-lock versions are left alone (tokens are not
        # an edit), and one statement covers the chunk
        update = (
            sa.update(table)
            .where(table.c.id == sa.bindparam("pk"))
            .values(features=sa.bindparam("f", type_=table.c.features.type))
        )
        if features:
            session.execute(update, features)
        session.commit()
    return len(ids)


class _Loaded:
    """The chunk's session as handed to store_document: every stored search document of the
    chunk is loaded, so merging one that is not loaded adds it (no SELECT to find it
    missing); anything else goes to the session itself."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def merge(self, instance: Any, **kwargs: Any) -> Any:
        """Session.merge, without the query for a row known not to exist."""
        key = sa.inspect(type(instance)).identity_key_from_instance(instance)
        if key in self._session.identity_map:
            return self._session.merge(instance, **kwargs)
        self._session.add(instance)
        return instance

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)


def _report(progress: Progress | None, done: int, total: int) -> None:
    if progress is not None:
        progress(done, total)
