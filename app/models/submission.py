"""One-time tokens of forms that create a record: a repeated POST finds the first one's result."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow


class FormSubmission(Base):
    """A create form's token, stored in the same transaction as the record it created."""

    __tablename__ = "form_submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # the unique key that turns a second POST of the same form into a refusal
    token: Mapped[str] = mapped_column(sa.String(32), unique=True)
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # where the first submission led (its record's page): the repeat is sent there
    location: Mapped[str] = mapped_column(sa.String(500), default="")
    # old tokens are swept (a form left open for longer is submitted as new)
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, index=True
    )
