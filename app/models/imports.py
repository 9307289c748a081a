"""Spreadsheets uploaded for import, kept between the preview and the confirmation."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow


class PendingImport(Base):
    """An uploaded spreadsheet waiting for its owner to confirm the import (then for the job)."""

    __tablename__ = "pending_imports"
    __table_args__ = (sa.CheckConstraint("kind IN ('scenario', 'capability')", name="known_kind"),)

    # random hex, the only handle the browser gets (in the preview's URL)
    token: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    # the name the user uploaded it under (shown on the preview, never a path)
    filename: Mapped[str] = mapped_column(sa.String(200))
    # the spreadsheet's key in app.storage
    file_key: Mapped[str] = mapped_column(sa.String(64))
    # the import job once confirmed (its record carries the progress); a second confirmation
    # while it runs leads to the same run
    run_id: Mapped[int | None] = mapped_column(sa.ForeignKey("job_runs.id", ondelete="SET NULL"))
    # indexed for the sweep, which removes uploads older than a day
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, index=True
    )
