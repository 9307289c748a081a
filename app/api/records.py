"""Batches (第N批), excellent cases and organisations as the API shows them: the public
pages' selections (app.batches, app.cases, approved organisations), public fields only."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import url_for
from sqlalchemy.orm import selectinload

from app import clock
from app.api import keyset
from app.api.listing_pages import contact
from app.cases import services as cases
from app.extensions import db
from app.models import Batch, BatchItem, BatchKind, ExcellentCase, Organization, OrgStatus, Role
from app.open_data.identifiers import Kind, public_id
from app.paging import MAX_ID

BATCH_KEYS = (keyset.Key(Batch.publish_on, "date"), keyset.Key(Batch.id, "id"))
CASE_KEYS = (keyset.Key(ExcellentCase.published_at, "datetime"), keyset.Key(ExcellentCase.id, "id"))
ORG_KEYS = (keyset.Key(Organization.id, "id", descending=False),)
PUBLIC_ROLES = (Role.PUBLISHER, Role.FIRM)


def _public_batches(kind: str | None) -> sa.Select:
    query = sa.select(Batch).where(Batch.publish_on.is_not(None), Batch.publish_on <= clock.today())
    return query.where(Batch.kind == BatchKind(kind)) if kind else query


def batch_page(
    kind: str | None, position: list | None, limit: int
) -> tuple[list[Batch], list | None]:
    """Public batches, newest first (as the 批次清单 page)."""
    return keyset.page(_public_batches(kind), BATCH_KEYS, position, limit)


def public_batch(kind: str, number: int) -> Batch | None:
    """A public batch by kind and number, with its listings."""
    if not 0 < number <= MAX_ID:
        return None
    query = _public_batches(kind).where(Batch.number == number)
    return db.session.scalar(
        query.options(
            selectinload(Batch.items).selectinload(BatchItem.scenario),
            selectinload(Batch.items).selectinload(BatchItem.capability),
        )
    )


def batch_summary(batch: Batch) -> dict[str, Any]:
    """A batch in a list."""
    return {
        "kind": batch.kind.value,
        "number": batch.number,
        "title": batch.title,
        "intro": batch.intro,
        "publish_on": batch.publish_on,
        "url": url_for("batches.detail", batch_id=batch.id, _external=True),
    }


def batch_detail(batch: Batch) -> dict[str, Any]:
    """A batch with its listings in order (a listing no longer listed keeps its line, as on
    the batch's page, without a link)."""
    items = []
    for position, item in enumerate(batch.items, start=1):
        listing = item.listing
        kind: Kind = "scenario" if item.scenario_id else "capability"
        items.append(
            {
                "position": position,
                "id": public_id(kind, listing.id),
                "title": listing.title,
                "organization": listing.organization.name,
                "listed": listing.is_published,
            }
        )
    return {**batch_summary(batch), "items": items}


def case_page(
    keyword: str, position: list | None, limit: int
) -> tuple[list[ExcellentCase], list | None]:
    """Published excellent cases, newest first, matching a keyword (as the 优秀案例 page)."""
    query = cases.published(keyword).order_by(None)
    return keyset.page(query, CASE_KEYS, position, limit)


def published_case(case_id: int) -> ExcellentCase | None:
    """A published case by id."""
    if not 0 < case_id <= MAX_ID:
        return None
    return db.session.scalar(cases.published().order_by(None).where(ExcellentCase.id == case_id))


def case_view(case: ExcellentCase) -> dict[str, Any]:
    """A published case as its public page shows it."""
    engagement = case.engagement
    scenario = engagement.scenario
    return {
        "id": case.id,
        "url": url_for("cases.detail", case_id=case.id, _external=True),
        "title": case.title,
        "problem": case.problem,
        "solution": case.solution,
        "result": case.result,
        "figures": case.figures,
        "domain": scenario.domain,
        "district": scenario.district,
        "publisher": scenario.organization.name,
        "firm": engagement.firm.name,
        "firm_is_local": engagement.firm.is_local,
        "golive_date": engagement.golive_date,
        "published_at": case.published_at,
    }


def _public_orgs(args: dict[str, Any]) -> sa.Select:
    query = sa.select(Organization).where(
        Organization.status == OrgStatus.APPROVED, Organization.role.in_(PUBLIC_ROLES)
    )
    if args.get("role"):
        query = query.where(Organization.role == Role(args["role"]))
    if args.get("district"):
        query = query.where(Organization.district == args["district"])
    if args.get("local") is not None:
        query = query.where(Organization.is_local.is_(bool(args["local"])))
    if args.get("q"):
        query = query.where(Organization.name.icontains(args["q"], autoescape=True))
    return query.options(selectinload(Organization.honours))


def organization_page(
    args: dict[str, Any], position: list | None, limit: int
) -> tuple[list[Organization], list | None]:
    """Approved publishers and firms, by id."""
    return keyset.page(_public_orgs(args), ORG_KEYS, position, limit)


def public_organization(org_id: int) -> Organization | None:
    """An approved publisher or firm by id."""
    if not 0 < org_id <= MAX_ID:
        return None
    return db.session.scalar(_public_orgs({}).where(Organization.id == org_id))


def organization_summary(org: Organization) -> dict[str, Any]:
    """An organisation's public fields (as its public page shows them)."""
    return {
        "id": org.id,
        "url": url_for("organizations.detail", org_id=org.id, _external=True),
        "name": org.name,
        "role": org.role.value,
        "kind": org.kind,
        "uscc": org.uscc,
        "district": org.district,
        "is_local": org.is_local,
        "industry_chain": org.industry_chain,
        "honours": org.honour_names,
    }


def organization_detail(org: Organization) -> dict[str, Any]:
    """An organisation with its introduction and masked contact."""
    return {
        **organization_summary(org),
        "intro": org.intro,
        "contact": contact(org.contact_name, org.contact_phone, org.contact_email),
    }
