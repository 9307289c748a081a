"""The listing review queue at scale: filters, pages, bulk approval, common reasons, history."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask.testing import FlaskClient

from app.extensions import db
from app.models import Capability, ListingStatus, Notification, OrgStatus, Role, Scenario, User
from app.review.services import QUEUE_PAGE_SIZE
from tests.conftest import login
from tests.factories import make_capability, make_org, make_scenario, make_user
from tests.integration.test_listings import scenario_form


def titles(page: str) -> list[str]:
    """The queue items' headings, in order."""
    return re.findall(r'<article class="panel review-item".*?<h3><a [^>]*>([^<]+)</a>', page, re.S)


def queue(client: FlaskClient, **args: str) -> str:
    return client.get("/review/listings", query_string=args).get_data(as_text=True)


def test_the_queue_pages_oldest_first(client: FlaskClient, admin: User, publisher: User) -> None:
    for n in range(QUEUE_PAGE_SIZE + 3):
        scenario = make_scenario(
            publisher.organization, ListingStatus.PENDING, title=f"排队场景{n:02d}"
        )
        scenario.submitted_at = scenario.created_at
    db.session.commit()
    login(client, admin)
    first = queue(client)
    assert titles(first)[:2] == ["排队场景00", "排队场景01"]
    assert len(titles(first)) == QUEUE_PAGE_SIZE
    assert f"共 {QUEUE_PAGE_SIZE + 3} 条" in first
    assert titles(queue(client, page="2")) == ["排队场景20", "排队场景21", "排队场景22"]


def test_the_queue_filters_by_kind_domain_district_organisation_and_change(
    client: FlaskClient, admin: User, publisher: User, firm: User
) -> None:
    other = make_org(Role.PUBLISHER, district="章丘区")
    make_scenario(
        publisher.organization, ListingStatus.PENDING, title="交通新场景", domain="智慧交通"
    )
    make_scenario(
        other, ListingStatus.PENDING, title="医疗新场景", domain="智慧医疗", district="章丘区"
    )
    make_capability(firm.organization, ListingStatus.PENDING, title="交通新能力")
    revised = make_scenario(publisher.organization, title="已发布待修改场景", domain="智慧政务")
    login(client, publisher)
    client.post(f"/my/scenarios/{revised.id}/edit", data=scenario_form(title="已发布场景的修订"))
    login(client, admin)

    assert sorted(titles(queue(client))) == sorted(
        ["交通新场景", "医疗新场景", "交通新能力", "已发布待修改场景"]
    )
    assert titles(queue(client, kind="capability")) == ["交通新能力"]
    assert sorted(titles(queue(client, domain="智慧交通"))) == ["交通新场景", "交通新能力"]
    assert titles(queue(client, district="章丘区")) == ["医疗新场景"]
    assert titles(queue(client, org=str(other.id))) == ["医疗新场景"]
    assert titles(queue(client, change="revised")) == ["已发布待修改场景"]
    assert "已发布待修改场景" not in titles(queue(client, change="new"))
    assert len(titles(queue(client, kind="火星", change="whatever", org="x"))) == 4  # ignored


def test_bulk_approval_publishes_each_and_names_what_it_refused(
    client: FlaskClient, admin: User, publisher: User
) -> None:
    good = make_scenario(publisher.organization, ListingStatus.PENDING, title="可以通过的场景")
    also = make_scenario(publisher.organization, ListingStatus.PENDING, title="也可以通过的场景")
    unapproved = make_scenario(
        make_org(Role.PUBLISHER, status=OrgStatus.PENDING),
        ListingStatus.PENDING,
        title="单位未审核的场景",
    )
    stale = make_scenario(publisher.organization, ListingStatus.PENDING, title="审核时已变化的场景")
    keys = [
        f"scenario:{good.id}:{good.lock_version}",
        f"scenario:{also.id}:{also.lock_version}",
        f"scenario:{unapproved.id}:{unapproved.lock_version}",
        f"scenario:{stale.id}:{stale.lock_version + 5}",
        "scenario:999999:1",
        "rubbish",
    ]
    login(client, admin)
    response = client.post(
        "/review/listings/bulk?kind=scenario", data={"items": keys}, follow_redirects=False
    )
    assert response.headers["Location"] == "/review/listings?kind=scenario"
    page = client.get("/review/listings").get_data(as_text=True)
    assert "已批量通过2项：可以通过的场景、也可以通过的场景" in page
    assert "“单位未审核的场景”：发布单位尚未通过审核" in page
    assert "“审核时已变化的场景”：该内容已被他人修改" in page

    def status(s: Scenario) -> ListingStatus:
        return db.session.get(Scenario, s.id).status

    assert status(good) is ListingStatus.PUBLISHED
    assert status(also) is ListingStatus.PUBLISHED
    assert status(unapproved) is ListingStatus.PENDING
    assert status(stale) is ListingStatus.PENDING
    notices = db.session.scalars(
        sa.select(Notification.title).where(Notification.user_id == publisher.id)
    ).all()
    assert sorted(notices) == sorted(
        ["“可以通过的场景”已审核通过并发布。", "“也可以通过的场景”已审核通过并发布。"]
    )


def test_bulk_approval_with_nothing_ticked_says_so(client: FlaskClient, admin: User) -> None:
    login(client, admin)
    page = client.post("/review/listings/bulk", data={}, follow_redirects=True).get_data(
        as_text=True
    )
    assert "请先勾选要通过的内容" in page


def test_a_rejection_takes_a_common_reason_or_free_text_but_not_nothing(
    client: FlaskClient, admin: User, firm: User
) -> None:
    capability = make_capability(firm.organization, ListingStatus.PENDING)
    login(client, admin)
    page = queue(client)
    assert "内容不完整，请补充关键信息" in page  # the common reasons are offered
    refused = client.post(
        f"/review/capabilities/{capability.id}/decide",
        data={"decision": "reject", "preset": "", "reason": ""},
        follow_redirects=True,
    )
    assert "驳回时请填写原因" in refused.get_data(as_text=True)
    bogus = client.post(
        f"/review/capabilities/{capability.id}/decide",
        data={"decision": "reject", "preset": "我编的原因"},
        follow_redirects=True,
    )
    assert "不是有效的选择" in bogus.get_data(as_text=True)
    assert db.session.get(Capability, capability.id).status is ListingStatus.PENDING
    client.post(
        f"/review/capabilities/{capability.id}/decide",
        data={"decision": "reject", "preset": "与已发布内容重复"},
    )
    capability = db.session.get(Capability, capability.id)
    assert (capability.status, capability.review_note) == (
        ListingStatus.REJECTED,
        "与已发布内容重复",
    )


def test_a_decision_returns_to_the_same_filtered_page(
    client: FlaskClient, admin: User, publisher: User
) -> None:
    scenario = make_scenario(publisher.organization, ListingStatus.PENDING)
    login(client, admin)
    page = queue(client, kind="scenario", domain="智慧交通")
    assert f"/review/scenarios/{scenario.id}/decide?kind=scenario&amp;domain=" in page
    response = client.post(
        f"/review/scenarios/{scenario.id}/decide?kind=scenario&domain=智慧交通&next=//evil.example",
        data={"decision": "approve"},
    )
    location = response.headers["Location"]
    assert location.startswith("/review/listings?kind=scenario&domain=")
    assert "evil" not in location


def test_the_organisations_earlier_decisions_are_at_hand(
    client: FlaskClient, admin: User, publisher: User
) -> None:
    login(client, publisher)
    client.post("/my/scenarios/new", data=scenario_form(title="第一次提交的场景"))
    first = db.session.scalar(sa.select(Scenario))
    client.post(f"/my/scenarios/{first.id}/submit")
    login(client, admin)
    client.post(
        f"/review/scenarios/{first.id}/decide",
        data={"decision": "reject", "reason": "联系方式无法接通"},
    )
    make_scenario(publisher.organization, ListingStatus.PENDING, title="第二次提交的场景")
    page = queue(client)
    history = page[page.index('class="org-history"') :]
    assert "“第一次提交的场景”第1版 · 未通过：联系方式无法接通" in history


def test_the_overview_counts_revisions_waiting_too(
    client: FlaskClient, admin: User, publisher: User
) -> None:
    scenario = make_scenario(publisher.organization)
    make_scenario(publisher.organization, ListingStatus.PENDING)
    login(client, publisher)
    client.post(f"/my/scenarios/{scenario.id}/edit", data=scenario_form(title="修订后的场景"))
    login(client, admin)
    page = client.get("/review/").get_data(as_text=True)
    assert '<strong data-testid="pending-scenarios">2</strong>' in page


def test_a_firm_user_is_not_an_administrator_for_the_queue(client: FlaskClient, firm: User) -> None:
    login(client, firm)
    assert client.get("/review/listings").status_code == 403
    assert client.post("/review/listings/bulk", data={"items": ["scenario:1:1"]}).status_code == 403
    make_user(None)  # an administrator exists; still 403 for the firm
    assert client.post("/review/scenarios/1/close", data={"reason": "x"}).status_code == 403


def statements_for(client: FlaskClient, url: str) -> int:
    """How many SQL statements one request runs."""
    from sqlalchemy import event

    count = 0

    def counter(*_args: object) -> None:
        nonlocal count
        count += 1

    event.listen(db.engine, "before_cursor_execute", counter)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", counter)
    return count


def test_the_queue_page_costs_the_same_few_queries_for_more_items(
    client: FlaskClient, admin: User, publisher: User, firm: User
) -> None:
    def add(n: int) -> None:
        for i in range(n):
            make_capability(firm.organization, ListingStatus.PENDING, title=f"能力{i}{n}")
            revised = make_scenario(publisher.organization, title=f"场景{i}{n}")
            login(client, publisher)
            client.post(f"/my/scenarios/{revised.id}/edit", data=scenario_form(title=f"修订{i}{n}"))
        login(client, admin)

    add(1)
    few = statements_for(client, "/review/listings")
    add(5)
    many = statements_for(client, "/review/listings")
    assert many == few, (few, many)
    assert few < 25, few
