"""Loading the demo data in seed/demo/: organisations, listings, users, batches and matches."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from app import clock, taxonomy
from app.batches import services as batches
from app.errors import DomainError
from app.extensions import db
from app.models import (
    Batch,
    BatchKind,
    Capability,
    Engagement,
    EngagementEvent,
    EngagementOrigin,
    EngagementStage,
    ListingStatus,
    Organization,
    OrgStatus,
    ReferenceCase,
    Role,
    Scenario,
    TaxonomyTerm,
    User,
)
from app.models.base import utcnow
from app.recommendations import provider
from app.recommendations import services as recommendations
from app.search.documents import store_document
from app.validators import uscc_error

Terms = dict[str, dict[str, TaxonomyTerm]]
PUBLICATION_STRIDE = 37  # coprime with 1000: distinct, well-mixed hours for up to 1000 records


class SeedError(ValueError):
    """The demo data is inconsistent; the message names the file and record."""


@dataclass(frozen=True)
class SeedReport:
    """How much was loaded."""

    organizations: int
    scenarios: int
    capabilities: int
    users: int
    recommendations: int
    engagements: int = 0
    batches: int = 0


def _read(path: Path) -> list[dict[str, Any]]:
    return json.loads(path.read_text(encoding="utf-8"))


def database_is_empty() -> bool:
    """True when no organisation or user exists yet."""
    return not (
        db.session.scalar(sa.select(Organization.id).limit(1))
        or db.session.scalar(sa.select(User.id).limit(1))
    )


def load_demo(seed_dir: Path, min_score: float, top: int) -> SeedReport:
    """Load taxonomy and demo data, publish it, and queue the engine's pairs for review.

    Commits twice: the listings must be committed before every process's index (this one's
    included) can see them, and only then are the pairs queued.
    """
    taxonomy.load_taxonomy(seed_dir / "taxonomy.json")
    demo = seed_dir / "demo"
    terms = {kind: taxonomy.lookup(kind) for kind in ("tag", "domain", "honour")}
    orgs = _load_orgs(_read(demo / "publishers.json"), Role.PUBLISHER, terms)
    orgs |= _load_orgs(_read(demo / "firms.json"), Role.FIRM, terms)
    scenarios = [
        _scenario(rec, orgs, terms, i) for i, rec in enumerate(_read(demo / "scenarios.json"))
    ]
    capabilities = [
        _capability(rec, orgs, terms, i) for i, rec in enumerate(_read(demo / "capabilities.json"))
    ]
    users = [_user(rec, orgs) for rec in _read(demo / "users.json")]
    db.session.add_all([*scenarios, *capabilities, *users])
    db.session.flush()
    engagements = _load_engagements(demo / "engagements.json", scenarios, capabilities, orgs)
    published = _load_batches(demo / "batches.json", scenarios, users)
    engine = provider.engine()
    listings: list[Scenario | Capability] = [*scenarios, *capabilities]
    for listing in listings:
        provider.store_features(listing, engine)
        provider.record_change(listing)  # every matcher indexes the published ones
        if listing.status is ListingStatus.PUBLISHED:  # found by words on the list pages
            store_document(db.session(), listing, engine.tokenizer)
    db.session.commit()
    queued = sum(recommendations.queue_for(s, min_score=min_score, top=top) for s in scenarios)
    return SeedReport(
        len(orgs),
        len(scenarios),
        len(capabilities),
        len(users),
        queued,
        len(engagements),
        len(published),
    )


def _load_orgs(records: list[dict[str, Any]], role: Role, terms: Terms) -> dict[str, Organization]:
    orgs: dict[str, Organization] = {}
    for rec in records:
        uscc = rec.get("uscc")
        if uscc and uscc_error(uscc):
            raise SeedError(f"{rec['name']}: {uscc_error(uscc)}")
        org = Organization(
            name=rec["name"],
            role=role,
            kind=rec["kind"],
            uscc=uscc,
            district=rec["district"],
            is_local=rec.get("is_local", True),
            industry_chain=rec.get("industry_chain"),
            intro=rec.get("intro", ""),
            contact_name=rec.get("contact_name", ""),
            contact_phone=rec.get("contact_phone", ""),
            contact_email=rec.get("contact_email", ""),
            honours=_terms(terms, "honour", rec.get("honours", []), rec["name"]),
            status=OrgStatus.APPROVED,
            reviewed_at=utcnow(),
        )
        db.session.add(org)
        orgs[org.name] = org
    db.session.flush()
    return orgs


def _owner(orgs: dict[str, Organization], name: str, where: str) -> Organization:
    if name not in orgs:
        raise SeedError(f"{where}: unknown organisation {name!r}")
    return orgs[name]


def _terms(terms: Terms, kind: str, names: list[str], where: str) -> list[TaxonomyTerm]:
    unknown = [n for n in names if n not in terms[kind]]
    if unknown:
        raise SeedError(f"{where}: unknown {kind} {unknown}")
    return [terms[kind][n] for n in names]


def _published(index: int) -> dict[str, Any]:
    """Stagger publication times, interleaving organisations so "latest" lists look varied."""
    when = utcnow() - timedelta(hours=(index * PUBLICATION_STRIDE) % 1000)
    return {"status": ListingStatus.PUBLISHED, "submitted_at": when, "published_at": when}


def _scenario(
    rec: dict[str, Any], orgs: dict[str, Organization], terms: Terms, index: int
) -> Scenario:
    deadline = date.fromisoformat(rec["deadline"]) if rec.get("deadline") else None
    budget = rec.get("budget_wan")
    return Scenario(
        organization=_owner(orgs, rec["publisher"], f"scenario {rec['title']}"),
        title=rec["title"],
        domain=rec["domain"],
        district=rec["district"],
        description=rec["description"],
        needs=rec.get("needs", ""),
        expected=rec.get("expected", ""),
        tags=_terms(terms, "tag", rec["tags"], f"scenario {rec['title']}"),
        budget_wan=Decimal(str(budget)) if budget is not None else None,
        opening_method=rec["opening_method"],
        deadline=deadline,
        contact_name=rec.get("contact_name", ""),
        contact_phone=rec.get("contact_phone", ""),
        **_published(index),
    )


def _capability(
    rec: dict[str, Any], orgs: dict[str, Organization], terms: Terms, index: int
) -> Capability:
    case = rec.get("case")
    return Capability(
        organization=_owner(orgs, rec["firm"], f"capability {rec['title']}"),
        title=rec["title"],
        cap_type=rec["type"],
        maturity=rec["maturity"],
        domains=_terms(terms, "domain", rec["domains"], f"capability {rec['title']}"),
        tags=_terms(terms, "tag", rec["tags"], f"capability {rec['title']}"),
        description=rec["description"],
        keywords="、".join(rec.get("keywords", [])),
        qualifications="、".join(rec.get("qualifications", [])),
        cases=[ReferenceCase(client=case["client"], year=case["year"], result=case["result"])]
        if case
        else [],
        **_published(index),
    )


def _user(rec: dict[str, Any], orgs: dict[str, Organization]) -> User:
    role = Role(rec["role"])
    org = None if role.is_staff else _owner(orgs, rec["organization"], f"user {rec['email']}")
    user = User(email=rec["email"], name=rec["name"], role=role, organization=org)
    if role.is_staff:
        user.role_granted_at = utcnow()
    if rec.get("totp_secret"):  # published in the README, like the demo passwords
        from app.auth import totp

        user.totp_secret_encrypted = totp.encrypt(rec["totp_secret"])
        user.totp_confirmed_at = utcnow()
    user.set_password(rec["password"])
    return user


def _load_batches(path: Path, scenarios: list[Scenario], users: list[User]) -> list[Batch]:
    """第N批 scenario lists (seed/demo/batches.json), composed and published today.

    They go through the batch services as the demo administrator, so they are numbered, titled
    and audited exactly like a batch an administrator publishes.
    """
    if not path.exists():
        return []
    records = json.loads(path.read_text(encoding="utf-8"))["scenario_batches"]
    admin = next((u for u in users if u.role is Role.REVIEWER), None)
    by_title = {s.title: s for s in scenarios}
    loaded = []
    for rec in records:
        if admin is None:
            raise SeedError(f"{path.name}: users.json has no 平台审核员 to publish the batches")
        unknown = [title for title in rec["scenarios"] if title not in by_title]
        if unknown:
            raise SeedError(f"{path.name}: unknown scenarios {unknown}")
        batch = batches.create(admin, BatchKind.SCENARIO)
        ids = [by_title[title].id for title in rec["scenarios"]]
        try:
            batches.update(admin, batch, rec.get("title") or batch.title, rec["intro"], ids)
            batches.publish(admin, batch, clock.today())
        except DomainError as error:
            raise SeedError(f"{path.name}: {error.message}") from error
        loaded.append(batch)
    db.session.flush()
    return loaded


# when each later stage happened, as a fraction of the time left after the first contact
STAGE_TIMING = {
    EngagementStage.NEGOTIATING: 0.3,
    EngagementStage.TERMINATED: 0.5,
    EngagementStage.SIGNED: 0.6,
    EngagementStage.LANDED: 0.9,
}
STAGE_PATH = [EngagementStage.NEGOTIATING, EngagementStage.SIGNED, EngagementStage.LANDED]


def _load_engagements(
    path: Path,
    scenarios: list[Scenario],
    capabilities: list[Capability],
    orgs: dict[str, Organization],
) -> list[Engagement]:
    """Illustrative engagements (seed/demo/engagements.json), each with its stage timeline."""
    if not path.exists():
        return []
    by_title = {s.title: s for s in scenarios}
    by_owner = {(c.organization.name, c.title): c for c in capabilities}
    now = utcnow()
    loaded = []
    for rec in json.loads(path.read_text(encoding="utf-8"))["engagements"]:
        where = f"engagement {rec['scenario']} / {rec['firm']}"
        if rec["scenario"] not in by_title or (rec["firm"], rec["capability"]) not in by_owner:
            raise SeedError(f"{where}: unknown scenario or capability {rec['capability']!r}")
        engagement = _engagement(rec, by_title[rec["scenario"]], _owner(orgs, rec["firm"], where))
        engagement.capability = by_owner[(rec["firm"], rec["capability"])]
        _timeline(engagement, rec, now)
        loaded.append(engagement)
    db.session.add_all(loaded)
    db.session.flush()
    return loaded


def _engagement(rec: dict[str, Any], scenario: Scenario, firm: Organization) -> Engagement:
    amount = rec.get("contract_amount_wan")
    return Engagement(
        scenario=scenario,
        firm=firm,
        origin=EngagementOrigin(rec["origin"]),
        stage=EngagementStage(rec["stage"]),
        contract_amount_wan=Decimal(str(amount)) if amount is not None else None,
        result_summary=rec.get("result_summary", ""),
        end_reason=rec.get("end_reason", ""),
    )


def _timeline(engagement: Engagement, rec: dict[str, Any], now: datetime) -> None:
    """Date the engagement and its events between the scenario's publication and now."""
    published = engagement.scenario.published_at or now
    start = published + (now - published) * rec["contact"]

    def when(stage: EngagementStage) -> datetime:
        return start + (now - start) * STAGE_TIMING[stage]

    engagement.created_at = engagement.updated_at = start
    events = [EngagementEvent(to_stage=EngagementStage.INTENT, created_at=start)]
    stage = engagement.stage
    last = EngagementStage(rec.get("ended_from", stage))
    if stage is not EngagementStage.INTENT:
        reached = STAGE_PATH[: STAGE_PATH.index(last) + 1] if last in STAGE_PATH else []
        previous = EngagementStage.INTENT
        for step in reached:
            events.append(
                EngagementEvent(from_stage=previous, to_stage=step, created_at=when(step))
            )
            previous = step
        if stage is EngagementStage.TERMINATED:
            ended = when(EngagementStage.TERMINATED)
            note = engagement.end_reason
            events.append(
                EngagementEvent(from_stage=previous, to_stage=stage, created_at=ended, note=note)
            )
    if stage in (EngagementStage.SIGNED, EngagementStage.LANDED):
        engagement.contract_date = clock.local_date(when(EngagementStage.SIGNED))
    if stage is EngagementStage.LANDED:
        engagement.golive_date = clock.local_date(when(EngagementStage.LANDED))
    engagement.events = events


def demo_accounts(seed_dir: Path) -> list[dict[str, str]]:
    """The demo users (role, e-mail, password, organisation, TOTP secret) for development."""
    return [
        {
            "role": Role(rec["role"]).label,
            "email": rec["email"],
            "password": rec["password"],
            "organization": rec.get("organization", ""),
            "totp_secret": rec.get("totp_secret", ""),
        }
        for rec in _read(seed_dir / "demo" / "users.json")
    ]
