"""Re-tokenising every listing over forked workers, and the web tier's tokenizer."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy import event

from app.engine_builds.refeaturize import refeaturize_all
from app.extensions import db
from app.models import Capability, ListingStatus, Role, Scenario, SearchDocument, VocabularyEntry
from app.models.matching import VocabularyKind
from app.recommendations.documents import document
from app.recommendations.live import live
from tests.factories import make_capability, make_org, make_scenario


def listings() -> list[Scenario | Capability]:
    publisher, firm = make_org(Role.PUBLISHER), make_org(Role.FIRM)
    rows: list[Scenario | Capability] = []
    for n in range(6):
        status = ListingStatus.PUBLISHED if n % 3 else ListingStatus.DRAFT
        rows.append(make_scenario(publisher, status, title=f"醫院預約掛號第{n}期"))
        rows.append(make_capability(firm, status, title=f"预约挂号系统{n}"))
    return rows


@pytest.mark.commits  # forked worker processes read the listings
def test_every_listing_is_tokenised_again_over_forked_workers(app: Flask) -> None:
    rows = listings()
    versions = {(type(r).__name__, r.id): r.lock_version for r in rows}
    seen: list[tuple[int, int]] = []
    done = refeaturize_all(lambda d, t: seen.append((d, t)), workers=2, min_parallel=0)
    assert done == len(rows)
    assert seen[-1] == (len(rows), len(rows))
    db.session.expire_all()
    engine = live(app).engine()
    for row in rows:
        fresh = db.session.get(type(row), row.id)
        assert fresh.features == engine.features(document(fresh)).to_json()
        # storing tokens is not an edit: nobody's open form turns stale
        assert fresh.lock_version == versions[(type(row).__name__, row.id)]
    documents = db.session.scalars(sa.select(SearchDocument)).all()
    published = {
        (("scenario" if isinstance(r, Scenario) else "capability"), r.id)
        for r in rows
        if r.is_published
    }
    assert {(d.side, d.listing_id) for d in documents} == published
    assert all("医院" in d.title_tokens or "预约挂号" in d.title_tokens for d in documents)


def test_one_process_gives_the_same_tokens(app: Flask) -> None:
    rows = listings()
    refeaturize_all(workers=1)
    db.session.expire_all()
    engine = live(app).engine()
    for row in rows:
        fresh = db.session.get(type(row), row.id)
        assert fresh.features == engine.features(document(fresh)).to_json()


@contextmanager
def counted(application: Flask) -> Iterator[Callable[[], int]]:
    """How many statements the app's database engine runs inside the block."""
    statements = [0]

    def count(*_args: object) -> None:
        statements[0] += 1

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield lambda: statements[0]
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_the_web_tokenizer_checks_the_vocabulary_at_most_every_few_seconds(
    app: Flask, fresh_app: Callable[..., Flask]
) -> None:
    web = fresh_app(MATCHING_VOCABULARY_CHECK_SECONDS=3600.0)
    with web.app_context():
        side = live(web)
        first = side.engine()
        with counted(web) as statements:
            for _ in range(20):
                assert side.engine() is first
            assert statements() == 0  # no round trip per listing saved

        db.session.add(VocabularyEntry(kind=VocabularyKind.WORD, text="桥梁健康监测"))
        db.session.commit()
        assert side.engine() is first  # another process's change: seen within the interval
        side.invalidate()  # as after a change this process made itself
        assert side.engine() is not first
        assert "桥梁健康监测" in side.engine().tokenizer.tokens("桥梁健康监测系统")


def test_listings_whose_tokens_did_not_change_are_not_written_again(app: Flask) -> None:
    listings()
    refeaturize_all(workers=1)
    statements: list[str] = []

    def keep(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        assert refeaturize_all(workers=1) == 12
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    written = [s for s in statements if s.lstrip().upper().startswith(("UPDATE", "INSERT"))]
    assert written == []
