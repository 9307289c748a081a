"""Public clarification questions on a scenario (场景答疑) and the users who follow a scenario."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.i18n import N_
from app.models.base import Base, enum_column, utcnow
from app.models.listing import Scenario


class QuestionStatus(enum.StrEnum):
    """A question waits for the publisher's answer or has one."""

    PENDING = "pending"
    ANSWERED = "answered"

    @property
    def label(self) -> str:
        """The name users see."""
        return {"pending": N_("待答复"), "answered": N_("已答复")}[self.value]


class ScenarioQuestion(Base):
    """A firm's question about an open scenario; public once answered, never naming the asker."""

    __tablename__ = "scenario_questions"
    __table_args__ = (
        sa.Index("ix_scenario_questions_scenario_status", "scenario_id", "status"),
        sa.Index("ix_scenario_questions_asker_created", "asker_id", "created_at"),
        # an answered question has its answer and time, a pending one neither
        sa.CheckConstraint(
            "(status = 'pending' AND answer IS NULL AND answered_at IS NULL)"
            " OR (status = 'answered' AND answer IS NOT NULL AND answered_at IS NOT NULL)",
            name="answer_matches_status",
        ),
        # a hidden question says why
        sa.CheckConstraint("hidden_at IS NULL OR hidden_reason <> ''", name="hidden_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(sa.ForeignKey("scenarios.id", ondelete="CASCADE"))
    # who asked: shown to the asker (their own list) and to reviewers, never publicly
    asker_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    question: Mapped[str] = mapped_column(sa.Text, info={"personal": True})
    status: Mapped[QuestionStatus] = mapped_column(
        enum_column(QuestionStatus, "question_status"), default=QuestionStatus.PENDING
    )
    answer: Mapped[str | None] = mapped_column(sa.Text)
    answered_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    answer_edited_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    answered_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    hidden_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    hidden_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    hidden_reason: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    # two colleagues answering the same question at once: the second is told, not overwritten
    lock_version: Mapped[int] = mapped_column(default=1)

    scenario: Mapped[Scenario] = relationship()

    __mapper_args__ = {"version_id_col": lock_version}  # noqa: RUF012 - SQLAlchemy's mapping

    @property
    def is_hidden(self) -> bool:
        """An administrator hid it: gone from the public page and from the publisher's list."""
        return self.hidden_at is not None

    @property
    def is_answered(self) -> bool:
        """The publisher has answered."""
        return self.status is QuestionStatus.ANSWERED


class ScenarioFollow(Base):
    """A user follows a scenario (关注) and is told of each new public answer on it."""

    __tablename__ = "scenario_follows"
    __table_args__ = (sa.UniqueConstraint("scenario_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(sa.ForeignKey("scenarios.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
