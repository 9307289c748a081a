"""Open data: the release history of published listings and the bulk files built from it."""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow
from app.models.matching import CurrentTransaction

RELEASE_TAGS = ("publication", "revision", "closing", "withdrawal", "expiry")


class JsonText(sa.types.TypeDecorator[dict]):
    """A JSON document stored as UTF-8 text, exactly as published (Chinese unescaped): the
    bulk files copy it as is, and it is half the size of the default escaped form."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value: dict | None, dialect: sa.Dialect) -> str | None:
        """The document as compact JSON text."""
        if value is None:
            return None
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    def process_result_value(self, value: str | None, dialect: sa.Dialect) -> dict | None:
        """The document back."""
        return None if value is None else json.loads(value)


class ListingRelease(Base):
    """One change of a listing's public state, with its public content as of that moment.

    Written by app.open_data.releases in the transaction of the lifecycle change; never
    updated. No foreign key to the listing: the history is published and outlives the row.
    On PostgreSQL `xact` records the writing transaction, so the change feed can follow
    the table without skipping a row whose transaction commits late (app.open_data.changes).
    """

    __tablename__ = "listing_releases"
    __table_args__ = (
        sa.UniqueConstraint("kind", "listing_id", "number"),
        sa.CheckConstraint("kind IN ('scenario', 'capability')", name="kind"),
        sa.CheckConstraint(
            "tag IN ('publication', 'revision', 'closing', 'withdrawal', 'expiry')", name="tag"
        ),
        sa.CheckConstraint("number >= 1", name="number_positive"),
        # ids are compared by feed readers: never reuse one
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ocid: Mapped[str] = mapped_column(sa.String(40), index=True)  # e.g. jnsc-S-42
    kind: Mapped[str] = mapped_column(sa.String(20))
    listing_id: Mapped[int]
    number: Mapped[int]  # 1, 2, … per listing; the release id is f"{ocid}-{number}"
    tag: Mapped[str] = mapped_column(sa.String(20))
    date: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    schema_version: Mapped[str] = mapped_column(sa.String(10))
    # the release as published (public fields only, contacts masked): app/open_data/releases.py
    # holds the contact person's name as on the public page (phone and e-mail masked)
    release: Mapped[dict] = mapped_column(JsonText, info={"personal": True})
    xact: Mapped[int | None] = mapped_column(
        sa.BigInteger, server_default=CurrentTransaction(), index=True
    )


class OpenDataFile(Base):
    """One generated bulk download: its bytes are stored in parts through app.storage.

    Every regeneration writes a new generation; the previous one is kept until the next, so
    a download that started before a regeneration still finds its parts.
    """

    __tablename__ = "open_data_files"
    __table_args__ = (sa.UniqueConstraint("generation", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    generation: Mapped[int] = mapped_column(index=True)
    name: Mapped[str] = mapped_column(sa.String(80))  # e.g. scenarios.csv
    media_type: Mapped[str] = mapped_column(sa.String(60))
    size: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    rows: Mapped[int]
    parts: Mapped[list] = mapped_column(sa.JSON)  # app.storage keys, in order
    schema_version: Mapped[str] = mapped_column(sa.String(10))
    # the change feed cursor as of the snapshot the file was built from
    cursor: Mapped[str] = mapped_column(sa.Text, default="")
    generated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
