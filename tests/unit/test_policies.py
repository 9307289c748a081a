"""Per-object permissions, checked without HTTP or a database."""

from __future__ import annotations

import pytest

from app.errors import DomainError
from app.listings.lifecycle import TRANSITIONS, next_status
from app.models import ListingStatus, OrgStatus, Role
from app.security import policies
from tests.unit.policy_stubs import Anonymous, Listing, Org, User

OWNER = User(Role.FIRM, 1)
STRANGER = User(Role.FIRM, 2)
ADMIN = User(Role.REVIEWER, None, None)


@pytest.mark.parametrize("status", list(ListingStatus))
def test_who_sees_a_listing(status: ListingStatus) -> None:
    listing = Listing(1, status)
    public = status is ListingStatus.PUBLISHED
    assert policies.can_view(Anonymous(), listing) is public
    assert policies.can_view(STRANGER, listing) is public
    assert policies.can_view(OWNER, listing) is True
    assert policies.can_view(ADMIN, listing) is True


@pytest.mark.parametrize("status", list(ListingStatus))
def test_only_owners_edit_and_only_drafts_rejected_or_withdrawn(status: ListingStatus) -> None:
    listing = Listing(1, status)
    # a withdrawn listing is back with its owner, who may fix it and submit it again
    editable = status in (ListingStatus.DRAFT, ListingStatus.REJECTED, ListingStatus.WITHDRAWN)
    assert policies.can_edit(OWNER, listing) is editable
    assert policies.can_edit(STRANGER, listing) is False
    assert policies.can_edit(ADMIN, listing) is False
    assert policies.can_edit(Anonymous(), listing) is False


def test_submitting_needs_an_approved_organisation() -> None:
    listing = Listing(1, ListingStatus.DRAFT)
    assert policies.can_submit(OWNER, listing) is True
    assert policies.can_submit(User(Role.FIRM, 1, Org(status=OrgStatus.PENDING)), listing) is False
    assert policies.can_submit(User(Role.FIRM, 1, Org(status=OrgStatus.REJECTED)), listing) is False


def test_recommendations_are_shown_to_owner_and_admin_for_published_listings() -> None:
    published, draft = Listing(1, ListingStatus.PUBLISHED), Listing(1, ListingStatus.DRAFT)
    assert policies.can_see_recommendations(OWNER, published) is True
    assert policies.can_see_recommendations(ADMIN, published) is True
    assert policies.can_see_recommendations(STRANGER, published) is False
    assert policies.can_see_recommendations(Anonymous(), published) is False
    assert policies.can_see_recommendations(OWNER, draft) is False


def test_allowed_transitions_and_a_clear_refusal_for_the_rest() -> None:
    assert next_status(ListingStatus.DRAFT, "submit") is ListingStatus.PENDING
    assert next_status(ListingStatus.PENDING, "approve") is ListingStatus.PUBLISHED
    assert next_status(ListingStatus.PENDING, "reject") is ListingStatus.REJECTED
    for status in ListingStatus:
        for action in ("submit", "approve", "reject"):
            if (status, action) not in TRANSITIONS:
                with pytest.raises(DomainError, match=f"当前状态为“{status.label}”"):
                    next_status(status, action)
