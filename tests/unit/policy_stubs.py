"""Plain stand-ins for users, organisations and listings, for policy tests without a database."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.models import ListingStatus, OrgStatus, Role
from app.models.listing import EDITABLE_STATUSES


@dataclass
class Org:
    id: int = 1
    status: OrgStatus = OrgStatus.APPROVED


@dataclass
class User:
    role: Role
    organization_id: int | None
    organization: Org | None = field(default_factory=Org)
    is_authenticated: bool = True


@dataclass
class Listing:
    organization_id: int
    status: ListingStatus

    @property
    def is_published(self) -> bool:
        return self.status is ListingStatus.PUBLISHED

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES


class Anonymous:
    is_authenticated = False
