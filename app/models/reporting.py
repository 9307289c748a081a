"""The dashboard's stored snapshots, and the indexes its aggregations need (app.dashboard).

Each index lets a GROUP BY read a narrow index instead of the wide table rows (measured in
docs/performance-dashboard.md): covering indexes for the whole-table aggregates, and
(term_id, owner_id) indexes so counting listings per technology tag or domain is an index scan.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base
from app.models.engagement import Engagement, EngagementEvent
from app.models.listing import (
    Capability,
    Scenario,
    capability_domains,
    capability_tags,
    scenario_tags,
)
from app.models.matching import Recommendation

DASHBOARD_INDEXES = (
    # first engagement per scenario (median days from publication) and engagements and
    # contracts per scenario (districts), both read from the index alone
    sa.Index(
        "ix_engagements_scenario_id_created_at_stage",
        Engagement.scenario_id,
        Engagement.created_at,
        Engagement.stage,
    ),
    # engagements started per month: a count of an index range per month
    sa.Index("ix_engagements_created_at", Engagement.created_at),
    # engagements and amounts by stage and origin (headline figures, funnel, origins)
    sa.Index(
        "ix_engagements_stage_origin",
        Engagement.stage,
        Engagement.origin,
        Engagement.contract_amount_wan,
    ),
    # contracts by month, by firm and by locality: signed rows only, amounts from the index,
    # in firm order within a stage (the top firms group without reading table rows)
    sa.Index(
        "ix_engagements_stage_firm_id",
        Engagement.stage,
        Engagement.firm_id,
        Engagement.contract_date,
        Engagement.contract_amount_wan,
    ),
    # the stage a terminated engagement was ended from (the funnel)
    sa.Index(
        "ix_engagement_events_to_stage",
        EngagementEvent.to_stage,
        EngagementEvent.engagement_id,
        EngagementEvent.from_stage,
    ),
    # scenarios by domain, district, status and publication: one index-only GROUP BY
    sa.Index(
        "ix_scenarios_domain_district_status",
        Scenario.domain,
        Scenario.district,
        Scenario.status,
        Scenario.published_at,
    ),
    # capabilities by status and publication
    sa.Index("ix_capabilities_status_published_at", Capability.status, Capability.published_at),
    # published capabilities per firm (by the firm's district), offers of firms from elsewhere
    sa.Index(
        "ix_capabilities_organization_id_status",
        Capability.organization_id,
        Capability.status,
        Capability.published_at,
    ),
    # listings per tag or domain (the primary keys lead with the listing, not the term)
    sa.Index("ix_scenario_tags_term_id", scenario_tags.c.term_id, scenario_tags.c.scenario_id),
    sa.Index(
        "ix_capability_tags_term_id", capability_tags.c.term_id, capability_tags.c.capability_id
    ),
    sa.Index(
        "ix_capability_domains_term_id",
        capability_domains.c.term_id,
        capability_domains.c.capability_id,
    ),
    # the latest rejected recommendations
    sa.Index(
        "ix_recommendations_status_reviewed_at", Recommendation.status, Recommendation.reviewed_at
    ),
)


class DashboardSnapshot(Base):
    """The latest computed dashboard of one audience, shared by every app machine.

    Written by the `dashboard.refresh` job (every minute), read by the dashboard pages: the
    figures are aggregates over the whole database, so no visitor waits for them.
    """

    __tablename__ = "dashboard_snapshots"
    __table_args__ = (sa.CheckConstraint("audience IN ('public', 'admin')", name="audience"),)

    audience: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    generated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
