"""All models, importable from one place (Alembic and the services use this)."""

from app.models.attachment import Attachment
from app.models.audit import AuditEvent
from app.models.base import Base
from app.models.batch import Batch, BatchItem, BatchKind
from app.models.cases import CaseStatus, ExcellentCase
from app.models.contact import ContactReveal
from app.models.engagement import (
    Engagement,
    EngagementEvent,
    EngagementOrigin,
    EngagementStage,
    RecommendationAcceptance,
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
from app.models.notification import (
    DeadlineReminder,
    Notification,
    NotificationPreference,
    OutboundEmail,
    OutboxStatus,
)
from app.models.org import Organization, OrgStatus, Role, User
from app.models.reporting import DASHBOARD_INDEXES
from app.models.search import ListingCount, SavedSearch, SearchDocument
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
    "CaseStatus",
    "DeadlineReminder",
    "DASHBOARD_INDEXES",
    "Engagement",
    "EngagementEvent",
    "EngagementOrigin",
    "EngagementStage",
    "ExcellentCase",
    "ListingCount",
    "ListingStatus",
    "ListingVersion",
    "MatchChange",
    "Notification",
    "NotificationPreference",
    "OrgStatus",
    "Organization",
    "OutboundEmail",
    "OutboxStatus",
    "Recommendation",
    "RecommendationAcceptance",
    "RecommendationStatus",
    "ReferenceCase",
    "RerankerModel",
    "Role",
    "SavedSearch",
    "Scenario",
    "SearchDocument",
    "TaxonomyTerm",
    "User",
    "VersionStatus",
    "VocabularyEntry",
    "VocabularyKind",
]
