"""GET /api/v1/scenarios and /capabilities: published only, filters, cursors, masking."""

from __future__ import annotations

from datetime import timedelta

from app import clock
from app.models import ListingStatus, Role
from app.models.base import utcnow
from app.open_data.identifiers import public_id
from tests.factories import make_capability, make_org, make_scenario


def _ids(response) -> list[str]:
    return [item["id"] for item in response.get_json()["items"]]


def test_scenarios_lists_only_published_newest_first(client) -> None:
    org = make_org(Role.PUBLISHER)
    old = make_scenario(org, title="老场景", published_at=utcnow() - timedelta(days=2))
    new = make_scenario(org, title="新场景")
    hidden = [
        make_scenario(org, status=status, title=f"不公开{status}")
        for status in (ListingStatus.DRAFT, ListingStatus.PENDING, ListingStatus.WITHDRAWN)
    ]
    response = client.get("/api/v1/scenarios")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert _ids(response) == [public_id("scenario", new.id), public_id("scenario", old.id)]
    for listing in hidden:
        assert (
            client.get(f"/api/v1/scenarios/{public_id('scenario', listing.id)}").status_code == 404
        )


def test_past_deadline_scenario_is_not_listed(client) -> None:
    org = make_org(Role.PUBLISHER)
    late = make_scenario(org)
    late.deadline = clock.today() - timedelta(days=3)
    from app.extensions import db

    db.session.commit()
    assert _ids(client.get("/api/v1/scenarios")) == []
    assert client.get(f"/api/v1/scenarios/{public_id('scenario', late.id)}").status_code == 404


def test_cursor_walks_every_listing_once(client) -> None:
    org = make_org(Role.FIRM)
    same_time = utcnow()
    made = [make_capability(org, title=f"能力{n}", published_at=same_time) for n in range(5)]
    seen: list[str] = []
    url = "/api/v1/capabilities?limit=2"
    while url:
        body = client.get(url).get_json()
        seen += [item["id"] for item in body["items"]]
        url = body["next"]
    assert seen == [public_id("capability", c.id) for c in sorted(made, key=lambda c: -c.id)]


def test_filters_match_the_list_page(client) -> None:
    org = make_org(Role.PUBLISHER)
    traffic = make_scenario(org, domain="智慧交通", budget_wan=500)
    make_scenario(org, domain="智慧医疗", budget_wan=50)
    body = client.get("/api/v1/scenarios?domain=智慧交通&budget_min=100").get_json()
    assert [i["id"] for i in body["items"]] == [public_id("scenario", traffic.id)]
    words = client.get("/api/v1/scenarios?q=道路病害").get_json()
    assert len(words["items"]) == 2


def test_detail_masks_contacts_as_the_public_page(client) -> None:
    org = make_org(Role.PUBLISHER)
    scenario = make_scenario(org, contact_phone="13805310001", contact_email="zhang@example.com")
    body = client.get(f"/api/v1/scenarios/{public_id('scenario', scenario.id)}").get_json()
    assert body["contact"] == {
        "name": "李科长",
        "phone": "138****0001",
        "email": "z***@example.com",
    }
    page = client.get(f"/scenarios/{scenario.id}").get_data(as_text=True)
    assert "138****0001" in page
    assert "13805310001" not in page
    assert "z***@example.com" in page
