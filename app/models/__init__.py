"""All models, importable from one place (Alembic and the services use this)."""

from app.models.audit import AuditEvent
from app.models.base import Base
from app.models.engagement import (
    Engagement,
    EngagementEvent,
    EngagementOrigin,
    EngagementStage,
)
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
from app.models.notification import Notification
from app.models.org import Organization, OrgStatus, Role, User
from app.models.search import SavedSearch, SearchDocument

__all__ = [
    "AuditEvent",
    "Base",
    "Capability",
    "Engagement",
    "EngagementEvent",
    "EngagementOrigin",
    "EngagementStage",
    "ListingStatus",
    "MatchChange",
    "Notification",
    "OrgStatus",
    "Organization",
    "Recommendation",
    "RecommendationStatus",
    "ReferenceCase",
    "RerankerModel",
    "Role",
    "SavedSearch",
    "Scenario",
    "SearchDocument",
    "TaxonomyTerm",
    "User",
    "VocabularyEntry",
    "VocabularyKind",
]
