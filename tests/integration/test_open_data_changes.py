"""The change feed /api/v1/changes: every release once, in commit-safe order, even when a
later id commits first (PostgreSQL, two real sessions); malformed cursors are 400 problems."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import ListingRelease
from app.models.base import utcnow
from app.open_data import changes, schema
from app.open_data.releases import iso
from app.open_data.schema import DOCS

# the feed orders releases by the transactions that committed them, and two sessions race
pytestmark = pytest.mark.commits


def postgresql_only() -> None:
    """Skip where transactions cannot interleave their commits."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: ids commit in order there")


@pytest.fixture
def sessions() -> Iterator[tuple[Session, Session]]:
    """Two independent database sessions (two web workers), closed afterwards."""
    first, second = Session(db.engine), Session(db.engine)
    yield first, second
    first.close()
    second.close()


def add_release(session: Session, listing_id: int, number: int = 1) -> int:
    """A release row written in the session's transaction (flushed, not committed)."""
    body = json.loads((DOCS / "example-release.json").read_text(encoding="utf-8"))
    ocid = f"jnsc-S-{listing_id}"
    body.update(ocid=ocid, id=f"{ocid}-{number}", date=iso(utcnow()))
    row = ListingRelease(
        ocid=ocid,
        kind="scenario",
        listing_id=listing_id,
        number=number,
        tag="revision",
        schema_version=schema.SCHEMA_VERSION,
        release=body,
    )
    session.add(row)
    session.flush()
    return row.id


def read(client: FlaskClient, since: str | None = None, limit: int = 100) -> dict[str, Any]:
    query: dict[str, Any] = {"limit": limit}
    if since is not None:
        query["since"] = since
    response = client.get("/api/v1/changes", query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def ids(page: dict[str, Any]) -> list[str]:
    return [item["releaseId"] for item in page["items"]]


def test_a_release_committed_after_a_later_one_is_not_skipped(
    client: FlaskClient, sessions: tuple[Session, Session]
) -> None:
    postgresql_only()
    first, second = sessions
    early = add_release(first, 1)  # the smaller id, its transaction still open
    late = add_release(second, 2)
    second.commit()  # the larger id commits first
    assert early < late

    page = read(client)
    assert ids(page) == ["jnsc-S-2-1"]
    first.commit()
    page = read(client, page["next_cursor"])
    assert ids(page) == ["jnsc-S-1-1"]  # not skipped
    assert ids(read(client, page["next_cursor"])) == []  # and each once


def test_a_transaction_split_over_pages_is_finished_before_others(
    client: FlaskClient, sessions: tuple[Session, Session]
) -> None:
    postgresql_only()
    first, second = sessions
    for number in (1, 2, 3):
        add_release(first, 7, number)
    first.commit()
    add_release(second, 8)
    second.commit()
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        page = read(client, cursor, limit=2)
        seen += ids(page)
        cursor = page["next_cursor"]
        if not page["more"]:
            break
    assert seen == ["jnsc-S-7-1", "jnsc-S-7-2", "jnsc-S-7-3", "jnsc-S-8-1"]
    assert ids(read(client, cursor)) == []


def test_pages_give_every_release_once_in_order(client: FlaskClient) -> None:
    for listing_id in range(1, 6):
        add_release(db.session(), listing_id)
        db.session.commit()
    seen: list[str] = []
    page = read(client, limit=2)
    seen += ids(page)
    while page["more"]:
        page = read(client, page["next_cursor"], limit=2)
        seen += ids(page)
    assert seen == [f"jnsc-S-{n}-1" for n in range(1, 6)]
    assert page["next"].startswith("http://localhost/api/v1/changes?since=")
    add_release(db.session(), 9)
    db.session.commit()
    assert ids(read(client, page["next_cursor"])) == ["jnsc-S-9-1"]  # only what is new


def test_the_feed_serves_valid_releases_with_links(client: FlaskClient) -> None:
    add_release(db.session(), 3)
    db.session.commit()
    item = read(client)["items"][0]
    assert item["url"] == "http://localhost/api/v1/releases/jnsc-S-3"
    assert item["tag"] == "revision"
    assert item["kind"] == "scenario"
    assert schema.problems(item["release"]) == []


def _b64(value: Any) -> str:
    raw = json.dumps(value).encode()
    return "c1." + base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "since",
    [
        "garbage",
        "c1.",
        "c1.!!!not-base64",
        "c1." + base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        _b64({"mark": 1}),
        _b64([1, [], []][:2]),
        _b64([-1, [], []]),
        _b64([1.5, [], []]),
        _b64(["1", [], []]),
        _b64([True, [], []]),
        _b64([1, [3, 2], []]),  # not in order
        _b64([1, [2, 2], []]),  # repeated
        _b64([1, [], [5]]),
        _b64([1, [], [5, -1]]),
        _b64([2**63, [], []]),
        _b64([1, list(range(changes.MAX_SEEN + 1)), []]),
        "c1." + "A" * 50_000,
    ],
)
def test_a_malformed_cursor_is_a_400_problem(client: FlaskClient, since: str) -> None:
    response = client.get("/api/v1/changes", query_string={"since": since})
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == 400
    assert "since" in body["detail"]


@pytest.mark.parametrize("limit", ["0", "501", "abc", "-1"])
def test_a_bad_limit_is_refused_not_a_server_error(client: FlaskClient, limit: str) -> None:
    response = client.get("/api/v1/changes", query_string={"limit": limit})
    # 422 from flask-smorest until app.api (issue-13a) turns validation errors into 400 problems
    assert response.status_code in (400, 422)


def test_cursors_round_trip() -> None:
    cursor = changes.Cursor(100, (100, 105, 200), (300, 7))
    assert changes.decode(changes.encode(cursor)) == cursor
    assert changes.decode(changes.encode(changes.Cursor())) == changes.Cursor()


def test_the_feed_waits_rather_than_give_a_cursor_too_long(
    client: FlaskClient, sessions: tuple[Session, Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    postgresql_only()
    monkeypatch.setattr(changes, "MAX_SEEN", 2)
    first, second = sessions
    add_release(first, 1)  # an old transaction stays open
    for listing_id in (2, 3, 4):
        add_release(second, listing_id)
        second.commit()  # three transactions commit behind it
    page = read(client)
    assert ids(page) == []  # delivering them would need a cursor naming three
    first.commit()
    # the horizon is the whole cluster's: another database's transaction may hold it too, so
    # the limit goes back to its real size rather than rely on the horizon having moved
    monkeypatch.setattr(changes, "MAX_SEEN", 2000)
    assert ids(read(client, page["next_cursor"])) == [f"jnsc-S-{n}-1" for n in (1, 2, 3, 4)]
