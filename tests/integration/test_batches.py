"""第N批: numbering per kind, composing from published listings, scheduled publication, pages."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook

from app import clock
from app.batches import services
from app.errors import DomainError
from app.extensions import db
from app.models import Batch, BatchKind, ListingStatus, Role
from tests.conftest import login
from tests.factories import make_batch, make_capability, make_org, make_scenario

# deadlines, "today" and publication dates hold still (see FROZEN_AT)
pytestmark = pytest.mark.usefixtures("frozen_clock")


@pytest.fixture
def scenarios() -> list[int]:
    """Three published scenarios of one publisher."""
    org = make_org(Role.PUBLISHER)
    return [make_scenario(org, title=f"智慧社区养老服务{n}").id for n in range(3)]


def test_numbers_run_per_kind_and_titles_read_like_the_citys(admin) -> None:
    first = services.create(admin, BatchKind.SCENARIO)
    second = services.create(admin, BatchKind.SCENARIO)
    third = services.create(admin, BatchKind.SCENARIO)
    other = services.create(admin, BatchKind.CAPABILITY)
    assert (first.number, second.number, third.number, other.number) == (1, 2, 3, 1)
    year = clock.today().year
    assert third.title == f"{year}年第三批场景机会清单"
    assert other.title == f"{year}年第一批能力清单"
    assert services.chinese_number(10) == "十"
    assert services.chinese_number(23) == "二十三"


def test_only_published_listings_of_the_batchs_kind_can_be_chosen(admin, scenarios) -> None:
    org = make_org(Role.PUBLISHER)
    draft = make_scenario(org, ListingStatus.DRAFT).id
    capability = make_capability(make_org(Role.FIRM)).id
    batch = services.create(admin, BatchKind.SCENARIO)
    with pytest.raises(DomainError, match=f"编号 {draft} 不可选"):
        services.update(admin, batch, batch.title, "", [scenarios[0], draft])
    services.update(admin, batch, batch.title, "", [scenarios[2], scenarios[0]])
    assert [i.scenario_id for i in batch.items] == [scenarios[2], scenarios[0]]
    # keeping one, dropping one, adding one does not trip the unique constraint
    services.update(admin, batch, "2026年第一批场景机会清单", "", [scenarios[0], scenarios[1]])
    db.session.commit()
    db.session.expire_all()
    assert [i.scenario_id for i in batch.items] == [scenarios[0], scenarios[1]]
    cap_batch = services.create(admin, BatchKind.CAPABILITY)
    services.update(admin, cap_batch, cap_batch.title, "", [capability])
    db.session.flush()
    assert cap_batch.items[0].listing.id == capability


def test_an_empty_batch_or_a_past_date_cannot_be_published(admin, scenarios) -> None:
    batch = services.create(admin, BatchKind.SCENARIO)
    with pytest.raises(DomainError, match="批次中还没有内容"):
        services.publish(admin, batch, clock.today())
    services.update(admin, batch, batch.title, "", scenarios)
    with pytest.raises(DomainError, match="发布日期不能早于今天"):
        services.publish(admin, batch, clock.today() - timedelta(days=1))


def test_a_scheduled_batch_is_hidden_until_its_day(
    client: FlaskClient, admin, scenarios, monkeypatch
) -> None:
    later = clock.today() + timedelta(days=3)
    batch = make_batch(admin, scenarios, on=later)
    assert client.get(f"/batches/{batch.id}").status_code == 404
    assert client.get(f"/batches/{batch.id}.xlsx").status_code == 404
    assert batch.title not in client.get("/batches/").text
    login(client, admin)
    assert "计划于" in client.get(f"/batches/{batch.id}").text  # the administrator previews it
    login(client, None)
    monkeypatch.setattr(clock, "today", lambda: later)
    assert client.get(f"/batches/{batch.id}").status_code == 200
    assert batch.title in client.get("/batches/").text
    assert batch.title in client.get("/").text


def test_a_published_batch_is_frozen(client: FlaskClient, admin, scenarios) -> None:
    batch = make_batch(admin, scenarios[:1], on=clock.today())
    with pytest.raises(DomainError, match="该批次已经发布，不能再修改"):
        services.update(admin, batch, batch.title, "", scenarios)
    with pytest.raises(DomainError, match="该批次已经发布"):
        services.delete(admin, batch)
    login(client, admin)
    response = client.post(
        f"/batches/{batch.id}/edit", data={"title": "改名后的批次", "listing": scenarios}
    )
    assert response.status_code == 200
    db.session.expire_all()
    assert len(db.session.get(Batch, batch.id).items) == 1


def test_the_admin_composes_and_publishes_through_the_pages(
    client: FlaskClient, admin, scenarios
) -> None:
    login(client, admin)
    response = client.post("/batches/new", data={"kind": "scenario"})
    batch = db.session.scalars(db.select(Batch)).one()
    assert response.headers["Location"] == f"/batches/{batch.id}/edit"
    assert "智慧社区养老服务0" in client.get(f"/batches/{batch.id}/edit").text
    client.post(
        f"/batches/{batch.id}/edit",
        data={"title": "2026年第三批场景机会清单", "intro": "", "listing": scenarios[:2]},
    )
    response = client.post(
        f"/batches/{batch.id}/publish", data={"publish_on": clock.today().isoformat()}
    )
    assert response.headers["Location"] == f"/batches/{batch.id}/edit"
    login(client, None)
    page = client.get(f"/batches/{batch.id}").text
    assert "2026年第三批场景机会清单" in page
    assert "智慧社区养老服务0" in page
    assert "智慧社区养老服务2" not in page
    assert "2026年第三批场景机会清单" in client.get("/").text
    printable = client.get(f"/batches/{batch.id}/print")
    assert printable.status_code == 200
    download = client.get(f"/batches/{batch.id}.xlsx")
    sheet = load_workbook(io.BytesIO(download.data)).worksheets[0]
    assert sheet["B1"].value == "场景名称"
    assert [sheet.cell(r, 2).value for r in (2, 3)] == ["智慧社区养老服务0", "智慧社区养老服务1"]
    # visitors see masked phones, as on the pages
    assert "****" in sheet.cell(2, 15).value


def test_the_home_page_shows_the_newest_published_batch(
    client: FlaskClient, admin, scenarios
) -> None:
    make_batch(admin, scenarios[:1], on=clock.today())
    newer = make_batch(admin, scenarios[1:], on=clock.today())
    make_batch(admin, scenarios[:1])  # still being composed
    page = client.get("/").text
    assert 'data-testid="newest-batch"' in page
    assert newer.title in page


def test_an_unpublished_batch_can_be_deleted(client: FlaskClient, admin, scenarios) -> None:
    batch_id = make_batch(admin, scenarios).id
    login(client, admin)
    response = client.post(f"/batches/{batch_id}/delete")
    assert response.headers["Location"] == "/batches/manage"
    assert db.session.get(Batch, batch_id) is None


def test_publish_due_reports_what_became_public_and_what_waits(app, admin, scenarios) -> None:
    make_batch(admin, scenarios[:1], on=clock.today())
    later = make_batch(admin, scenarios[1:], on=clock.today() + timedelta(days=7))
    result = app.test_cli_runner().invoke(args=["batches", "publish-due"])
    assert result.exit_code == 0, result.output
    assert "起公开的批次：1 个" in result.output
    assert "计划发布的批次：1 个" in result.output
    assert f"{later.title}：{later.publish_on}" in result.output
