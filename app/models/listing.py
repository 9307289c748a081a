"""Scenarios, capabilities, their reference cases and the taxonomy they use."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from app import clock
from app.i18n import N_
from app.models.base import Base, TimestampMixin, enum_column
from app.models.org import Organization


class TaxonomyTerm(Base):
    """One value of a taxonomy (domain, technology tag, district …), loaded from seed/."""

    __tablename__ = "taxonomy_terms"
    __table_args__ = (sa.UniqueConstraint("kind", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(30), index=True)
    name: Mapped[str] = mapped_column(sa.String(30))
    position: Mapped[int] = mapped_column(default=0)


class ListingStatus(enum.StrEnum):
    """Lifecycle of a scenario or capability."""

    DRAFT = "draft"
    PENDING = "pending"
    PUBLISHED = "published"
    REJECTED = "rejected"
    CLOSED = "closed"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        """The Chinese name shown in the UI."""
        return LISTING_STATUS_LABELS[self]


LISTING_STATUS_LABELS = {
    ListingStatus.DRAFT: N_("草稿"),
    ListingStatus.PENDING: N_("待审核"),
    ListingStatus.PUBLISHED: N_("已发布"),
    ListingStatus.REJECTED: N_("已驳回"),
    ListingStatus.CLOSED: N_("已关闭"),
    ListingStatus.EXPIRED: N_("已过期"),
    ListingStatus.WITHDRAWN: N_("已撤回"),
}

# a withdrawn listing went back to its owner, who may change it and submit it again
EDITABLE_STATUSES = frozenset(
    {ListingStatus.DRAFT, ListingStatus.REJECTED, ListingStatus.WITHDRAWN}
)


def _term_link(table: str, owner: str, owner_table: str) -> sa.Table:
    return sa.Table(
        table,
        Base.metadata,
        sa.Column(
            f"{owner}_id", sa.ForeignKey(f"{owner_table}.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("term_id", sa.ForeignKey("taxonomy_terms.id"), primary_key=True),
    )


scenario_tags = _term_link("scenario_tags", "scenario", "scenarios")
capability_tags = _term_link("capability_tags", "capability", "capabilities")
capability_domains = _term_link("capability_domains", "capability", "capabilities")


class ListingMixin(TimestampMixin):
    """Columns every listing has: review state and when it was published."""

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(100))
    description: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[ListingStatus] = mapped_column(
        enum_column(ListingStatus, "listing_status"), default=ListingStatus.DRAFT, index=True
    )
    review_note: Mapped[str] = mapped_column(sa.Text, default="")
    submitted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    published_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), index=True)
    # why the owner withdrew or closed it, or why it expired
    close_reason: Mapped[str] = mapped_column(sa.Text, default="")
    # the matching engine's tokens, computed when the listing is saved (app.matching.Features)
    features: Mapped[dict | None] = mapped_column(sa.JSON)
    # set on listings created from a spreadsheet: a hash of the normalised title, unique per
    # organisation, so importing the same file twice creates nothing new (app.excel)
    import_key: Mapped[str | None] = mapped_column(sa.String(64))
    # optimistic locking: a save based on a stale copy raises StaleDataError instead of
    # silently overwriting another person's edit
    lock_version: Mapped[int] = mapped_column(default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:  # noqa: N805 - SQLAlchemy's declared_attr takes the class
        return {"version_id_col": cls.lock_version}

    @property
    def is_published(self) -> bool:
        """Only published listings are public."""
        return self.status is ListingStatus.PUBLISHED

    @property
    def is_editable(self) -> bool:
        """Drafts, rejected and withdrawn listings are edited in place by their owner."""
        return self.status in EDITABLE_STATUSES

    @property
    def display_status(self) -> ListingStatus:
        """The status to show to people."""
        return self.status

    @classmethod
    def open_clause(cls) -> sa.ColumnElement[bool]:
        """SQL for is_published."""
        return cls.status == ListingStatus.PUBLISHED


class Scenario(ListingMixin, Base):
    """A scenario opportunity: a concrete need posted by a publisher."""

    __tablename__ = "scenarios"
    __table_args__ = (
        sa.CheckConstraint("budget_wan IS NULL OR budget_wan >= 0", name="budget_not_negative"),
        sa.CheckConstraint(
            "budget_max_wan IS NULL OR (budget_wan IS NOT NULL AND budget_max_wan >= budget_wan)",
            name="budget_range_ordered",
        ),
        # re-importing the same spreadsheet row must not create a second scenario
        sa.UniqueConstraint("organization_id", "import_key"),
    )

    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    domain: Mapped[str] = mapped_column(sa.String(30), index=True)
    district: Mapped[str] = mapped_column(sa.String(30), index=True)
    needs: Mapped[str] = mapped_column(sa.Text, default="")
    expected: Mapped[str] = mapped_column(sa.Text, default="")
    # the budget in 万元: an amount (budget_wan alone) or a range (budget_wan to budget_max_wan)
    budget_wan: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2))
    budget_max_wan: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2))
    opening_method: Mapped[str] = mapped_column(sa.String(20))
    deadline: Mapped[date | None] = mapped_column(sa.Date)
    contact_name: Mapped[str] = mapped_column(sa.String(40), default="")
    contact_phone: Mapped[str] = mapped_column(sa.String(20), default="")
    contact_email: Mapped[str] = mapped_column(sa.String(254), default="")

    organization: Mapped[Organization] = relationship(back_populates="scenarios")
    tags: Mapped[list[TaxonomyTerm]] = relationship(
        secondary=scenario_tags, order_by=TaxonomyTerm.position
    )

    @property
    def tag_names(self) -> list[str]:
        """Technology tags as plain names."""
        return [t.name for t in self.tags]

    @property
    def is_past_deadline(self) -> bool:
        """The application deadline has passed (the scenario may not be swept to EXPIRED yet)."""
        return self.deadline is not None and self.deadline < clock.today()

    @property
    def is_published(self) -> bool:
        """Published and still open: a passed deadline hides it before the sweep runs."""
        return self.status is ListingStatus.PUBLISHED and not self.is_past_deadline

    @property
    def display_status(self) -> ListingStatus:
        """The status to show: a published scenario past its deadline is 已过期."""
        if self.status is ListingStatus.PUBLISHED and self.is_past_deadline:
            return ListingStatus.EXPIRED
        return self.status

    @classmethod
    def open_clause(cls) -> sa.ColumnElement[bool]:
        """SQL for is_published: published and the deadline not yet passed."""
        return sa.and_(
            cls.status == ListingStatus.PUBLISHED,
            sa.or_(cls.deadline.is_(None), cls.deadline >= clock.today()),
        )


class Capability(ListingMixin, Base):
    """A capability: a product, solution, service or platform a firm offers."""

    __tablename__ = "capabilities"
    # re-importing the same spreadsheet row must not create a second capability
    __table_args__ = (sa.UniqueConstraint("organization_id", "import_key"),)

    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    cap_type: Mapped[str] = mapped_column(sa.String(20))
    maturity: Mapped[str] = mapped_column(sa.String(20))
    keywords: Mapped[str] = mapped_column(sa.String(200), default="")
    qualifications: Mapped[str] = mapped_column(sa.String(200), default="")

    organization: Mapped[Organization] = relationship(back_populates="capabilities")
    domains: Mapped[list[TaxonomyTerm]] = relationship(
        secondary=capability_domains, order_by=TaxonomyTerm.position
    )
    tags: Mapped[list[TaxonomyTerm]] = relationship(
        secondary=capability_tags, order_by=TaxonomyTerm.position
    )
    cases: Mapped[list[ReferenceCase]] = relationship(
        back_populates="capability", cascade="all, delete-orphan", order_by="ReferenceCase.id"
    )

    @property
    def tag_names(self) -> list[str]:
        """Technology tags as plain names."""
        return [t.name for t in self.tags]

    @property
    def domain_names(self) -> list[str]:
        """Applicable domains as plain names."""
        return [t.name for t in self.domains]

    @property
    def keyword_list(self) -> list[str]:
        """Free keywords, split on commas, 、 or spaces."""
        return [k for k in split_keywords(self.keywords) if k]


def split_keywords(text: str) -> list[str]:
    """Split a keyword string on the separators people type."""
    for sep in ("，", "、", ";", "；", " "):
        text = text.replace(sep, ",")
    return [part.strip() for part in text.split(",")]


QUALIFICATION_SEPARATOR = "、"


def split_qualifications(text: str) -> list[str]:
    """The stored qualifications string as names (older rows used commas too)."""
    for sep in ("，", ",", ";", "；"):
        text = text.replace(sep, QUALIFICATION_SEPARATOR)
    return [q.strip() for q in text.split(QUALIFICATION_SEPARATOR) if q.strip()]


class ReferenceCase(Base):
    """Where a capability has been used before: client, year and result."""

    __tablename__ = "reference_cases"
    __table_args__ = (sa.CheckConstraint("year BETWEEN 1990 AND 2100", name="year_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    capability_id: Mapped[int] = mapped_column(
        sa.ForeignKey("capabilities.id", ondelete="CASCADE"), index=True
    )
    client: Mapped[str] = mapped_column(sa.String(100))
    year: Mapped[int]
    result: Mapped[str] = mapped_column(sa.Text, default="")

    capability: Mapped[Capability] = relationship(back_populates="cases")
