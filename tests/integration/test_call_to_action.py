"""A visitor who is not signed in is offered 登录后揭榜 on an open scenario (issue 12)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient

from app import clock
from app.models import ListingStatus, User
from tests.factories import PASSWORD, make_scenario

# deadlines, "today" and publication dates hold still (see FROZEN_AT)
pytestmark = pytest.mark.usefixtures("frozen_clock")


def test_an_anonymous_visitor_is_offered_sign_in_back_to_an_open_scenario(
    client: FlaskClient, publisher: User, firm: User
) -> None:
    scenario = make_scenario(publisher.organization)
    page = client.get(f"/scenarios/{scenario.id}").get_data(as_text=True)
    assert 'data-testid="login-to-apply"' in page
    assert "登录后揭榜" in page
    href = page.split('data-testid="login-to-apply"')[1].split('href="')[1].split('"')[0]
    target = urlsplit(href.replace("&amp;", "&"))
    assert target.path == "/auth/login"
    (back,) = parse_qs(target.query)["next"]
    assert back == f"/scenarios/{scenario.id}"
    # signing in there brings the firm back to the scenario, where it may apply
    response = client.post(
        "/auth/login", data={"email": firm.email, "password": PASSWORD, "next": back}
    )
    assert response.headers["Location"] == back
    signed_in = client.get(back).get_data(as_text=True)
    assert "登录后揭榜" not in signed_in
    assert "揭榜/申请对接" in signed_in


def test_no_button_on_a_closed_or_expired_scenario(client: FlaskClient, publisher: User) -> None:
    closed = make_scenario(publisher.organization, ListingStatus.CLOSED, published_at=clock.now())
    expired = make_scenario(publisher.organization, deadline=clock.today() - timedelta(days=1))
    for scenario in (closed, expired):
        response = client.get(f"/scenarios/{scenario.id}")
        assert "登录后揭榜" not in response.get_data(as_text=True)
