"""The headline figures, each defined once.

The home page, the dashboard (both audiences) and the industry map read these functions, so a
figure has one value wherever it appears. Each figure has a label and a definition (shown
beside the dashboard's figures); the public pages show published outcomes only — never the
review queue (pending organisations, listings or recommended pairs).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from app.extensions import db
from app.i18n import N_
from app.models import (
    Capability,
    Engagement,
    EngagementOrigin,
    Organization,
    OrgStatus,
    Role,
    Scenario,
)


@dataclass(frozen=True)
class Figure:
    """A headline figure's name on every page and what it counts."""

    key: str
    label: str  # marked for the catalogue: templates show it with |translate
    definition: str  # marked too: the tooltip, shown with |translate


FIGURES: dict[str, Figure] = {
    f.key: f
    for f in (
        Figure(
            "scenarios", N_("累计发布场景"), N_("审核通过并公开发布过的场景（含已关闭、已过期）")
        ),
        Figure("capabilities", N_("累计发布能力"), N_("审核通过并公开发布过的能力（含已关闭）")),
        Figure("firms", N_("入驻数字企业"), N_("通过平台审核的数字企业")),
        Figure("recommended", N_("平台推荐对接"), N_("由平台推荐促成的供需对接（任一阶段）")),
    )
}


def firm_clause() -> list[sa.ColumnElement[bool]]:
    """What makes an organisation a settled firm (the industry map filters within it)."""
    return [Organization.role == Role.FIRM, Organization.status == OrgStatus.APPROVED]


def _scenarios() -> sa.ScalarSelect[int]:
    return sa.select(sa.func.count(Scenario.published_at)).scalar_subquery()


def _capabilities() -> sa.ScalarSelect[int]:
    return sa.select(sa.func.count(Capability.published_at)).scalar_subquery()


def _firms() -> sa.ScalarSelect[int]:
    return (
        sa.select(sa.func.count()).select_from(Organization).where(*firm_clause())
    ).scalar_subquery()


def _recommended() -> sa.ScalarSelect[int]:
    return (
        sa.select(sa.func.count())
        .select_from(Engagement)
        .where(Engagement.origin == EngagementOrigin.RECOMMENDATION)
    ).scalar_subquery()


QUERIES = {
    "scenarios": _scenarios,
    "capabilities": _capabilities,
    "firms": _firms,
    "recommended": _recommended,
}


def headline() -> dict[str, int]:
    """Every headline figure, in one statement."""
    row = db.session.execute(sa.select(*(query() for query in QUERIES.values()))).one()
    return {key: int(value or 0) for key, value in zip(QUERIES, row, strict=True)}


def value(key: str) -> int:
    """One headline figure."""
    return int(db.session.scalar(sa.select(QUERIES[key]())) or 0)
