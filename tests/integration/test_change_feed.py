"""The change feed never skips a committed change, whatever order transactions commit in."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import Capability, ListingStatus, MatchChange, Role
from app.models.base import utcnow
from app.recommendations import feed
from app.recommendations.matcher import Matcher
from tests.factories import make_capability, make_org, make_scenario

# the feed orders changes by the transactions that committed them, and two sessions race
pytestmark = pytest.mark.commits

SQLITE_IN_ORDER = (
    "SQLite has one writer at a time, so ids commit in the order they are allocated: "
    "a later id can never commit first there"
)


def postgresql_only() -> None:
    """Skip where transactions cannot interleave their commits."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip(SQLITE_IN_ORDER)


@pytest.fixture
def sessions() -> Iterator[tuple[Session, Session]]:
    """Two independent database sessions (two web workers), closed afterwards."""
    first, second = Session(db.engine), Session(db.engine)
    yield first, second
    first.close()
    second.close()


def publish(session: Session, capability_id: int) -> int:
    """Publish a capability and record its feed row in the session's transaction (flushed,
    not committed); return the feed row's id."""
    row = session.get(Capability, capability_id)
    row.status = ListingStatus.PUBLISHED
    row.published_at = utcnow()
    change = MatchChange(side="capability", listing_id=capability_id, op="upsert")
    session.add(change)
    session.flush()
    return change.id


def reader(app: Flask) -> Matcher:
    """A matcher of its own, as another process would hold one."""
    return Matcher(db.engine, app.config["SEED_DIR"] / "matching", app.config["SECRET_KEY"])


def test_a_change_committed_after_a_later_one_is_still_applied(
    app: Flask, sessions: tuple[Session, Session]
) -> None:
    postgresql_only()
    make_scenario(make_org(Role.PUBLISHER))
    firm = make_org(Role.FIRM)
    early = make_capability(firm, ListingStatus.PENDING, title="先分配编号后提交的能力")
    late = make_capability(firm, ListingStatus.PENDING, title="后分配编号先提交的能力")
    matcher = reader(app)
    matcher.follow()  # built from the database: neither is published yet
    first, second = sessions

    early_change = publish(first, early.id)  # the smaller id, its transaction still open
    late_change = publish(second, late.id)
    second.commit()  # the larger id commits first
    assert early_change < late_change
    matcher.follow()  # reads while the earlier id is not committed
    index = matcher.served().indexes["capability"]
    assert str(late.id) in index
    assert str(early.id) not in index
    # following "every id above the last one seen" would now look only above late_change:
    above = sa.select(MatchChange.id).where(MatchChange.id > late_change)
    first.commit()
    assert db.session.scalars(above).all() == []  # … and never see early_change

    matcher.follow()
    assert str(early.id) in matcher.served().indexes["capability"]  # not skipped
    assert matcher.behind() == 0


def test_a_reader_applies_each_change_once_while_an_older_transaction_is_open(
    sessions: tuple[Session, Session],
) -> None:
    postgresql_only()
    first, second = sessions
    with feed.snapshot(db.engine) as session:
        position = feed.start(session)
    feed.record(first, "capability", 1, "upsert")
    first.flush()  # an open transaction with an id: readers' positions stay behind it
    feed.record(second, "capability", 2, "upsert")
    second.commit()

    with feed.snapshot(db.engine) as session:
        changes, position = feed.read(session, position)
    assert [c.listing_id for c in changes] == [2]
    with feed.snapshot(db.engine) as session:
        again, position = feed.read(session, position)
    assert again == []  # read again (its transaction is above the position), applied once

    first.commit()
    with feed.snapshot(db.engine) as session:
        changes, position = feed.read(session, position)
    assert [c.listing_id for c in changes] == [1]
    with feed.snapshot(db.engine) as session:
        assert feed.read(session, position)[0] == []


def test_changes_are_read_in_order_and_once(sessions: tuple[Session, Session]) -> None:
    first, second = sessions
    with feed.snapshot(db.engine) as session:
        position = feed.start(session)
    for listing_id in (1, 2):
        feed.record(first, "scenario", listing_id, "upsert")
        first.commit()
    feed.record(second, "capability", 3, "remove")
    second.commit()
    with feed.snapshot(db.engine) as session:
        changes, position = feed.read(session, position)
    assert [(c.side, c.listing_id, c.op) for c in changes] == [
        ("scenario", 1, "upsert"),
        ("scenario", 2, "upsert"),
        ("capability", 3, "remove"),
    ]
    with feed.snapshot(db.engine) as session:
        assert feed.read(session, position)[0] == []
        assert feed.pending(session, position) == 0


def test_feed_rows_record_the_transaction_that_wrote_them() -> None:
    feed.record(db.session, "scenario", 1, "upsert")
    feed.record(db.session, "scenario", 2, "upsert")
    db.session.flush()
    if db.engine.dialect.name == "postgresql":
        current = db.session.scalar(sa.text("SELECT pg_current_xact_id()::text::bigint"))
        assert set(db.session.scalars(sa.select(MatchChange.xact))) == {current}
    else:
        assert set(db.session.scalars(sa.select(MatchChange.xact))) == {None}  # by id there
    db.session.commit()


def test_old_feed_rows_are_pruned_and_a_reader_that_far_behind_starts_again(app: Flask) -> None:
    now = utcnow()
    db.session.add_all(
        [
            MatchChange(
                side="scenario", listing_id=1, op="upsert", created_at=now - timedelta(days=9)
            ),
            MatchChange(
                side="scenario", listing_id=2, op="upsert", created_at=now - timedelta(days=2)
            ),
        ]
    )
    db.session.commit()
    with pytest.raises(ValueError, match="at least one day"):
        feed.prune(db.session, 0)
    assert feed.prune(db.session, 7, now=now) == 1
    db.session.commit()
    assert db.session.scalars(sa.select(MatchChange.listing_id)).all() == [2]

    matcher = reader(app)
    matcher.follow()
    first = matcher.served()
    matcher._read_at = now - timedelta(days=8)  # it has not read the feed for longer than kept
    matcher.follow()
    assert matcher.served() is not first  # rows it needed may be gone: it started again


def test_the_prune_command_keeps_the_configured_days(app: Flask) -> None:
    db.session.add(
        MatchChange(
            side="scenario", listing_id=1, op="upsert", created_at=utcnow() - timedelta(days=30)
        )
    )
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["match", "prune-feed"])
    assert result.exit_code == 0, result.output
    assert "已删除 1 条" in result.output
    assert db.session.scalar(sa.select(sa.func.count(MatchChange.id))) == 0
