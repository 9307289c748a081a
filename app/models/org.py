"""Organisations (publishers and firms) and the people who sign in for them."""

from __future__ import annotations

import enum
import math
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.i18n import N_
from app.models.base import Base, TimestampMixin, enum_column, utcnow

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
    """What a user may do: an organisation's user, or one of the platform's separated duties.

    The platform's staff duties are split (三权分立): no account holds two of them, and the
    single-valued role column with its CHECK constraints enforces that in the database.
    """

    PUBLISHER = "publisher"
    FIRM = "firm"
    # the business duty: reviews organisations, listings, matches, batches and cases
    REVIEWER = "reviewer"
    # accounts, configuration, jobs and backups; no business data, no role grants
    SYSADMIN = "sysadmin"
    # role grants, unlocks, second-factor resets, sessions; nothing else
    SECADMIN = "secadmin"
    # reads and exports the audit trail; nothing else
    AUDITOR = "auditor"

    @property
    def label(self) -> str:
        """The Chinese name shown in the UI."""
        return ROLE_LABELS[self]

    @property
    def is_staff(self) -> bool:
        """One of the platform's own duties, not an organisation's user."""
        return self in STAFF_ROLES


ROLE_LABELS = {
    Role.PUBLISHER: N_("场景发布单位"),
    Role.FIRM: N_("数字企业"),
    Role.REVIEWER: N_("平台审核员"),
    Role.SYSADMIN: N_("系统管理员"),
    Role.SECADMIN: N_("安全管理员"),
    Role.AUDITOR: N_("审计管理员"),
}
STAFF_ROLES = frozenset({Role.REVIEWER, Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR})
ORG_ROLES = frozenset({Role.PUBLISHER, Role.FIRM})
# SQL for "this role belongs to the platform's staff", used by the CHECK constraints
_STAFF_SQL = "role IN ('reviewer', 'sysadmin', 'secadmin', 'auditor')"


class OrgStatus(enum.StrEnum):
    """Review state of an organisation."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        """The Chinese name shown in the UI."""
        return {"pending": N_("待审核"), "approved": N_("已通过"), "rejected": N_("已驳回")}[
            self.value
        ]


class Organization(TimestampMixin, Base):
    """A scenario publisher or a digital firm."""

    __tablename__ = "organizations"
    __table_args__ = (
        sa.CheckConstraint("role IN ('publisher', 'firm')", name="not_staff"),
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
    """A person who signs in; the platform's staff belong to no organisation."""

    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint(f"({_STAFF_SQL}) = (organization_id IS NULL)", name="org_unless_staff"),
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
    # staff accounts: when a 安全管理员 (or the installer's CLI) granted the role; a staff
    # account a 系统管理员 created stays inactive until then
    role_granted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # set by `flask create-admin`: every page but 修改密码 leads there until it is changed
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # failed sign-ins in the current window (app/auth/lockout.py), and the lock they led to
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    failed_window_start: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    locked_until: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # the staff's second factor: the TOTP secret encrypted with a key derived from SECRET_KEY
    # (app/auth/totp.py), confirmed once the person typed a code; the last time step used
    totp_secret_encrypted: Mapped[str | None] = mapped_column(sa.String(255))
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)

    organization: Mapped[Organization | None] = relationship(back_populates="users")

    @property
    def is_active(self) -> bool:
        """Flask-Login refuses inactive users."""
        return self.active

    @property
    def is_reviewer(self) -> bool:
        """平台审核员 review and publish."""
        return self.role is Role.REVIEWER

    @property
    def is_staff(self) -> bool:
        """Any of the platform's administrative duties (stricter sessions, a second factor)."""
        return self.role.is_staff

    @property
    def lock_minutes_left(self) -> int:
        """Whole minutes until a sign-in lock runs out; 0 when the account is not locked."""
        if self.locked_until is None:
            return 0
        until = self.locked_until
        if until.tzinfo is None:  # SQLite hands back naive UTC
            until = until.replace(tzinfo=UTC)
        seconds = (until - utcnow()).total_seconds()
        return max(0, math.ceil(seconds / 60))

    @property
    def has_second_factor(self) -> bool:
        """A confirmed TOTP second factor."""
        return self.totp_confirmed_at is not None

    def set_password(self, password: str) -> None:
        """Store a salted hash, never the password."""
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        """Compare against the stored hash in constant time."""
        return check_password_hash(self.password_hash, password)
