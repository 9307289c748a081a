"""截止日期临近: tell the publisher and the engaged firms three days before a deadline, once."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from app import clock
from app.extensions import db
from app.models import DeadlineReminder, Engagement, EngagementStage, ListingStatus, Scenario
from app.notifications.services import notify_organization

DAYS_AHEAD = 3


def remind_deadlines(today: date | None = None) -> int:
    """Notify about published scenarios whose deadline is within three days; return how many."""
    today = today or clock.today()
    reminded = sa.select(DeadlineReminder.id).where(
        DeadlineReminder.scenario_id == Scenario.id, DeadlineReminder.deadline == Scenario.deadline
    )
    scenarios = db.session.scalars(
        sa.select(Scenario)
        .where(
            Scenario.status == ListingStatus.PUBLISHED,
            Scenario.deadline.between(today, today + timedelta(days=DAYS_AHEAD)),
            ~sa.exists(reminded),
        )
        .order_by(Scenario.id)
    ).all()
    for scenario in scenarios:
        _remind(scenario, today)
    db.session.flush()
    return len(scenarios)


def _remind(scenario: Scenario, today: date) -> None:
    assert scenario.deadline is not None  # noqa: S101 - selected on a deadline
    days = (scenario.deadline - today).days
    when = "今天" if days == 0 else f"{days} 天后"
    title = f"“{scenario.title}”申报将于{when}（{scenario.deadline:%Y-%m-%d}）截止"
    link = f"/scenarios/{scenario.id}"
    notify_organization(scenario.organization_id, "deadline_soon", title, link=link)
    firms = db.session.scalars(
        sa.select(Engagement.firm_id).where(
            Engagement.scenario_id == scenario.id,
            Engagement.stage.in_([EngagementStage.INTENT, EngagementStage.NEGOTIATING]),
        )
    )
    for firm_id in firms:
        notify_organization(firm_id, "deadline_soon", title, link=link)
    db.session.add(DeadlineReminder(scenario_id=scenario.id, deadline=scenario.deadline))
