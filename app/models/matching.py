"""Recommended pairs, the change feed the matching indexes follow, re-rankers and vocabulary."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.compiler import SQLCompiler

from app.i18n import N_
from app.models.base import Base, TimestampMixin, enum_column, utcnow
from app.models.listing import Capability, Scenario
from app.models.org import User


class RecommendationStatus(enum.StrEnum):
    """A pair waits for review, is pushed to both sides, or is turned down."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        """The Chinese name shown in the UI."""
        return {"pending": N_("待审核"), "approved": N_("已推荐"), "rejected": N_("已驳回")}[
            self.value
        ]


class Recommendation(TimestampMixin, Base):
    """One engine-proposed pair; one row per pair, decided once by an administrator."""

    __tablename__ = "recommendations"
    __table_args__ = (
        sa.UniqueConstraint("scenario_id", "capability_id"),
        sa.CheckConstraint(
            "(status = 'pending' AND reviewer_id IS NULL AND reviewed_at IS NULL)"
            " OR (status <> 'pending' AND reviewer_id IS NOT NULL AND reviewed_at IS NOT NULL)",
            name="decided_has_reviewer",
        ),
        sa.CheckConstraint("score >= 0 AND score <= 1", name="score_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(
        sa.ForeignKey("scenarios.id", ondelete="CASCADE"), index=True
    )
    capability_id: Mapped[int] = mapped_column(
        sa.ForeignKey("capabilities.id", ondelete="CASCADE"), index=True
    )
    score: Mapped[float]
    terms: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # the engine's raw signal values (the re-ranker's features) and its explanation
    signals: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    explanation: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    status: Mapped[RecommendationStatus] = mapped_column(
        enum_column(RecommendationStatus, "recommendation_status"),
        default=RecommendationStatus.PENDING,
        index=True,
    )
    reviewer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    review_note: Mapped[str] = mapped_column(sa.Text, default="")
    # the served engine (index artifact) that proposed the pair
    engine_version: Mapped[str | None] = mapped_column(sa.String(60))

    scenario: Mapped[Scenario] = relationship()
    capability: Mapped[Capability] = relationship()
    reviewer: Mapped[User | None] = relationship()


class CurrentTransaction(sa.sql.expression.ColumnElement[int]):
    """The writing transaction's id on PostgreSQL (a column default); NULL elsewhere."""

    type = sa.BigInteger()
    inherit_cache = True


@compiles(CurrentTransaction, "postgresql")
def _current_transaction_pg(
    _element: CurrentTransaction, _compiler: SQLCompiler, **_kw: object
) -> str:
    return "(pg_current_xact_id()::text::bigint)"


@compiles(CurrentTransaction)
def _current_transaction(
    _element: CurrentTransaction, _compiler: SQLCompiler, **_kw: object
) -> str:
    return "NULL"


class MatchChange(Base):
    """An append-only feed of what the in-memory indexes must apply.

    Every matcher follows it (app/recommendations/feed.py). On PostgreSQL each row records
    the id of the transaction that wrote it (`xact`), because row ids are allocated when a row
    is flushed, not when it commits: a reader keeps as its position the oldest transaction
    still running when it read, so a row committed late is still found. SQLite has one writer
    at a time, so there ids commit in order and the position is the last id applied.
    """

    __tablename__ = "match_changes"
    __table_args__ = (
        sa.CheckConstraint("side IN ('scenario', 'capability', 'engine')", name="side"),
        sa.CheckConstraint("op IN ('upsert', 'remove', 'reload')", name="op"),
        # ids must never be reused after rows are pruned: processes compare them
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    side: Mapped[str] = mapped_column(sa.String(20))
    listing_id: Mapped[int | None]
    op: Mapped[str] = mapped_column(sa.String(10))
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, index=True
    )
    # the writing transaction (PostgreSQL), set by the database whoever inserts the row
    xact: Mapped[int | None] = mapped_column(
        sa.BigInteger, server_default=CurrentTransaction(), index=True
    )
    # an 'engine' row names the index artifact every matcher should switch to
    artifact_id: Mapped[int | None]


class IndexArtifact(Base):
    """The engine and both sides' indexes built once for the deployment, signed and stored.

    The bytes (a pickle) live in `index_artifact_chunks`; `hmac` (HMAC-SHA256 with a key
    derived from SECRET_KEY over the metadata and the bytes' SHA-256) is checked before the
    bytes are unpickled, so only this deployment's own builds are ever loaded.
    """

    __tablename__ = "index_artifacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(sa.String(60), unique=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    vocabulary: Mapped[str] = mapped_column(sa.String(64))  # the vocabulary fingerprint
    features_version: Mapped[int]
    format: Mapped[int]  # the layout of the pickled state (artifacts.FORMAT)
    # the change feed position as of the snapshot the build read
    feed_cursor: Mapped[int] = mapped_column(sa.BigInteger)
    scenarios: Mapped[int]
    capabilities: Mapped[int]
    size: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    hmac: Mapped[str] = mapped_column(sa.String(64))
    build_seconds: Mapped[float]


class IndexArtifactChunk(Base):
    """A slice of an artifact's bytes (PostgreSQL caps one bytea value at 1 GB)."""

    __tablename__ = "index_artifact_chunks"

    artifact_id: Mapped[int] = mapped_column(
        sa.ForeignKey("index_artifacts.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)


class RecommendationImpression(Base):
    """Recommendations a detail page showed: to whom, from which engine, in what order."""

    __tablename__ = "recommendation_impressions"
    __table_args__ = (
        sa.CheckConstraint("side IN ('scenario', 'capability')", name="side"),
        sa.Index("ix_recommendation_impressions_listing", "side", "listing_id", "shown_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shown_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    organization_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="SET NULL")
    )
    side: Mapped[str] = mapped_column(sa.String(20))  # the side of the listing whose page it was
    listing_id: Mapped[int]
    engine_version: Mapped[str] = mapped_column(sa.String(60))
    filters: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # [{"id": 12, "rank": 1, "score": 0.53}, …] in the order shown
    candidates: Mapped[list] = mapped_column(sa.JSON, default=list)


class RerankerModel(Base):
    """A re-ranker trained on review decisions, with its evaluation; at most one is active."""

    __tablename__ = "reranker_models"
    __table_args__ = (
        sa.Index(
            "uq_reranker_models_one_active",
            "active",
            unique=True,
            sqlite_where=sa.text("active"),
            postgresql_where=sa.text("active"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(sa.String(40), unique=True)
    trained_on: Mapped[int]
    params: Mapped[dict | None] = mapped_column(sa.JSON)  # None when too little to train on
    base_metrics: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    learned_metrics: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    active: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    created_by: Mapped[User | None] = relationship()


class MatchCalibration(Base):
    """A score-to-probability calibration refitted on review decisions; the newest is used
    (without one, the dev-set calibration in seed/matching/calibration.json)."""

    __tablename__ = "match_calibrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    a: Mapped[float]  # probability = 1 / (1 + exp(-(a · score + b)))
    b: Mapped[float]
    pairs: Mapped[int]  # decided pairs it was fitted on
    positives: Mapped[int]  # of them approved
    ece: Mapped[float | None]  # cross-validated expected calibration error, when measurable
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class VocabularyKind(enum.StrEnum):
    """What an administrator adds to the engine's language."""

    WORD = "word"
    SYNONYMS = "synonyms"

    @property
    def label(self) -> str:
        """The Chinese name shown in the UI."""
        return {"word": "词典词", "synonyms": "同义词组"}[self.value]


class VocabularyEntry(TimestampMixin, Base):
    """A dictionary word or a synonym group added without a deploy (on top of seed/)."""

    __tablename__ = "vocabulary_entries"
    __table_args__ = (sa.UniqueConstraint("kind", "text"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[VocabularyKind] = mapped_column(enum_column(VocabularyKind, "vocabulary_kind"))
    text: Mapped[str] = mapped_column(sa.String(200))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    created_by: Mapped[User | None] = relationship()
