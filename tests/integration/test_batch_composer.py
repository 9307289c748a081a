"""The batch composer filters the published listings and hides those already in a batch
(issue 12)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient

from app import clock
from app.batches import services
from app.extensions import db
from app.models import BatchKind, User
from tests.conftest import login
from tests.factories import make_scenario

# deadlines, "today" and publication dates hold still (see FROZEN_AT)
pytestmark = pytest.mark.usefixtures("frozen_clock")


def _page(client: FlaskClient, batch_id: int, **args: str) -> str:
    return client.get(f"/batches/{batch_id}/edit", query_string=args).get_data(as_text=True)


def _candidates(page: str) -> str:
    return page.split('data-testid="batch-candidates"')[1].split("</ul>")[0]


def test_candidates_are_filtered_by_domain_district_opening_method_and_date(
    client: FlaskClient, admin: User, publisher: User
) -> None:
    org = publisher.organization
    long_ago = clock.now() - timedelta(days=40)
    make_scenario(org, title="交通场景历城揭榜", domain="智慧交通", district="历城区")
    make_scenario(
        org,
        title="医疗场景历下公开征集",
        domain="智慧医疗",
        district="历下区",
        opening_method="公开征集",
    )
    make_scenario(org, title="早先发布的交通场景", domain="智慧交通", published_at=long_ago)
    batch = services.create(admin, BatchKind.SCENARIO)
    db.session.commit()
    login(client, admin)
    everything = _candidates(_page(client, batch.id))
    assert all(t in everything for t in ("交通场景历城揭榜", "医疗场景历下公开征集", "早先发布"))
    by_domain = _candidates(_page(client, batch.id, domain="智慧医疗"))
    assert "医疗场景历下公开征集" in by_domain
    assert "交通场景历城揭榜" not in by_domain
    by_district = _candidates(_page(client, batch.id, district="历下区"))
    assert "医疗场景历下公开征集" in by_district
    assert "交通场景历城揭榜" not in by_district
    by_method = _candidates(_page(client, batch.id, opening_method="公开征集"))
    assert "医疗场景历下公开征集" in by_method
    assert "交通场景历城揭榜" not in by_method
    week = (clock.today() - timedelta(days=7)).isoformat()
    recent = _candidates(_page(client, batch.id, **{"from": week, "to": clock.today().isoformat()}))
    assert "交通场景历城揭榜" in recent
    assert "早先发布的交通场景" not in recent
    old = _candidates(_page(client, batch.id, to=week))
    assert "早先发布的交通场景" in old
    assert "交通场景历城揭榜" not in old
    assert client.get(f"/batches/{batch.id}/edit?from=not-a-date").status_code == 200


def test_listings_in_an_earlier_batch_are_hidden_unless_asked_for_and_then_marked(
    client: FlaskClient, admin: User, publisher: User
) -> None:
    listed = make_scenario(publisher.organization, title="已列入第一批的场景")
    fresh = make_scenario(publisher.organization, title="尚未列入的场景")
    first = services.create(admin, BatchKind.SCENARIO)
    services.update(admin, first, first.title, "", [listed.id])
    second = services.create(admin, BatchKind.SCENARIO)
    db.session.commit()
    login(client, admin)
    hidden = _candidates(_page(client, second.id))
    assert "尚未列入的场景" in hidden
    assert "已列入第一批的场景" not in hidden
    shown = _page(client, second.id, batched="1")
    assert "已列入第一批的场景" in _candidates(shown)
    assert f'data-testid="batched-{listed.id}">已列入：{first.title}' in shown
    assert f'data-testid="batched-{fresh.id}"' not in shown


@pytest.mark.parametrize("who", ["publisher", "firm"])
def test_only_reviewers_compose(
    client: FlaskClient, request: pytest.FixtureRequest, admin: User, who: str
) -> None:
    batch = services.create(admin, BatchKind.SCENARIO)
    db.session.commit()
    login(client, request.getfixturevalue(who))
    assert client.get(f"/batches/{batch.id}/edit?domain=智慧交通").status_code == 403
