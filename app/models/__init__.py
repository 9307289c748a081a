"""All models, importable from one place (Alembic and the services use this)."""

from app.models.audit import AuditEvent
from app.models.base import Base
from app.models.listing import (
    Capability,
    ListingStatus,
    ReferenceCase,
    Scenario,
    TaxonomyTerm,
)
from app.models.matching import Recommendation, RecommendationStatus
from app.models.org import Organization, OrgStatus, Role, User

__all__ = [
    "AuditEvent",
    "Base",
    "Capability",
    "ListingStatus",
    "OrgStatus",
    "Organization",
    "Recommendation",
    "RecommendationStatus",
    "ReferenceCase",
    "Role",
    "Scenario",
    "TaxonomyTerm",
    "User",
]
