"""The illustrative demo engagements: they load, their timelines are coherent, the dashboard fills."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from app.config import ROOT
from app.dashboard import headline, public_charts
from app.extensions import db
from app.models import Engagement, EngagementStage
from app.models.base import utcnow
from app.seed import SeedError, load_demo


def utc(value: datetime) -> datetime:
    """SQLite hands back naive UTC, PostgreSQL aware values: compare them as aware UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def test_the_demo_engagements_load_with_coherent_timelines(app: Flask) -> None:
    report = load_demo(ROOT / "seed", min_score=0.2, top=5)
    db.session.commit()
    engagements = db.session.scalars(sa.select(Engagement)).all()
    assert report.engagements == len(engagements) >= 30
    now = utcnow()
    for e in engagements:
        assert utc(e.scenario.published_at) <= utc(e.created_at) <= now
        assert e.capability is not None
        assert e.capability.organization_id == e.firm_id
        assert [ev.to_stage for ev in e.events][0] is EngagementStage.INTENT
        assert e.events[-1].to_stage is e.stage
        if e.contract_date is not None:
            assert e.created_at.date() <= e.contract_date <= now.date()
        if e.golive_date is not None:
            assert e.contract_date <= e.golive_date <= now.date()
    summary = headline.summary()
    assert summary.contracts_signed >= 15
    assert 0.5 < (summary.local_share or 0) < 1  # mostly, not only, local firms
    assert summary.median_days_to_first_engagement is not None
    funnel = dict((r[0], r[1]) for r in public_charts.funnel().rows)
    assert funnel["意向"] > funnel["洽谈中"] > funnel["已签约"] > funnel["已落地"] > 0


def test_an_engagement_naming_another_firms_capability_is_refused(
    app: Flask, tmp_path: Path
) -> None:
    seed = tmp_path / "seed"
    (seed / "demo").mkdir(parents=True)
    for name in ("taxonomy.json", *(f"demo/{n}.json" for n in ("publishers", "firms", "users"))):
        (seed / name).write_text((ROOT / "seed" / name).read_text("utf-8"), "utf-8")
    for name in ("scenarios", "capabilities"):
        (seed / "demo" / f"{name}.json").write_text(
            (ROOT / "seed" / "demo" / f"{name}.json").read_text("utf-8"), "utf-8"
        )
    data = json.loads((ROOT / "seed" / "demo" / "engagements.json").read_text("utf-8"))
    data["engagements"][0]["firm"] = "浪潮软件股份有限公司"  # not the owner of that capability
    (seed / "demo" / "engagements.json").write_text(json.dumps(data), "utf-8")
    with pytest.raises(SeedError, match="unknown scenario or capability"):
        load_demo(seed, min_score=0.2, top=5)
