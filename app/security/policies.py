"""Per-object permissions as pure functions of a user and an object (no HTTP, no database)."""

from __future__ import annotations

from typing import Protocol, TypeAlias

from flask_login import AnonymousUserMixin

from app.models.org import Organization, OrgStatus, Role, User

# Flask-Login's current_user: a User, or its anonymous stand-in for a visitor not signed in
Visitor: TypeAlias = User | AnonymousUserMixin


class OwnedListing(Protocol):
    """What the policies need to know about a scenario or capability."""

    organization_id: int

    @property
    def is_published(self) -> bool: ...

    @property
    def is_editable(self) -> bool: ...


def is_reviewer(user: Visitor) -> bool:
    """A signed-in platform administrator."""
    return bool(getattr(user, "is_authenticated", False)) and (
        getattr(user, "role", None) is Role.REVIEWER
    )


def is_owner(user: Visitor, listing: OwnedListing) -> bool:
    """The user belongs to the organisation that posted the listing."""
    org_id = getattr(user, "organization_id", None)
    return bool(getattr(user, "is_authenticated", False)) and org_id == listing.organization_id


def can_view(user: Visitor, listing: OwnedListing) -> bool:
    """Published listings are public; others only to their owner and administrators."""
    return listing.is_published or is_owner(user, listing) or is_reviewer(user)


def can_edit(user: Visitor, listing: OwnedListing) -> bool:
    """Owners edit drafts and rejected listings; published ones stay as reviewed."""
    return is_owner(user, listing) and listing.is_editable


def can_submit(user: Visitor, listing: OwnedListing) -> bool:
    """Owners submit editable listings once their organisation is approved."""
    org = getattr(user, "organization", None)
    return can_edit(user, listing) and org is not None and org.status is OrgStatus.APPROVED


def can_see_recommendations(user: Visitor, listing: OwnedListing) -> bool:
    """The engine's proposals are shown to the owner and administrators, for published listings."""
    return listing.is_published and (is_owner(user, listing) or is_reviewer(user))


# --- organisation profiles, contacts and attachments ---


def is_member(user: Visitor, organization_id: int) -> bool:
    """The user signs in for this organisation."""
    return bool(getattr(user, "is_authenticated", False)) and (
        getattr(user, "organization_id", None) == organization_id
    )


def in_approved_organization(user: Visitor) -> bool:
    """A signed-in user whose organisation has passed review."""
    org = getattr(user, "organization", None)
    return bool(getattr(user, "is_authenticated", False)) and (
        org is not None and org.status is OrgStatus.APPROVED
    )


def can_reveal_contacts(user: Visitor) -> bool:
    """Administrators and users of approved organisations may reveal contacts (logged)."""
    return is_reviewer(user) or in_approved_organization(user)


def can_view_organization(user: Visitor, org: Organization) -> bool:
    """Approved organisations are public; others only to their members and administrators."""
    return org.status is OrgStatus.APPROVED or is_member(user, org.id) or is_reviewer(user)


def can_download_attachment(user: Visitor, listing: OwnedListing) -> bool:
    """Published listings' files go to approved organisations; others to owner and admins."""
    if is_owner(user, listing) or is_reviewer(user):
        return True
    return listing.is_published and in_approved_organization(user)


def can_manage_attachments(user: Visitor, listing: OwnedListing) -> bool:
    """Owners add and remove files while the listing is editable (published ones stay as reviewed)."""
    return can_edit(user, listing)


# --- engagements and excellent cases ---


class EngagementParties(Protocol):
    """What the policies need to know about an engagement: its two organisations."""

    firm_id: int

    @property
    def publisher_id(self) -> int: ...


def engagement_party(user: Visitor, engagement: EngagementParties) -> str | None:
    """'publisher' or 'firm' when the user's organisation is a party to the engagement."""
    if not getattr(user, "is_authenticated", False):
        return None
    org_id = getattr(user, "organization_id", None)
    if org_id is not None and org_id == engagement.publisher_id:
        return "publisher"
    if org_id is not None and org_id == engagement.firm_id:
        return "firm"
    return None


def can_view_engagement(user: Visitor, engagement: EngagementParties) -> bool:
    """Both organisations and administrators see the timeline; anyone else gets a 404."""
    return engagement_party(user, engagement) is not None or is_reviewer(user)
