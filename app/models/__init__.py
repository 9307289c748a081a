"""All models, importable from one place (Alembic and the services use this)."""

from app.models.attachment import Attachment
from app.models.audit import AuditEvent
from app.models.base import Base
from app.models.batch import Batch, BatchItem, BatchKind
from app.models.contact import ContactReveal
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
from app.models.versions import ListingVersion, VersionStatus

__all__ = [
    "Attachment",
    "AuditEvent",
    "Base",
    "Batch",
    "BatchItem",
    "BatchKind",
    "Capability",
    "ContactReveal",
    "Engagement",
    "EngagementEvent",
    "EngagementOrigin",
    "EngagementStage",
    "ListingStatus",
    "ListingVersion",
    "MatchChange",
    "Notification",
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
    "VersionStatus",
    "VocabularyEntry",
    "VocabularyKind",
]
