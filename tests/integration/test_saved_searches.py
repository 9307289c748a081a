"""Saved searches: keep a list-page search, manage it, and be alerted to new matching listings."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from flask.testing import FlaskClient

from app.extensions import db
from app.models import ListingStatus, Notification, Role, SavedSearch, Scenario, User
from tests.conftest import login
from tests.factories import make_capability, make_org, make_scenario, make_user


def save(client: FlaskClient, query: str, side: str = "scenario") -> FlaskClient:
    """Press 保存此搜索 on a list page showing that query."""
    client.post("/my/searches/", data={"side": side, "query": query})
    return client


def saved(user: User) -> list[SavedSearch]:
    query = sa.select(SavedSearch).where(SavedSearch.user_id == user.id).order_by(SavedSearch.id)
    return list(db.session.scalars(query))


def hits(user: User) -> list[Notification]:
    query = sa.select(Notification).where(
        Notification.user_id == user.id, Notification.kind == "saved_search_hit"
    )
    return list(db.session.scalars(query))


def test_the_list_page_offers_saving_to_signed_in_users_only(
    client: FlaskClient, firm: User
) -> None:
    assert "保存此搜索" not in client.get("/scenarios?q=巡检").get_data(as_text=True)
    login(client, firm)
    page = client.get("/scenarios?q=巡检&domain=智慧交通").get_data(as_text=True)
    assert "保存此搜索" in page
    assert 'name="query" value="q=%E5%B7%A1%E6%A3%80&amp;domain=' in page


def test_saving_keeps_the_canonical_search_and_returns_to_its_results(
    client: FlaskClient, firm: User
) -> None:
    login(client, firm)
    response = client.post(
        "/my/searches/",
        data={"side": "scenario", "query": "domain=智慧交通&q=巡检&page=3&bogus=1"},
    )
    assert response.status_code == 302
    assert (
        response.headers["Location"]
        == "/scenarios?q=%E5%B7%A1%E6%A3%80&domain=%E6%99%BA%E6%85%A7%E4%BA%A4%E9%80%9A"
    )
    [one] = saved(firm)
    assert (one.name, one.side, one.alerts) == ("巡检 · 智慧交通", "scenario", True)
    page = client.get("/my/searches/").get_data(as_text=True)
    assert "已保存搜索“巡检 · 智慧交通”" in page
    assert "提醒已开启" in page


def test_empty_unknown_and_duplicate_searches_are_refused(client: FlaskClient, firm: User) -> None:
    login(client, firm)
    response = client.post("/my/searches/", data={"side": "scenario", "query": "sort=newest"})
    assert response.headers["Location"] == "/my/searches/"
    assert "请先输入关键词或选择筛选条件" in client.get("/my/searches/").get_data(as_text=True)
    save(client, "q=巡检", side="elsewhere")
    assert saved(firm) == []
    save(client, "q=巡检")
    save(client, "q=%E5%B7%A1%E6%A3%80")  # the same search, encoded differently
    assert len(saved(firm)) == 1
    assert "已保存过相同的搜索" in client.get("/my/searches/").get_data(as_text=True)
    save(client, "q=巡检", side="capability")  # the other list is another search
    assert len(saved(firm)) == 2


def test_rename_toggle_and_delete_are_the_owners_alone(
    client: FlaskClient, firm: User, other_firm: User
) -> None:
    login(client, firm)
    save(client, "q=巡检")
    [mine] = saved(firm)
    login(client, other_firm)
    assert client.post(f"/my/searches/{mine.id}/rename", data={"name": "x"}).status_code == 404
    assert client.post(f"/my/searches/{mine.id}/alerts").status_code == 404
    assert client.post(f"/my/searches/{mine.id}/delete").status_code == 404
    assert "巡检" not in client.get("/my/searches/").get_data(as_text=True)
    login(client, firm)
    client.post(f"/my/searches/{mine.id}/rename", data={"name": "  道路巡检商机 "})
    client.post(f"/my/searches/{mine.id}/rename", data={"name": "   "})
    assert "请填写名称" in client.get("/my/searches/").get_data(as_text=True)
    client.post(f"/my/searches/{mine.id}/alerts")
    [mine] = saved(firm)
    assert (mine.name, mine.alerts) == ("道路巡检商机", False)
    client.post(f"/my/searches/{mine.id}/delete")
    assert saved(firm) == []


def _submit_and_approve(client: FlaskClient, admin: User, scenario: Scenario) -> None:
    login(client, admin)
    response = client.post(f"/review/scenarios/{scenario.id}/decide", data={"decision": "approve"})
    assert response.status_code == 302


def test_approving_a_matching_scenario_alerts_the_searchers(
    client: FlaskClient, publisher: User, firm: User, other_firm: User, admin: User
) -> None:
    quiet = make_user(make_org(Role.FIRM))
    colleague = make_user(publisher.organization)  # the publisher's own people are not told
    for user, query in (
        (firm, "q=道路病害&domain=智慧交通&budget_min=100"),
        (other_firm, "q=医保"),
        (quiet, "q=巡检"),
        (colleague, "q=巡检"),
    ):
        login(client, user)
        save(client, query)
    login(client, quiet)
    client.post(f"/my/searches/{saved(quiet)[0].id}/alerts")  # alerts off
    scenario = make_scenario(publisher.organization, ListingStatus.PENDING, published_at=None)
    _submit_and_approve(client, admin, scenario)
    [hit] = hits(firm)
    assert hit.link == f"/scenarios/{scenario.id}"
    assert scenario.title in hit.title
    assert hits(other_firm) == []
    assert hits(quiet) == []
    assert hits(colleague) == []
    assert saved(firm)[0].last_hit_at is not None
    # the firm follows the alert to the scenario
    login(client, firm)
    response = client.post(f"/notifications/{hit.id}/open")
    assert response.headers["Location"] == f"/scenarios/{scenario.id}"


def test_alerts_use_the_same_filters_as_the_list(
    client: FlaskClient, publisher: User, firm: User, admin: User
) -> None:
    make_scenario(publisher.organization, title="已有场景")  # the index has other words too
    login(client, firm)
    save(client, "q=巡检&budget_max=100")  # the new scenario's budget is 200: no hit
    save(client, "tag=物联网&deadline=90&opening_method=揭榜挂帅")  # a hit
    scenario = make_scenario(
        publisher.organization, ListingStatus.PENDING, published_at=None, budget_wan=Decimal(200)
    )
    _submit_and_approve(client, admin, scenario)
    [hit] = hits(firm)
    assert "物联网" in hit.title
    login(client, None)
    page = client.get("/scenarios?tag=物联网&deadline=90&opening_method=揭榜挂帅")
    assert f"/scenarios/{scenario.id}" in page.get_data(as_text=True)
    page = client.get("/scenarios?q=巡检&budget_max=100")
    assert f"/scenarios/{scenario.id}" not in page.get_data(as_text=True)


def test_capability_searches_are_alerted_by_new_capabilities(
    client: FlaskClient, publisher: User, firm: User, admin: User
) -> None:
    login(client, publisher)
    save(client, "q=道路病害&local=1", side="capability")
    capability = make_capability(firm.organization, ListingStatus.PENDING, published_at=None)
    login(client, admin)
    client.post(f"/review/capabilities/{capability.id}/decide", data={"decision": "approve"})
    [hit] = hits(publisher)
    assert hit.link == f"/capabilities/{capability.id}"


def test_a_searched_phrase_is_quoted_once_in_names_and_alerts(
    client: FlaskClient, publisher: User, firm: User, admin: User
) -> None:
    login(client, firm)
    save(client, "q=道路病害")
    [search] = saved(firm)
    assert search.name == "道路病害"
    scenario = make_scenario(publisher.organization, ListingStatus.PENDING, published_at=None)
    _submit_and_approve(client, admin, scenario)
    [hit] = hits(firm)
    assert hit.title.startswith("订阅“道路病害”有新结果")
    assert "““" not in hit.title + hit.body
    assert "””" not in hit.title + hit.body
