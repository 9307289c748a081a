"""All models, importable from one place (Alembic and the services use this)."""

from app.models.api_tokens import ApiToken
from app.models.attachment import Attachment
from app.models.audit import AuditEvent, Outcome
from app.models.base import Base
from app.models.batch import Batch, BatchItem, BatchKind
from app.models.cases import CaseStatus, ExcellentCase
from app.models.contact import ContactReveal
from app.models.credentials import PasswordResetToken
from app.models.engagement import (
    Engagement,
    EngagementEvent,
    EngagementOrigin,
    EngagementStage,
    RecommendationAcceptance,
)
from app.models.files import StoredFile
from app.models.imports import PendingImport
from app.models.jobs import JobRun, JobStatus, PeriodicSlot
from app.models.listing import (
    Capability,
    ListingStatus,
    ReferenceCase,
    Scenario,
    TaxonomyTerm,
)
from app.models.matching import (
    IndexArtifact,
    IndexArtifactChunk,
    MatchCalibration,
    MatchChange,
    Recommendation,
    RecommendationImpression,
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
from app.models.questions import QuestionStatus, ScenarioFollow, ScenarioQuestion
from app.models.releases import RELEASE_TAGS, ListingRelease, OpenDataFile
from app.models.reporting import DASHBOARD_INDEXES, DashboardSnapshot
from app.models.search import ListingCount, SavedSearch, SearchDocument
from app.models.sessions import UserSession
from app.models.submission import FormSubmission
from app.models.versions import ListingVersion, VersionStatus

__all__ = [
    "ApiToken",
    "RELEASE_TAGS",
    "ListingRelease",
    "OpenDataFile",
    "PasswordResetToken",
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
    "FormSubmission",
    "DashboardSnapshot",
    "Engagement",
    "EngagementEvent",
    "EngagementOrigin",
    "EngagementStage",
    "ExcellentCase",
    "JobRun",
    "JobStatus",
    "IndexArtifact",
    "IndexArtifactChunk",
    "ListingCount",
    "ListingStatus",
    "ListingVersion",
    "MatchChange",
    "Notification",
    "NotificationPreference",
    "OrgStatus",
    "Outcome",
    "Organization",
    "PeriodicSlot",
    "OutboundEmail",
    "OutboxStatus",
    "PendingImport",
    "Recommendation",
    "RecommendationAcceptance",
    "RecommendationImpression",
    "RecommendationStatus",
    "ReferenceCase",
    "MatchCalibration",
    "RerankerModel",
    "QuestionStatus",
    "Role",
    "SavedSearch",
    "Scenario",
    "ScenarioFollow",
    "ScenarioQuestion",
    "SearchDocument",
    "StoredFile",
    "TaxonomyTerm",
    "User",
    "UserSession",
    "VersionStatus",
    "VocabularyEntry",
    "VocabularyKind",
]
