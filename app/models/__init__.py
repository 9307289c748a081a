"""All models, importable from one place (Alembic and the services use this)."""

from app.models.audit import AuditEvent
from app.models.base import Base
from app.models.cases import CaseStatus, ExcellentCase
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

__all__ = [
    "AuditEvent",
    "Base",
    "Capability",
    "CaseStatus",
    "DeadlineReminder",
    "Engagement",
    "EngagementEvent",
    "EngagementOrigin",
    "EngagementStage",
    "ExcellentCase",
    "ListingStatus",
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
    "Scenario",
    "TaxonomyTerm",
    "User",
    "VocabularyEntry",
    "VocabularyKind",
]
