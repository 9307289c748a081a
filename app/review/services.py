"""Review use cases: organisations, listings (which then feed the match queue)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination, SelectPagination
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from app import audit
from app.errors import DomainError
from app.extensions import db
from app.listing_kinds.versions import FieldChange, diff, input_of
from app.listings import services as listings
from app.models import (
    Capability,
    ListingStatus,
    ListingVersion,
    Organization,
    OrgStatus,
    Scenario,
    TaxonomyTerm,
    User,
    VersionStatus,
)
from app.models.base import utcnow
from app.paging import parse_id


def decide_organization(admin: User, org: Organization, approve: bool, reason: str = "") -> None:
    """Approve an organisation so it may publish, or reject it with a reason."""
    if org.status is not OrgStatus.PENDING:
        raise DomainError(f"该单位已{org.status.label}，不能重复审核。")
    if not approve and not reason.strip():
        raise DomainError("驳回时请填写原因。", field="reason")
    org.status = OrgStatus.APPROVED if approve else OrgStatus.REJECTED
    org.review_note = "" if approve else reason.strip()
    org.reviewed_at = utcnow()
    audit.record(admin, "approve" if approve else "reject", org, reason.strip())


def decide_listing(
    admin: User,
    listing: Scenario | Capability,
    approve: bool,
    reason: str,
    seen_version: int | None = None,
) -> None:
    """Publish or reject a listing (or its revision); a publication's best pairs are queued for
    review by a background job once this commits."""
    if not approve:
        listings.reject(admin, listing, reason, seen_version)
        return
    if not listing.organization.is_approved:
        raise DomainError("发布单位尚未通过审核，请先审核单位信息。")
    listings.approve(admin, listing, seen_version)
    db.session.flush()


def pending_counts() -> dict[str, int]:
    """How many organisations, scenarios and capabilities wait for review (counted in SQL)."""

    def count(model: type[Any], status: Any) -> int:
        query = sa.select(sa.func.count()).select_from(model).where(model.status == status)
        return db.session.scalar(query) or 0

    def queued(kind: str) -> int:
        part = _queue_part(kind, QueueFilters()).subquery()
        return db.session.scalar(sa.select(sa.func.count()).select_from(part)) or 0

    return {
        "organizations": count(Organization, OrgStatus.PENDING),
        "scenarios": queued("scenario"),
        "capabilities": queued("capability"),
    }


def pending_organizations() -> list[Organization]:
    """Organisations waiting for review, oldest first."""
    query = sa.select(Organization).where(Organization.status == OrgStatus.PENDING)
    return list(db.session.scalars(query.order_by(Organization.created_at, Organization.id)))


# ---------------------------------------------------------------- the listing queue

KINDS: dict[str, type[Scenario] | type[Capability]] = {
    "scenario": Scenario,
    "capability": Capability,
}
QUEUE_PAGE_SIZE = 20


@dataclass(frozen=True)
class QueueFilters:
    """What the reviewer narrows the listing queue to."""

    kind: str = ""
    domain: str = ""
    district: str = ""
    organization_id: int | None = None
    change: str = ""  # "new" (first publication), "revised" (published, edited) or both

    @classmethod
    def from_args(cls, args: Any) -> QueueFilters:
        """Read the query string; unknown values are ignored rather than refused."""
        org = (args.get("org") or "").strip()
        kind = args.get("kind") or ""
        change = args.get("change") or ""
        return cls(
            kind=kind if kind in KINDS else "",
            domain=(args.get("domain") or "").strip()[:30],
            district=(args.get("district") or "").strip()[:30],
            organization_id=parse_id(org),
            change=change if change in ("new", "revised") else "",
        )

    def as_args(self) -> dict[str, Any]:
        """The filters as query-string arguments (empty ones left out)."""
        values = {
            "kind": self.kind,
            "domain": self.domain,
            "district": self.district,
            "org": self.organization_id,
            "change": self.change,
        }
        return {k: v for k, v in values.items() if v}


@dataclass
class QueueItem:
    """One listing waiting for review, with what the reviewer needs beside it."""

    kind: str
    listing: Scenario | Capability
    version: ListingVersion | None
    changes: list[FieldChange]

    @property
    def is_revision(self) -> bool:
        """A published listing whose edit waits, rather than a first publication."""
        return self.listing.status is ListingStatus.PUBLISHED

    @property
    def key(self) -> str:
        """kind:id:lock_version, as posted by the bulk form (stale rows are refused)."""
        return f"{self.kind}:{self.listing.id}:{self.listing.lock_version}"


class RowPagination(SelectPagination):
    """db.paginate for a select of plain rows (Flask-SQLAlchemy keeps only the first column)."""

    def _query_items(self) -> list[Any]:
        select = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return list(self._query_args["session"].execute(select).all())


def _queue_part(kind: str, filters: QueueFilters) -> sa.Select[str, int, datetime]:
    model = KINDS[kind]
    fk = ListingVersion.scenario_id if kind == "scenario" else ListingVersion.capability_id
    waiting = sa.and_(fk == model.id, ListingVersion.status == VersionStatus.PENDING)
    new = model.status == ListingStatus.PENDING
    revised = sa.and_(model.status == ListingStatus.PUBLISHED, ListingVersion.id.is_not(None))
    query = (
        sa.select(
            sa.literal(kind).label("kind"),
            model.id.label("id"),
            sa.func.coalesce(ListingVersion.created_at, model.submitted_at).label("queued_at"),
        )
        .select_from(model)
        .outerjoin(ListingVersion, waiting)
        .where({"new": new, "revised": revised}.get(filters.change, sa.or_(new, revised)))
    )
    if filters.organization_id:
        query = query.where(model.organization_id == filters.organization_id)
    if kind == "scenario":
        if filters.domain:
            query = query.where(Scenario.domain == filters.domain)
        if filters.district:
            query = query.where(Scenario.district == filters.district)
        return query
    if filters.domain:
        query = query.where(Capability.domains.any(TaxonomyTerm.name == filters.domain))
    if filters.district:
        query = query.where(Capability.organization.has(Organization.district == filters.district))
    return query


def listing_queue(filters: QueueFilters, page: int) -> tuple[Pagination, list[QueueItem]]:
    """One page of the listing queue (both kinds, oldest first) and its items, loaded."""
    kinds = [filters.kind] if filters.kind else list(KINDS)
    union = sa.union_all(*(_queue_part(kind, filters) for kind in kinds)).subquery()
    query = sa.select(union.c.kind, union.c.id).order_by(
        union.c.queued_at, union.c.kind, union.c.id
    )
    pagination = RowPagination(
        select=query, session=db.session(), page=page, per_page=QUEUE_PAGE_SIZE, error_out=False
    )
    ids = {kind: [i for k, i in pagination.items if k == kind] for kind in KINDS}
    rows = {kind: _load_listings(kind, ids[kind]) for kind in KINDS}
    waiting = {kind: _pending_versions(kind, ids[kind]) for kind in KINDS}
    items = [
        _queue_item(kind, rows[kind][listing_id], waiting[kind].get(listing_id))
        for kind, listing_id in pagination.items
    ]
    return pagination, items


def queued_listings(kind: str, filters: QueueFilters, limit: int) -> list[Any]:
    """Listings of one kind in the queue (as published or submitted), oldest first, for export."""
    part = _queue_part(kind, filters).subquery()
    query = sa.select(part.c.id).order_by(part.c.queued_at, part.c.id).limit(limit)
    ids = list(db.session.scalars(query))
    rows = _load_listings(kind, ids)
    return [rows[i] for i in ids]


def _load_listings(kind: str, ids: list[int]) -> dict[int, Scenario | Capability]:
    """The listings with everything the page and the diff read (no query per item)."""
    if not ids:
        return {}
    model = KINDS[kind]
    query = sa.select(model).where(model.id.in_(ids))
    query = query.options(selectinload(model.organization), selectinload(model.tags))
    if model is Capability:
        query = query.options(selectinload(Capability.domains), selectinload(Capability.cases))
    # SQLAlchemy's overloads join Scenario | Capability to Base
    rows = cast("sa.ScalarResult[Scenario | Capability]", db.session.scalars(query))
    return {row.id: row for row in rows}


def _pending_versions(kind: str, ids: list[int]) -> dict[int, ListingVersion]:
    if not ids:
        return {}
    fk = ListingVersion.scenario_id if kind == "scenario" else ListingVersion.capability_id
    query = sa.select(ListingVersion).where(
        fk.in_(ids), ListingVersion.status == VersionStatus.PENDING
    )
    return {version.listing_id: version for version in db.session.scalars(query)}


def _queue_item(
    kind: str, listing: Scenario | Capability, version: ListingVersion | None
) -> QueueItem:
    changes: list[FieldChange] = []
    if version is not None and listing.status is ListingStatus.PUBLISHED:
        # the row holds the published content: the revision is compared with what people see
        changes = diff(kind, input_of(listing).to_snapshot(), version.snapshot)
    return QueueItem(kind, listing, version, changes)


@dataclass(frozen=True)
class HistoryEntry:
    """An earlier decision on one of an organisation's listings."""

    title: str
    kind: str
    number: int
    status: VersionStatus
    note: str
    decided_at: Any


def organization_history(org_ids: set[int], limit: int = 8) -> dict[int, list[HistoryEntry]]:
    """The latest decided versions of each organisation's listings (two queries in all)."""
    history: dict[int, list[HistoryEntry]] = {org_id: [] for org_id in org_ids}
    for kind, model in KINDS.items():
        fk = ListingVersion.scenario_id if kind == "scenario" else ListingVersion.capability_id
        query = (
            sa.select(model.organization_id, model.title, ListingVersion)
            .join(model, fk == model.id)
            .where(
                model.organization_id.in_(org_ids),
                ListingVersion.status != VersionStatus.PENDING,
            )
            .order_by(ListingVersion.decided_at.desc())
        )
        for org_id, title, version in db.session.execute(query):
            history[org_id].append(
                HistoryEntry(
                    title, kind, version.number, version.status, version.note, version.decided_at
                )
            )
    for entries in history.values():
        entries.sort(key=lambda e: e.decided_at, reverse=True)
        del entries[limit:]
    return history


def bulk_approve(admin: User, keys: list[str]) -> tuple[list[str], list[str]]:
    """Approve several listings, each on its own; return the titles done and the refusals."""
    done, refused = [], []
    for key in dict.fromkeys(keys):
        parsed = _parse_key(key)
        found = db.session.get(KINDS[parsed[0]], parsed[1]) if parsed else None
        # SQLAlchemy's overloads join Scenario | Capability to Base
        listing = cast("Scenario | Capability | None", found)
        if listing is None or parsed is None:
            refused.append(f"{key}：内容不存在")
            continue
        try:
            with db.session.begin_nested():
                decide_listing(admin, listing, True, "", parsed[2])
        except (DomainError, StaleDataError) as error:
            db.session.expire(listing)
            message = error.message if isinstance(error, DomainError) else listings.STALE_MESSAGE
            refused.append(f"“{listing.title}”：{message}")
        else:
            done.append(listing.title)
    return done, refused


def _parse_key(key: str) -> tuple[str, int, int] | None:
    parts = key.split(":")
    if len(parts) != 3 or parts[0] not in KINDS:
        return None
    listing_id, version = parse_id(parts[1]), parse_id(parts[2])
    if listing_id is None or version is None:
        return None
    return parts[0], listing_id, version
