"""Who sees a scenario: its policy, and after the deadline the firms engaged with it."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models import Engagement, Scenario
from app.security import policies


def may_view_scenario(user: policies.Visitor, scenario: Scenario) -> bool:
    """Open scenarios are public; after its deadline a firm engaged with one still sees it."""
    if policies.can_view(user, scenario):
        return True
    firm_id = getattr(user, "organization_id", None)
    return (
        scenario.published_at is not None
        and firm_id is not None
        and existing(scenario.id, firm_id) is not None
    )


def existing(scenario_id: int, firm_id: int) -> Engagement | None:
    """The firm's engagement with the scenario, if any (there is at most one)."""
    return db.session.scalar(
        sa.select(Engagement).where(
            Engagement.scenario_id == scenario_id, Engagement.firm_id == firm_id
        )
    )
