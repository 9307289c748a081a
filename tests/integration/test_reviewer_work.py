"""Reviewers are told about the work that waits for them, in the site and in the daily
digest e-mail; queued pairs are coalesced (issue 12)."""

from __future__ import annotations

import sqlalchemy as sa
from flask.testing import FlaskClient

from app.extensions import db
from app.models import (
    ListingStatus,
    Notification,
    OrgStatus,
    OutboundEmail,
    OutboxStatus,
    Recommendation,
    Role,
    User,
)
from app.notifications import outbox
from tests.conftest import login
from tests.factories import make_capability, make_org, make_scenario, make_user


def _told(user: User, kind: str) -> list[Notification]:
    query = sa.select(Notification).where(
        Notification.user_id == user.id, Notification.kind == kind
    )
    return list(db.session.scalars(query.order_by(Notification.id)))


def test_every_reviewer_is_told_of_a_new_registration_and_it_waits_for_the_digest(
    admin: User, publisher: User
) -> None:
    second = make_user(None, Role.REVIEWER)
    make_org(Role.FIRM, OrgStatus.PENDING, name="新注册的数字企业")
    for reviewer in (admin, second):
        (note,) = _told(reviewer, "registration_received")
        assert note.title == "新单位注册待审核：新注册的数字企业"
        assert note.link == "/review/organizations"
    assert _told(publisher, "registration_received") == []
    mails = db.session.scalars(
        sa.select(OutboundEmail).where(OutboundEmail.kind == "registration_received")
    ).all()
    assert {m.user_id for m in mails} == {admin.id, second.id}
    assert {m.status for m in mails} == {OutboxStatus.HELD}  # one digest a day, not a mail each
    assert outbox.digest() == 2
    db.session.commit()
    digests = db.session.scalars(sa.select(OutboundEmail).where(OutboundEmail.kind == "digest"))
    assert all("新注册的数字企业" in m.body for m in digests)


def test_a_submission_tells_the_reviewers_with_a_link_to_the_queue(
    client: FlaskClient, admin: User, publisher: User
) -> None:
    draft = make_scenario(publisher.organization, ListingStatus.DRAFT, title="待提交的场景")
    login(client, publisher)
    client.post(f"/my/scenarios/{draft.id}/submit")
    (note,) = _told(admin, "submission_received")
    assert note.title == "新场景待审核：待提交的场景"
    assert note.link == "/review/listings?kind=scenario"
    login(client, admin)
    page = client.get("/notifications/").get_data(as_text=True)
    assert "新场景待审核：待提交的场景" in page


def test_queued_pairs_make_one_notification_not_one_per_pair(
    admin: User, publisher: User, firm: User
) -> None:
    capability = make_capability(firm.organization)
    scenarios = [make_scenario(publisher.organization, title=f"场景{i}") for i in range(5)]
    for scenario in scenarios[:4]:
        db.session.add(Recommendation(scenario=scenario, capability=capability, score=0.9))
    db.session.commit()
    (note,) = _told(admin, "matches_queued")
    assert note.title == "有新的推荐匹配待审核（新增 4 对）"
    assert note.link == "/review/matches"
    # still unread: a later batch adds no second notification
    db.session.add(Recommendation(scenario=scenarios[4], capability=capability, score=0.9))
    db.session.commit()
    assert len(_told(admin, "matches_queued")) == 1


def test_only_reviewers_are_offered_the_reviewers_kinds_in_their_settings(
    client: FlaskClient, admin: User, publisher: User
) -> None:
    login(client, admin)
    assert "新单位注册待审核" in client.get("/notifications/settings").get_data(as_text=True)
    login(client, publisher)
    assert "新单位注册待审核" not in client.get("/notifications/settings").get_data(as_text=True)


def test_the_registration_use_case_tells_the_reviewers(admin: User) -> None:
    from app.auth.services import Registration, register

    register(
        Registration(
            role=Role.PUBLISHER,
            org_name="济南市某区数据局",
            org_kind="政府部门",
            uscc=None,
            district="历下区",
            is_local=True,
            intro="",
            contact_phone="13905310000",
            name="赵科长",
            email="zhao@example.gov.cn",
            password="Jinan-Register-2026",
        )
    )
    db.session.commit()
    (note,) = _told(admin, "registration_received")
    assert note.title == "新单位注册待审核：济南市某区数据局"
