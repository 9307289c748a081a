"""Index artifacts: built once, stored signed and chunked, loaded only when the signature holds."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa
from flask import Flask

from app.engine_builds.maintenance import Built, build_and_publish
from app.extensions import db
from app.matching import Listing
from app.models import IndexArtifact, IndexArtifactChunk, MatchChange, Role
from app.recommendations import artifacts
from app.recommendations.matcher import Matcher
from tests.factories import make_capability, make_org, make_scenario

QUERY = Listing(id="q", title="道路裂缝识别", description="车载视频识别道路坑槽裂缝，北斗定位。")


def market() -> None:
    """A few published listings of each side."""
    publisher, firm = make_org(Role.PUBLISHER), make_org(Role.FIRM)
    for n, (title, text) in enumerate(
        [
            ("道路病害巡检", "车载视频识别坑槽裂缝，北斗定位，病害台账。"),
            ("医院预约挂号", "分时段预约，号源共享，就诊排队缩短。"),
            ("校园食堂监管", "明厨亮灶视频，食材溯源，留样记录。"),
        ]
    ):
        make_scenario(publisher, title=f"{title}难题{n}", description=text, needs=text)
        make_capability(firm, title=f"{title}系统{n}", description=text, keywords=title)


def ranked(matcher_or_state: object, side: str = "scenario") -> list[tuple[str, float]]:
    """What a state ranks for the query (ids and scores)."""
    state = matcher_or_state
    engine, indexes = state.engine, state.indexes  # type: ignore[attr-defined]
    other = "capability" if side == "scenario" else "scenario"
    return [(m.id, m.score) for m in engine.search(indexes[other], QUERY, 5)]


def reader(app: Flask, secret: str | None = None) -> Matcher:
    """A matcher of its own (another process)."""
    return Matcher(
        db.engine, app.config["SEED_DIR"] / "matching", secret or app.config["SECRET_KEY"]
    )


def publish(app: Flask) -> Built:
    built = build_and_publish(app, refeaturize=False)
    db.session.expire_all()
    return built


def test_an_artifact_round_trips_and_is_named_by_the_feed(app: Flask) -> None:
    market()
    built = publish(app)
    row = db.session.get(IndexArtifact, built.artifact.id)
    assert (row.scenarios, row.capabilities) == (3, 3)
    assert row.size > 0
    assert len(row.sha256) == len(row.hmac) == 64
    engine_row = db.session.scalar(sa.select(MatchChange).where(MatchChange.side == "engine"))
    assert engine_row.artifact_id == row.id

    loaded = artifacts.load(
        db.session, row, app.config["SEED_DIR"] / "matching", app.config["SECRET_KEY"]
    )
    assert loaded.version == row.version == built.served.version
    assert loaded.counts() == {"scenario": 3, "capability": 3}
    assert ranked(loaded) == ranked(built.served)
    assert loaded.indexes["capability"].topics is loaded.indexes["scenario"].topics  # shared

    matcher = reader(app)
    matcher.follow()  # starts from the newest artifact, not from the database
    assert matcher.served().version == row.version
    assert ranked(matcher.served()) == ranked(built.served)


def test_large_artifacts_are_stored_in_chunks(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    market()
    monkeypatch.setattr(artifacts, "CHUNK_BYTES", 4096)
    built = publish(app)
    chunks = db.session.scalar(
        sa.select(sa.func.count()).where(IndexArtifactChunk.artifact_id == built.artifact.id)
    )
    assert chunks == -(-built.artifact.size // 4096)
    matcher = reader(app)
    matcher.follow()
    assert ranked(matcher.served()) == ranked(built.served)


def tamper_bytes(artifact_id: int) -> None:
    chunk = db.session.scalar(
        sa.select(IndexArtifactChunk).where(IndexArtifactChunk.artifact_id == artifact_id)
    )
    data = bytearray(chunk.data)
    data[len(data) // 2] ^= 0xFF
    chunk.data = bytes(data)
    db.session.commit()


def no_unpickling(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if anything is unpickled."""

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("unpickled before the signature was checked")

    monkeypatch.setattr(artifacts.pickle, "load", refuse)


@pytest.mark.parametrize(
    "tamper",
    ["bytes", "metadata", "key"],
)
def test_a_tampered_artifact_is_refused_before_unpickling_and_the_state_built_from_the_database(
    app: Flask, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, tamper: str
) -> None:
    market()
    built = publish(app)
    row = db.session.get(IndexArtifact, built.artifact.id)
    secret = app.config["SECRET_KEY"]
    if tamper == "bytes":
        tamper_bytes(row.id)
    elif tamper == "metadata":
        row.feed_cursor += 1000  # a cursor past changes the matcher would then skip
        db.session.commit()
    else:
        secret = "another-deployment-secret-key-0000000000"  # signed by someone else

    with monkeypatch.context() as patch:
        no_unpickling(patch)
        with pytest.raises(artifacts.ArtifactRefused):
            artifacts.load(db.session, row, app.config["SEED_DIR"] / "matching", secret)

    matcher = reader(app, secret)
    with caplog.at_level(logging.ERROR, logger="app.recommendations.matcher"):
        matcher.follow()
    assert f"index artifact {row.version} refused" in caplog.text
    served = matcher.served()
    assert served.artifact_id is None
    assert served.version.startswith("db-")  # built from the database instead
    assert ranked(served) == ranked(built.served)


def test_only_the_newest_artifacts_are_kept(app: Flask) -> None:
    market()
    ids = [publish(app).artifact.id for _ in range(artifacts.KEEP + 1)]
    kept = db.session.scalars(sa.select(IndexArtifact.id).order_by(IndexArtifact.id)).all()
    assert kept == ids[1:]
    orphans = sa.select(sa.func.count()).where(IndexArtifactChunk.artifact_id == ids[0])
    assert db.session.scalar(orphans) == 0


def test_an_artifact_from_other_code_is_not_chosen_at_start_up(app: Flask) -> None:
    market()
    built = publish(app)
    row = db.session.get(IndexArtifact, built.artifact.id)
    row.features_version -= 1  # tokenised by an older engine
    db.session.commit()
    assert artifacts.newest(db.session) is None
    matcher = reader(app)
    matcher.follow()
    assert matcher.served().version.startswith("db-")
