"""Creating, editing, submitting, reviewing, withdrawing, closing and expiring listings.

The listing row always holds the content the public sees. Each submission is kept as a
numbered ListingVersion; a revision of a published listing waits there until approved.
"""

from __future__ import annotations

from datetime import date
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app import audit, clock, taxonomy
from app import listing_kinds as kinds
from app.errors import DomainError, StaleError
from app.extensions import db
from app.listing_kinds import CAPABILITY, SCENARIO, ListingKind
from app.listing_kinds.versions import (
    CapabilityInput,
    CaseInput,
    ListingInput,
    ScenarioInput,
    input_from,
    input_of,
)
from app.listings import lifecycle, publication
from app.listings.lifecycle import ADMIN, OWNER, SYSTEM, next_status
from app.models import (
    Capability,
    ListingStatus,
    ListingVersion,
    ReferenceCase,
    Scenario,
    User,
    VersionStatus,
)
from app.models.base import utcnow
from app.models.listing import QUALIFICATION_SEPARATOR
from app.notifications import services as notifications
from app.open_data import releases
from app.recommendations import provider
from app.security import policies

__all__ = ["CapabilityInput", "CaseInput", "ScenarioInput"]

Listing = Scenario | Capability

STALE_MESSAGE = "该内容已被他人修改，请核对最新内容后重新提交。"


class StaleListingError(StaleError):
    """The user worked on a copy that someone else has changed since."""

    def __init__(self, message: str = STALE_MESSAGE) -> None:
        super().__init__(message)


def kind_of(listing: Listing) -> str:
    """'scenario' or 'capability'."""
    return kinds.kind_of(listing).name


def check_fresh(listing: Listing, seen_version: int | None) -> None:
    """Refuse a change based on a version of the listing older than the stored one."""
    if seen_version is not None and seen_version != listing.lock_version:
        raise StaleListingError()


# ---------------------------------------------------------------- writing


def create(kind: ListingKind, user: User, data: ListingInput) -> Listing:
    """A new draft of the kind owned by the user's organisation (only its owner role may)."""
    if user.role is not kind.owner_role:
        raise DomainError(f"只有{kind.owner_role.label}可以发布{kind.noun}。")
    listing = kind.model(organization_id=user.organization_id)
    _fill(listing, data)
    db.session.add(listing)
    provider.refresh_features(listing)
    audit.record(user, "create", listing)
    return listing


def create_scenario(user: User, data: ScenarioInput) -> Scenario:
    """A new draft scenario owned by the user's organisation."""
    return create(SCENARIO, user, data)  # type: ignore[return-value]


def create_capability(user: User, data: CapabilityInput) -> Capability:
    """A new draft capability owned by the user's firm."""
    return create(CAPABILITY, user, data)  # type: ignore[return-value]


def save(user: User, listing: Listing, data: ListingInput, seen_version: int | None) -> bool:
    """Save an owner's edit; return True when it became a revision waiting for review.

    Drafts, rejected and withdrawn listings change in place. A published listing keeps its
    public content: the edit becomes (or replaces) its pending revision.
    """
    if not policies.is_owner(user, listing):
        raise DomainError("只能修改本单位的内容。")
    check_fresh(listing, seen_version)
    if listing.is_editable:
        _fill(listing, data)
        provider.refresh_features(listing)
        audit.record(user, "edit", listing)
        return False
    next_status(listing.status, "revise", OWNER)
    _save_revision(user, listing, data)
    return True


def _save_revision(user: User, listing: Listing, data: ListingInput) -> None:
    snapshot = data.to_snapshot()
    revision = pending_version(listing)
    if revision is None:
        _baseline(listing)
        _new_version(user, listing, snapshot, is_revision=True)
    else:  # a second edit before review replaces the waiting one (same number)
        revision.snapshot = snapshot
        revision.author_id = user.id
        revision.created_at = utcnow()
    # touching the row bumps lock_version, so a reviewer looking at the older revision
    # (or a colleague editing the same listing) is told that it changed
    listing.updated_at = utcnow()
    listing.review_note = ""  # a rejection was of an earlier revision: this one awaits review
    audit.record(user, "revise", listing)


def _fill(listing: Listing, data: ListingInput) -> None:
    if isinstance(listing, Scenario) and isinstance(data, ScenarioInput):
        _fill_scenario(listing, data)
    elif isinstance(listing, Capability) and isinstance(data, CapabilityInput):
        _fill_capability(listing, data)
    else:  # a programming error, not a user's
        raise TypeError(f"{type(data).__name__} does not fit {type(listing).__name__}")


def _fill_scenario(scenario: Scenario, data: ScenarioInput) -> None:
    if data.budget_max_wan is not None and (
        data.budget_wan is None or data.budget_max_wan < data.budget_wan
    ):
        raise DomainError("预算上限应不低于预算下限。", field="budget_max_wan")
    scenario.title = data.title
    scenario.domain = data.domain
    scenario.district = data.district
    scenario.description = data.description
    scenario.needs = data.needs
    scenario.expected = data.expected
    scenario.tags = taxonomy.terms("tag", data.tags)
    scenario.budget_wan = data.budget_wan
    scenario.budget_max_wan = data.budget_max_wan
    scenario.opening_method = data.opening_method
    scenario.deadline = data.deadline
    scenario.contact_name = data.contact_name
    scenario.contact_phone = data.contact_phone
    scenario.contact_email = data.contact_email


def _fill_capability(capability: Capability, data: CapabilityInput) -> None:
    capability.title = data.title
    capability.cap_type = data.cap_type
    capability.maturity = data.maturity
    capability.domains = taxonomy.terms("domain", data.domains)
    capability.tags = taxonomy.terms("tag", data.tags)
    capability.description = data.description
    capability.keywords = data.keywords
    capability.qualifications = QUALIFICATION_SEPARATOR.join(data.qualifications)
    capability.cases = [
        ReferenceCase(client=c.client, year=c.year, result=c.result) for c in data.cases
    ]


# ---------------------------------------------------------------- versions


def versions_of(listing: Listing) -> list[ListingVersion]:
    """Every version of a listing, newest first, with author and reviewer loaded."""
    query = (
        sa.select(ListingVersion)
        .where(_version_owner(listing))
        .options(selectinload(ListingVersion.author), selectinload(ListingVersion.reviewer))
        .order_by(ListingVersion.number.desc())
    )
    return list(db.session.scalars(query))


def pending_version(listing: Listing) -> ListingVersion | None:
    """The version waiting for review, if any (the services keep at most one)."""
    query = sa.select(ListingVersion).where(
        _version_owner(listing), ListingVersion.status == VersionStatus.PENDING
    )
    return db.session.scalars(query.order_by(ListingVersion.number.desc())).first()


def with_pending_revision(listings: list[Listing]) -> set[int]:
    """The ids of those published listings (all of one kind) whose revision waits (one query)."""
    published = [item.id for item in listings if item.status is ListingStatus.PUBLISHED]
    if not published:
        return set()
    fk = getattr(ListingVersion, kinds.kind_of(listings[0]).foreign_key)
    query = sa.select(fk).where(fk.in_(published), ListingVersion.status == VersionStatus.PENDING)
    return set(db.session.scalars(query))


def draft_of(listing: Listing) -> ListingInput:
    """What the owner's edit form starts from: the waiting revision, else the row."""
    revision = pending_version(listing) if listing.status is ListingStatus.PUBLISHED else None
    return input_from(kind_of(listing), revision.snapshot) if revision else input_of(listing)


def _version_owner(listing: Listing) -> sa.ColumnElement[bool]:
    column = getattr(ListingVersion, kinds.kind_of(listing).foreign_key)
    return cast("sa.ColumnElement[bool]", column == listing.id)


def _new_version(
    user: User | None, listing: Listing, snapshot: dict[str, Any], is_revision: bool
) -> ListingVersion:
    db.session.flush()  # the listing needs its id
    last = db.session.scalar(
        sa.select(sa.func.max(ListingVersion.number)).where(_version_owner(listing))
    )
    kind = kinds.kind_of(listing)
    version = ListingVersion(
        kind=kind.name,
        **{kind.foreign_key: listing.id},
        number=(last or 0) + 1,
        snapshot=snapshot,
        is_revision=is_revision,
        author_id=getattr(user, "id", None),
        status=VersionStatus.PENDING,
    )
    db.session.add(version)
    return version


def _baseline(listing: Listing) -> None:
    """Listings published before versions were kept get their public content as version 1."""
    db.session.flush()
    if db.session.scalar(sa.select(ListingVersion.id).where(_version_owner(listing)).limit(1)):
        return
    version = _new_version(None, listing, input_of(listing).to_snapshot(), is_revision=False)
    version.status = VersionStatus.APPROVED
    version.decided_at = listing.published_at or utcnow()
    version.note = "发布时的内容"
    db.session.flush()


def _decide_version(
    version: ListingVersion, admin: User | None, status: VersionStatus, note: str
) -> None:
    # read first: an expired reviewer reloads, and that query's autoflush must not write a
    # decided version without its decision time (the decided_has_time CHECK)
    reviewer_id = getattr(admin, "id", None)
    version.status = status
    version.reviewer_id = reviewer_id
    version.decided_at = utcnow()
    version.note = note


# ---------------------------------------------------------------- lifecycle


def submit(user: User, listing: Listing) -> None:
    """Send a draft, rejected or withdrawn listing to the administrators' review queue."""
    if not policies.is_owner(user, listing):
        raise DomainError("只能提交本单位的内容。")
    if user.organization is None or not user.organization.is_approved:
        raise DomainError("单位信息尚未通过平台审核，审核通过后才能提交发布。")
    listing.status = next_status(listing.status, "submit", OWNER)
    listing.submitted_at = utcnow()
    listing.review_note = ""
    listing.close_reason = ""
    _new_version(user, listing, input_of(listing).to_snapshot(), is_revision=False)
    audit.record(user, "submit", listing)


def approve(admin: User, listing: Listing, seen_version: int | None = None) -> None:
    """Publish a listing under review, or its waiting revision."""
    check_fresh(listing, seen_version)
    revision = pending_version(listing) if listing.status is ListingStatus.PUBLISHED else None
    if revision is not None:
        _fill(listing, input_from(kind_of(listing), revision.snapshot))
        provider.refresh_features(listing)
        _decide_version(revision, admin, VersionStatus.APPROVED, "")
        listing.review_note = ""
        publication.published(listing, first=False)
        audit.record(admin, "approve_revision", listing, f"第{revision.number}版")
        _tell_owner(listing, f"“{listing.title}”的修改已审核通过，公开页面已更新。")
        return
    listing.status = next_status(listing.status, "approve", ADMIN)
    listing.published_at = utcnow()
    listing.review_note = ""
    version = pending_version(listing) or _new_version(
        None, listing, input_of(listing).to_snapshot(), is_revision=False
    )  # listings submitted before versions existed get their first version now
    _decide_version(version, admin, VersionStatus.APPROVED, "")
    publication.published(listing, first=True)
    audit.record(admin, "approve", listing)
    _tell_owner(listing, f"“{listing.title}”已审核通过并发布。")


def reject(admin: Any, listing: Listing, reason: str, seen_version: int | None = None) -> None:
    """Send a listing, or its waiting revision, back to its owner with the reason."""
    reason = reason.strip()
    if not reason:
        raise DomainError("驳回时请填写原因。", field="reason")
    check_fresh(listing, seen_version)
    revision = pending_version(listing) if listing.status is ListingStatus.PUBLISHED else None
    if revision is not None:
        _decide_version(revision, admin, VersionStatus.REJECTED, reason)
        listing.review_note = reason
        listing.updated_at = utcnow()
        audit.record(admin, "reject_revision", listing, reason)
        _tell_owner(
            listing,
            f"“{listing.title}”的修改未通过审核，公开页面仍为原内容。",
            body=f"驳回原因：{reason}",
        )
        return
    listing.status = next_status(listing.status, "reject", ADMIN)
    listing.review_note = reason
    version = pending_version(listing)
    if version is not None:
        _decide_version(version, admin, VersionStatus.REJECTED, reason)
    audit.record(admin, "reject", listing, reason)
    _tell_owner(listing, f"“{listing.title}”未通过审核。", body=f"驳回原因：{reason}")


def withdraw(user: User, listing: Listing, reason: str, seen_version: int | None = None) -> None:
    """The owner takes a listing back from review or from publication."""
    if not policies.is_owner(user, listing):
        raise DomainError("只能撤回本单位的内容。")
    _end(user, listing, "withdraw", OWNER, reason, seen_version)


def close(user: User, listing: Listing, reason: str, seen_version: int | None = None) -> None:
    """The owner or an administrator closes a published listing (e.g. the need was met)."""
    if policies.is_reviewer(user):
        actor = ADMIN
    elif policies.is_owner(user, listing):
        actor = OWNER
    else:
        raise DomainError("只能关闭本单位的内容。")
    _end(user, listing, "close", actor, reason, seen_version)
    if actor == ADMIN:
        _tell_owner(
            listing, f"“{listing.title}”已被平台管理员关闭。", body=f"原因：{reason.strip()}"
        )


def _end(
    user: User, listing: Listing, action: str, actor: str, reason: str, seen_version: int | None
) -> None:
    reason = reason.strip()
    if not reason:
        raise DomainError(f"{lifecycle.ACTION_LABELS[action]}时请填写原因。", field="reason")
    check_fresh(listing, seen_version)
    was_public = listing.status is ListingStatus.PUBLISHED
    listing.status = next_status(listing.status, action, actor)
    listing.close_reason = reason
    releases.record_end(listing, was_public)  # a listing never published has no release
    # a waiting version ends with the listing; only an administrator counts as its reviewer
    _drop_pending_version(user if actor == ADMIN else None, listing, f"内容{listing.status.label}")
    provider.record_change(listing, op="remove")
    audit.record(user, action, listing, reason)


def _drop_pending_version(user: User | None, listing: Listing, note: str) -> None:
    version = pending_version(listing)
    if version is not None:
        _decide_version(version, user, VersionStatus.REJECTED, note)


def expire_due(today: date | None = None) -> list[Scenario]:
    """Mark published scenarios whose deadline has passed as 已过期; return them."""
    today = today or clock.today()
    query = sa.select(Scenario).where(
        Scenario.status == ListingStatus.PUBLISHED, Scenario.deadline < today
    )
    expired = list(db.session.scalars(query.order_by(Scenario.id)))
    for scenario in expired:
        scenario.status = next_status(scenario.status, "expire", SYSTEM)
        scenario.close_reason = (
            f"申报截止日期（{scenario.deadline}）已过"  # str(date) is its ISO form
        )
        _drop_pending_version(None, scenario, "场景已过期")
        provider.record_change(scenario, op="remove")
        releases.record(scenario, "expiry")
        audit.record(None, "expire", scenario)
    db.session.flush()
    return expired


def _tell_owner(listing: Listing, title: str, body: str = "") -> None:
    kind = kinds.kind_of(listing).segment
    link = f"/my/{kind}/{listing.id}/edit" if listing.is_editable else f"/{kind}/{listing.id}"
    notifications.notify_organization(
        listing.organization_id, "listing_reviewed", title, link, body
    )
