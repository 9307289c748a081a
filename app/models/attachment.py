"""Files attached to a scenario or a capability, their bytes in app.storage under a random key."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, utcnow

if TYPE_CHECKING:
    from app.models.org import User

# what the content check recognises: kind -> (MIME type, the extensions it may carry)
ATTACHMENT_KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "pdf": ("application/pdf", ("pdf",)),
    "png": ("image/png", ("png",)),
    "jpeg": ("image/jpeg", ("jpg", "jpeg")),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ("docx",),
    ),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ("xlsx",)),
    "pptx": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ("pptx",),
    ),
    "doc": ("application/msword", ("doc",)),
    "xls": ("application/vnd.ms-excel", ("xls",)),
}


class Attachment(Base):
    """An uploaded file of exactly one listing; its bytes are in app.storage under stored_name."""

    __tablename__ = "attachments"
    __table_args__ = (
        sa.CheckConstraint(
            "(scenario_id IS NULL) <> (capability_id IS NULL)", name="exactly_one_listing"
        ),
        sa.CheckConstraint("size > 0", name="size_positive"),
        sa.CheckConstraint(
            "kind IN ('pdf', 'png', 'jpeg', 'docx', 'xlsx', 'pptx', 'doc', 'xls')",
            name="known_kind",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("scenarios.id", ondelete="CASCADE"), index=True
    )
    capability_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("capabilities.id", ondelete="CASCADE"), index=True
    )
    # the name the uploader gave, shown and offered on download (never used as a path)
    filename: Mapped[str] = mapped_column(sa.String(200))
    # the storage key: random, so it cannot be guessed and user input never becomes a key
    stored_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploader_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    uploader: Mapped[User | None] = relationship()

    @property
    def mimetype(self) -> str:
        """The MIME type of the detected kind (never the one the browser claimed)."""
        return ATTACHMENT_KINDS[self.kind][0]
