"""One clock: instants are stored in UTC and read in China, at any hour of the Beijing day.

Between 00:00 and 08:00 Beijing time the UTC date is still yesterday, and it is the same
date in the last hours of the day; the frozen clocks below stand at 00:30 and 23:30 of
10 March 2026 in Beijing, and every rule about dates must see 10 March.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from flask.testing import FlaskClient

from app import clock
from app.batches import services as batches
from app.engagements import lifecycle
from app.engagements import services as engagements
from app.engagements.lifecycle import StageChange
from app.errors import DomainError
from app.extensions import db
from app.models import BatchKind, EngagementEvent, EngagementStage, Scenario, User
from app.template_helpers import fmt_date, fmt_datetime
from tests.conftest import login
from tests.factories import make_scenario
from tests.integration.test_listings import scenario_form

DAY = date(2026, 3, 10)
HOURS = {"00:30": (0, 30), "23:30": (23, 30)}


def beijing(day: date, hour: int, minute: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=clock.CHINA)


@pytest.fixture(params=sorted(HOURS))
def frozen(request: pytest.FixtureRequest) -> Iterator[date]:
    """The clock at 00:30 or 23:30 on DAY in Beijing (ticking, so sessions still work)."""
    with time_machine.travel(beijing(DAY, *HOURS[request.param]), tick=True):
        yield DAY


def test_today_is_the_date_in_china(frozen: date) -> None:
    assert clock.today() == frozen
    assert clock.local(clock.now()).date() == frozen


def test_a_contract_signed_today_is_accepted_and_tomorrow_refused(
    frozen: date, publisher: User, firm: User
) -> None:
    scenario = make_scenario(publisher.organization)
    engagement = engagements.apply(firm, scenario, "我们有成熟的道路病害识别产品。", None)
    engagement.stage = EngagementStage.NEGOTIATING
    db.session.commit()
    tomorrow = StageChange(
        EngagementStage.SIGNED, contract_amount_wan=Decimal(5), contract_date=frozen + timedelta(1)
    )
    with pytest.raises(DomainError, match="签约日期不能晚于今天"):
        lifecycle.change_stage(publisher, engagement, tomorrow)
    db.session.rollback()
    today = StageChange(
        EngagementStage.SIGNED, contract_amount_wan=Decimal(5), contract_date=frozen
    )
    lifecycle.change_stage(publisher, engagement, today)
    db.session.commit()
    assert engagement.contract_date == frozen


def test_a_batch_published_today_is_public_at_once(
    frozen: date, client: FlaskClient, admin: User, publisher: User
) -> None:
    scenario = make_scenario(publisher.organization)
    batch = batches.create(admin, BatchKind.SCENARIO)
    batches.update(admin, batch, "今日发布的批次", "", [scenario.id])
    with pytest.raises(DomainError, match="发布日期不能早于今天"):
        batches.publish(admin, batch, frozen - timedelta(days=1))
    batches.publish(admin, batch, frozen)
    db.session.commit()
    assert client.get(f"/batches/{batch.id}").status_code == 200
    assert "今日发布的批次" in client.get("/batches/").get_data(as_text=True)


def test_a_deadline_before_today_in_china_is_refused(
    frozen: date, client: FlaskClient, publisher: User
) -> None:
    login(client, publisher)
    yesterday = (frozen - timedelta(days=1)).isoformat()
    page = client.post("/my/scenarios/new", data=scenario_form(deadline=yesterday))
    assert "截止日期不能早于今天" in page.get_data(as_text=True)
    assert db.session.query(Scenario).count() == 0
    client.post("/my/scenarios/new", data=scenario_form(deadline=frozen.isoformat()))
    assert db.session.query(Scenario).count() == 1


def test_a_scenario_is_open_through_its_last_day_and_expires_at_midnight_in_china(
    client: FlaskClient, publisher: User
) -> None:
    with time_machine.travel(beijing(DAY, 23, 30), tick=True):
        scenario = make_scenario(publisher.organization, title="最后一天的场景", deadline=DAY)
        assert scenario.is_published
        assert "最后一天的场景" in client.get("/scenarios").get_data(as_text=True)
    with time_machine.travel(beijing(DAY + timedelta(days=1), 0, 30), tick=True):
        db.session.expire_all()
        assert not db.session.get(Scenario, scenario.id).is_published
        assert "最后一天的场景" not in client.get("/scenarios").get_data(as_text=True)


def test_the_timeline_shows_beijing_time(client: FlaskClient, publisher: User, firm: User) -> None:
    scenario = make_scenario(publisher.organization)
    engagement = engagements.apply(firm, scenario, "我们有成熟的道路病害识别产品。", None)
    db.session.flush()
    event = db.session.query(EngagementEvent).filter_by(engagement_id=engagement.id).one()
    event.created_at = datetime(2026, 3, 10, 4, 51, tzinfo=UTC)
    db.session.commit()
    login(client, publisher)
    page = client.get(f"/engagements/{engagement.id}").get_data(as_text=True)
    assert "2026-03-10 12:51" in page
    assert "04:51" not in page


def test_the_dashboard_states_beijing_time(client: FlaskClient) -> None:
    page = client.get("/dashboard").get_data(as_text=True)
    assert "北京时间" in page
    assert "UTC" not in page


def test_filters_read_instants_in_beijing_time() -> None:
    evening_utc = datetime(2026, 3, 9, 16, 30, tzinfo=UTC)
    assert fmt_datetime(evening_utc) == "2026-03-10 00:30"
    assert fmt_datetime(evening_utc, seconds=True) == "2026-03-10 00:30:00"
    assert fmt_datetime(evening_utc.replace(tzinfo=None)) == "2026-03-10 00:30"  # SQLite: naive UTC
    assert fmt_date(evening_utc) == "2026-03-10"
    assert fmt_date(DAY) == "2026-03-10"
    assert fmt_datetime(None) == fmt_date(None) == "—"
    assert clock.start_of_day(DAY) == datetime(2026, 3, 9, 16, 0, tzinfo=UTC)


def test_no_code_reads_the_date_of_the_machine_or_of_utc() -> None:
    """Dates come from clock.today(): the machine's zone and the UTC date are both wrong at night."""
    root = Path(__file__).resolve().parents[2] / "app"
    offenders = [
        f"{path.relative_to(root)}:{number}"
        for path in root.rglob("*.py")
        if path.parts[-2] != "gates"  # the security gates date their waivers, not the city's rules
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "date.today()" in line or "utcnow().date()" in line or "now().date()" in line
    ]
    assert offenders == []


def test_no_template_formats_an_instant_itself() -> None:
    """Templates show instants through fmt_datetime/fmt_date, which read them in Beijing time."""
    root = Path(__file__).resolve().parents[2] / "app" / "templates"
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.html")
        if ".strftime(" in (text := path.read_text(encoding="utf-8")) or "UTC" in text
    ]
    assert offenders == []
