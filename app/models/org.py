"""Organisations (publishers and firms) and the people who sign in for them."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.models.base import Base, TimestampMixin, enum_column

if TYPE_CHECKING:
    from app.models.listing import Capability, Scenario, TaxonomyTerm

organization_honours = sa.Table(
    "organization_honours",
    Base.metadata,
    sa.Column(
        "organization_id", sa.ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("term_id", sa.ForeignKey("taxonomy_terms.id"), primary_key=True),
)


class Role(enum.StrEnum):
    """What a user may do; an organisation is either a publisher or a firm."""

    PUBLISHER = "publisher"
    FIRM = "firm"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        """The Chinese name shown in the UI."""
        return ROLE_LABELS[self]


ROLE_LABELS = {Role.PUBLISHER: "场景发布单位", Role.FIRM: "数字企业", Role.ADMIN: "平台管理员"}


class OrgStatus(enum.StrEnum):
    """Review state of an organisation."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        """The Chinese name shown in the UI."""
        return {"pending": "待审核", "approved": "已通过", "rejected": "已驳回"}[self.value]


class Organization(TimestampMixin, Base):
    """A scenario publisher or a digital firm."""

    __tablename__ = "organizations"
    __table_args__ = (
        sa.CheckConstraint("role <> 'admin'", name="not_admin"),
        sa.CheckConstraint("role <> 'firm' OR uscc IS NOT NULL", name="firm_has_uscc"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    role: Mapped[Role] = mapped_column(enum_column(Role, "org_role"))
    kind: Mapped[str] = mapped_column(sa.String(20))
    uscc: Mapped[str | None] = mapped_column(sa.String(18), unique=True)
    district: Mapped[str] = mapped_column(sa.String(30))
    is_local: Mapped[bool] = mapped_column(default=True)
    industry_chain: Mapped[str | None] = mapped_column(sa.String(30))
    intro: Mapped[str] = mapped_column(sa.Text, default="")
    contact_name: Mapped[str] = mapped_column(sa.String(40), default="")
    contact_phone: Mapped[str] = mapped_column(sa.String(20), default="")
    contact_email: Mapped[str] = mapped_column(sa.String(254), default="")
    status: Mapped[OrgStatus] = mapped_column(
        enum_column(OrgStatus, "org_status"), default=OrgStatus.PENDING
    )
    review_note: Mapped[str] = mapped_column(sa.Text, default="")
    reviewed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    users: Mapped[list[User]] = relationship(back_populates="organization")
    # 专精特新, 小巨人, 瞪羚 … (taxonomy kind "honour")
    honours: Mapped[list[TaxonomyTerm]] = relationship(
        secondary=organization_honours,
        order_by="TaxonomyTerm.position",
        # shown as badges on every card of a list page: load them in one query per page
        lazy="selectin",
    )
    scenarios: Mapped[list[Scenario]] = relationship(back_populates="organization")
    capabilities: Mapped[list[Capability]] = relationship(back_populates="organization")

    @property
    def is_approved(self) -> bool:
        """Only approved organisations may publish."""
        return self.status is OrgStatus.APPROVED

    @property
    def honour_names(self) -> list[str]:
        """Honours as plain names."""
        return [t.name for t in self.honours]


class User(UserMixin, TimestampMixin, Base):
    """A person who signs in; administrators belong to no organisation."""

    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint("(role = 'admin') = (organization_id IS NULL)", name="org_unless_admin"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(40))
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    role: Mapped[Role] = mapped_column(enum_column(Role, "user_role"))
    organization_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    active: Mapped[bool] = mapped_column(default=True)

    organization: Mapped[Organization | None] = relationship(back_populates="users")

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        """Flask-Login refuses inactive users."""
        return self.active

    @property
    def is_admin(self) -> bool:
        """Platform administrators review and publish."""
        return self.role is Role.ADMIN

    def set_password(self, password: str) -> None:
        """Store a salted hash, never the password."""
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        """Compare against the stored hash in constant time."""
        return check_password_hash(self.password_hash, password)
