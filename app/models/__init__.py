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
from app.models.matching import (
    MatchChange,
    Recommendation,
    RecommendationStatus,
    RerankerModel,
    VocabularyEntry,
    VocabularyKind,
)
from app.models.org import Organization, OrgStatus, Role, User

__all__ = [
    "AuditEvent",
    "Base",
    "Capability",
    "ListingStatus",
    "MatchChange",
    "OrgStatus",
    "Organization",
    "Recommendation",
    "RecommendationStatus",
    "ReferenceCase",
    "RerankerModel",
    "Role",
    "Scenario",
    "TaxonomyTerm",
    "User",
    "VocabularyEntry",
    "VocabularyKind",
]
