"""Releases are written by the lifecycle, in its transaction, with the content as published
then; nothing unpublished is ever released; contacts are masked; every release is valid."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from app import clock
from app.extensions import db
from app.listings import services
from app.models import ListingRelease, ListingStatus, Role, User
from app.open_data import backfill, schema
from app.open_data.releases import compile_record, history
from tests.factories import make_capability, make_org, make_scenario
from tests.integration.open_data_helpers import (
    owner_of,
    published_capability,
    published_scenario,
    revise,
    submitted,
)


def all_releases() -> list[ListingRelease]:
    return list(db.session.scalars(sa.select(ListingRelease).order_by(ListingRelease.id)))


def assert_valid(releases: list[ListingRelease]) -> None:
    for row in releases:
        assert schema.problems(row.release) == [], row.release


def test_each_lifecycle_step_is_a_release_with_the_content_of_its_time(admin: User) -> None:
    scenario = published_scenario(admin, title="第一版场景名称")
    revise(admin, scenario, title="修改后的场景名称")
    services.close(owner_of(scenario), scenario, "需求已满足")
    db.session.commit()

    rows = history("scenario", scenario.id)
    assert [r.tag for r in rows] == ["publication", "revision", "closing"]
    assert [r.release["scenario"]["title"] for r in rows] == [
        "第一版场景名称",
        "修改后的场景名称",
        "修改后的场景名称",
    ]
    assert [r.release["status"] for r in rows] == ["published", "published", "closed"]
    ocid = f"jnsc-S-{scenario.id}"
    assert [r.release["id"] for r in rows] == [f"{ocid}-1", f"{ocid}-2", f"{ocid}-3"]
    assert all(r.ocid == ocid and r.schema_version == schema.SCHEMA_VERSION for r in rows)
    assert_valid(rows)


def test_withdrawal_and_expiry_of_published_listings_are_releases(admin: User) -> None:
    capability = published_capability(admin)
    services.withdraw(owner_of(capability), capability, "产品下线")
    scenario = published_scenario(admin, deadline=clock.today() + timedelta(days=3))
    db.session.commit()
    services.expire_due(today=clock.today() + timedelta(days=10))
    db.session.commit()
    services.expire_due(today=clock.today() + timedelta(days=11))  # a second sweep adds nothing
    db.session.commit()

    assert [r.tag for r in history("capability", capability.id)] == ["publication", "withdrawal"]
    assert [r.tag for r in history("scenario", scenario.id)] == ["publication", "expiry"]
    assert history("scenario", scenario.id)[-1].release["status"] == "expired"
    assert_valid(all_releases())


def test_nothing_unpublished_is_released(admin: User) -> None:
    org = make_org(Role.PUBLISHER)
    make_scenario(org, ListingStatus.DRAFT)
    pending = submitted(make_scenario(org, ListingStatus.DRAFT))
    rejected = submitted(make_scenario(org, ListingStatus.DRAFT))
    services.reject(admin, rejected, "信息不全")
    services.withdraw(owner_of(pending), pending, "暂不发布")  # withdrawn before publication
    db.session.commit()
    assert all_releases() == []


def test_a_rejected_revision_is_not_released(admin: User) -> None:
    scenario = published_scenario(admin, title="原来的名称")
    services.save(owner_of(scenario), scenario, _renamed(scenario, "被驳回的名称"), None)
    db.session.commit()
    services.reject(admin, scenario, "请补充预算")
    db.session.commit()
    assert [r.tag for r in history("scenario", scenario.id)] == ["publication"]
    assert "被驳回的名称" not in str(all_releases()[0].release)


def _renamed(scenario, title):  # noqa: ANN001, ANN202 - a short local helper
    from app.listing_kinds.versions import input_of

    data = input_of(scenario)
    return type(data)(**{**data.__dict__, "title": title})


def test_contacts_are_masked_as_on_the_public_page(admin: User) -> None:
    scenario = published_scenario(
        admin, contact_phone="13805310001", contact_email="zhang.san@example.com"
    )
    contact = history("scenario", scenario.id)[0].release["scenario"]["contact"]
    assert contact == {"name": "李科长", "phone": "138****0001", "email": "z***@example.com"}
    everything = str([r.release for r in all_releases()])
    assert "13805310001" not in everything
    assert "zhang.san" not in everything


def test_a_rolled_back_change_leaves_no_release(admin: User) -> None:
    scenario = submitted(make_scenario(make_org(Role.PUBLISHER), ListingStatus.DRAFT))
    services.approve(admin, scenario)
    db.session.flush()
    assert len(all_releases()) == 1  # in the transaction …
    db.session.rollback()
    assert all_releases() == []


def test_the_compiled_record_is_the_latest_state(admin: User) -> None:
    capability = published_capability(admin, title="能力第一版")
    revise(admin, capability, title="能力第二版")
    record = compile_record(r.release for r in history("capability", capability.id))
    assert record is not None
    assert [r["tag"] for r in record["releases"]] == [["publication"], ["revision"]]
    assert record["compiledRelease"]["tag"] == ["compiled"]
    assert record["compiledRelease"]["capability"]["title"] == "能力第二版"
    assert schema.problems(record["compiledRelease"]) == []
    assert compile_record([]) is None


def test_backfill_records_listings_published_before_releases_once(admin: User) -> None:
    org = make_org(Role.FIRM)
    published = make_capability(org)  # published directly, as seed data and older rows were
    closed = make_capability(org, ListingStatus.CLOSED, published_at=published.published_at)
    make_capability(org, ListingStatus.DRAFT)
    make_capability(org, ListingStatus.WITHDRAWN)  # its history is unknown: left out
    assert backfill.backfill() == 2
    db.session.commit()
    assert backfill.backfill() == 0
    assert [r.tag for r in history("capability", published.id)] == ["publication"]
    assert [r.tag for r in history("capability", closed.id)] == ["publication", "closing"]
    assert_valid(all_releases())


def test_the_backfill_command(app, admin: User) -> None:  # noqa: ANN001 - the app fixture
    make_scenario(make_org(Role.PUBLISHER))
    result = app.test_cli_runner().invoke(args=["open-data", "backfill"])
    assert result.exit_code == 0, result.output
    assert "1 条" in result.output
    assert len(all_releases()) == 1


@pytest.mark.parametrize("path", ["jnsc-S-1", "jnsc-S-999999", "nonsense", "jnsc-C-0"])
def test_release_records_of_unknown_listings_are_404_problems(
    client: FlaskClient, path: str
) -> None:
    response = client.get(f"/api/v1/releases/{path}")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 404


def test_release_record_endpoint(client: FlaskClient, admin: User) -> None:
    scenario = published_scenario(admin, title="接口中的场景")
    draft = make_scenario(make_org(Role.PUBLISHER), ListingStatus.DRAFT)
    body = client.get(f"/api/v1/releases/jnsc-S-{scenario.id}").get_json()
    assert body["ocid"] == f"jnsc-S-{scenario.id}"
    assert [r["tag"] for r in body["releases"]] == [["publication"]]
    assert body["compiledRelease"]["scenario"]["title"] == "接口中的场景"
    assert client.get(f"/api/v1/releases/jnsc-S-{draft.id}").status_code == 404
