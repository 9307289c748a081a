"""Users are told in the site when something concerns them, and only they see their list."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from app.extensions import db
from app.models import ListingStatus, Notification, Role, User
from app.notifications import services
from tests.conftest import login
from tests.factories import make_org, make_scenario, make_user


def titles(user: User) -> list[str]:
    return list(
        db.session.scalars(sa.select(Notification.title).where(Notification.user_id == user.id))
    )


def test_approving_a_listing_tells_every_user_of_the_owner(
    client: FlaskClient, admin: User
) -> None:
    org = make_org(Role.PUBLISHER)
    first, second = make_user(org), make_user(org)
    scenario = make_scenario(org, status=ListingStatus.PENDING, title="智慧停车诱导")
    login(client, admin)
    client.post(f"/review/scenarios/{scenario.id}/decide", data={"decision": "approve"})
    assert titles(first) == ["“智慧停车诱导”已审核通过并发布。"]
    assert titles(second) == titles(first)
    assert titles(admin) == []


def test_a_rejection_notice_carries_the_reason_and_links_to_the_edit_page(
    client: FlaskClient, admin: User, publisher: User
) -> None:
    scenario = make_scenario(publisher.organization, status=ListingStatus.PENDING)
    login(client, admin)
    client.post(
        f"/review/scenarios/{scenario.id}/decide",
        data={"decision": "reject", "reason": "预算不明确"},
    )
    notice = db.session.scalar(sa.select(Notification).where(Notification.user_id == publisher.id))
    assert notice.body == "驳回原因：预算不明确"
    assert notice.link == f"/my/scenarios/{scenario.id}/edit"


def test_the_header_shows_the_unread_count_and_opening_marks_read(
    client: FlaskClient, publisher: User
) -> None:
    services.notify([publisher], "listing_reviewed", "第一条", "/scenarios")
    services.notify([publisher], "listing_reviewed", "第二条")
    db.session.commit()
    login(client, publisher)
    page = client.get("/notifications/").get_data(as_text=True)
    assert 'data-testid="unread-count">2<' in page
    assert page.index("第二条") < page.index("第一条")  # newest first
    first = db.session.scalar(sa.select(Notification).where(Notification.title == "第一条"))
    response = client.post(f"/notifications/{first.id}/open")
    assert response.headers["Location"] == "/scenarios"
    assert services.unread_count(publisher) == 1
    client.post("/notifications/read-all")
    assert services.unread_count(publisher) == 0
    assert 'data-testid="unread-count"' not in client.get("/notifications/").get_data(as_text=True)


def test_another_users_notification_cannot_be_opened(
    client: FlaskClient, publisher: User, firm: User
) -> None:
    services.notify([firm], "listing_reviewed", "企业的消息")
    db.session.commit()
    notice = db.session.scalar(sa.select(Notification))
    login(client, publisher)
    assert client.post(f"/notifications/{notice.id}/open").status_code == 404
    assert "企业的消息" not in client.get("/notifications/").get_data(as_text=True)
    assert services.unread_count(firm) == 1


def test_anonymous_visitors_are_sent_to_sign_in(client: FlaskClient) -> None:
    response = client.get("/notifications/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


def test_the_empty_list_says_what_will_arrive(client: FlaskClient, firm: User) -> None:
    login(client, firm)
    assert "暂无消息" in client.get("/notifications/").get_data(as_text=True)


def test_inactive_users_and_external_links_are_refused(publisher: User) -> None:
    asleep = make_user(publisher.organization, active=False)
    assert services.notify([publisher, asleep, publisher], "listing_reviewed", "一次") == 1
    with pytest.raises(ValueError, match="site-relative"):
        services.notify([publisher], "listing_reviewed", "外链", "https://example.com/")
    with pytest.raises(ValueError, match="unknown notification kind"):
        services.notify([publisher], "no_such_kind", "x")
