"""Composing, scheduling and reading 第N批 lists."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app import audit, clock
from app import listing_kinds as kinds
from app.errors import DomainError
from app.extensions import db
from app.models import (
    Batch,
    BatchItem,
    BatchKind,
    Capability,
    ListingStatus,
    Organization,
    Scenario,
    TaxonomyTerm,
    User,
)

_DIGITS = "零一二三四五六七八九"
CANDIDATE_LIMIT = 300


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 23 → 二十三 (for titles; larger numbers stay Arabic)."""
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else "十" if tens == 1 else _DIGITS[tens] + "十"
    return head + (_DIGITS[ones] if ones else "")


def next_number(kind: BatchKind) -> int:
    """The number the next batch of a kind gets."""
    return (
        db.session.scalar(sa.select(sa.func.max(Batch.number)).where(Batch.kind == kind)) or 0
    ) + 1


def default_title(kind: BatchKind, number: int, year: int) -> str:
    """E.g. 2026年第三批场景机会清单."""
    return f"{year}年第{chinese_number(number)}批{kind.label}"


def create(admin: User, kind: BatchKind) -> Batch:
    """A new, empty batch with the next number of its kind."""
    number = next_number(kind)
    batch = Batch(kind=kind, number=number, title=default_title(kind, number, clock.today().year))
    try:
        with db.session.begin_nested():  # losing the race undoes this row, not the request
            db.session.add(batch)
    except IntegrityError as exc:  # another administrator took the number at the same moment
        raise DomainError(f"第{number}批{kind.label}刚刚已被其他管理员创建，请重试。") from exc
    audit.record(admin, "create", batch)
    return batch


def _require_unpublished(batch: Batch) -> None:
    if batch.is_public(clock.today()):
        raise DomainError("该批次已经发布，不能再修改。")


def model_of(kind: BatchKind) -> type[Scenario] | type[Capability]:
    """The listing model a batch kind lists."""
    return kinds.by_name(kind.value).model


def update(admin: User, batch: Batch, title: str, intro: str, listing_ids: Sequence[int]) -> None:
    """Change the title and the listings (published ones only, in the order given)."""
    _require_unpublished(batch)
    title = title.strip()
    if not 4 <= len(title) <= 100:
        raise DomainError("批次标题应为4至100个字。", field="title")
    ids = list(dict.fromkeys(listing_ids))
    model = model_of(batch.kind)
    published = set(
        db.session.scalars(
            sa.select(model.id).where(model.id.in_(ids), model.status == ListingStatus.PUBLISHED)
        )
    )
    missing = [i for i in ids if i not in published]
    if missing:
        raise DomainError(f"只能选择已发布的内容（编号 {'、'.join(map(str, missing))} 不可选）。")
    batch.title, batch.intro = title, intro.strip()
    key = "scenario_id" if batch.kind is BatchKind.SCENARIO else "capability_id"
    # keep the rows of listings that stay: a delete and re-insert of the same listing would
    # meet the unique constraint (the unit of work inserts before it deletes)
    kept = {getattr(item, key): item for item in batch.items}
    items = [kept.get(i) or BatchItem(**{key: i}) for i in ids]
    for position, item in enumerate(items):
        item.position = position
    batch.items = items
    audit.record(admin, "edit", batch, f"{len(ids)}项")


def publish(admin: User, batch: Batch, on: date) -> None:
    """Make a batch public on a date (today: at once; later: it appears on that day)."""
    _require_unpublished(batch)
    if not batch.items:
        raise DomainError("批次中还没有内容，请先选择要发布的条目。")
    if on < clock.today():
        raise DomainError("发布日期不能早于今天。", field="publish_on")
    batch.publish_on = on
    audit.record(admin, "publish", batch, on.isoformat())


def unschedule(admin: User, batch: Batch) -> None:
    """Take a scheduled batch back to composing (before its day comes)."""
    _require_unpublished(batch)
    batch.publish_on = None
    audit.record(admin, "unschedule", batch)


def delete(admin: User, batch: Batch) -> None:
    """Remove a batch that was never published."""
    _require_unpublished(batch)
    audit.record(admin, "delete", batch)
    db.session.delete(batch)


def _with_items(query: sa.Select[Batch]) -> sa.Select[Batch]:
    return query.options(
        selectinload(Batch.items)
        .selectinload(BatchItem.scenario)
        .selectinload(Scenario.organization),
        selectinload(Batch.items)
        .selectinload(BatchItem.capability)
        .selectinload(Capability.organization),
    )


def public_batches(kind: BatchKind | None = None) -> list[Batch]:
    """Batches public today, newest first."""
    query = sa.select(Batch).where(Batch.publish_on.is_not(None), Batch.publish_on <= clock.today())
    if kind is not None:
        query = query.where(Batch.kind == kind)
    return list(db.session.scalars(query.order_by(Batch.publish_on.desc(), Batch.id.desc())))


def scheduled_batches() -> list[Batch]:
    """Batches with a publication date still to come, soonest first."""
    query = sa.select(Batch).where(Batch.publish_on > clock.today())
    return list(db.session.scalars(query.order_by(Batch.publish_on, Batch.id)))


def newest_public() -> Batch | None:
    """The most recently published batch, for the home page."""
    found = public_batches()
    return found[0] if found else None


def all_batches() -> list[Batch]:
    """Every batch, for administrators: newest first."""
    return list(db.session.scalars(sa.select(Batch).order_by(Batch.id.desc())))


def get(batch_id: int) -> Batch | None:
    """One batch with its listings loaded."""
    return db.session.scalar(_with_items(sa.select(Batch).where(Batch.id == batch_id)))


@dataclass(frozen=True)
class CandidateFilters:
    """What the composer narrows the published listings to."""

    q: str = ""
    domain: str = ""
    district: str = ""
    opening_method: str = ""  # scenarios only
    published_from: date | None = None
    published_to: date | None = None
    show_batched: bool = False  # listings already in a batch are hidden unless asked for

    @classmethod
    def from_args(cls, args: Any) -> CandidateFilters:
        """Read the query string; unusable values are ignored rather than refused."""

        def text(name: str) -> str:
            return (args.get(name) or "").strip()[:50]

        return cls(
            q=text("q"),
            domain=text("domain"),
            district=text("district"),
            opening_method=text("opening_method"),
            published_from=_day(text("from")),
            published_to=_day(text("to")),
            show_batched=args.get("batched") == "1",
        )


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _in_any_batch(model: type[Scenario] | type[Capability]) -> sa.ColumnElement[bool]:
    key = BatchItem.scenario_id if model is Scenario else BatchItem.capability_id
    return sa.exists(sa.select(BatchItem.id).where(key == model.id))


def _narrowed(model: Any, filters: CandidateFilters) -> list[sa.ColumnElement[bool]]:
    where = [model.status == ListingStatus.PUBLISHED]
    if filters.q:
        where.append(model.title.icontains(filters.q, autoescape=True))
    if filters.domain:
        if model is Scenario:
            where.append(Scenario.domain == filters.domain)
        else:
            where.append(Capability.domains.any(TaxonomyTerm.name == filters.domain))
    if filters.district:
        if model is Scenario:
            where.append(Scenario.district == filters.district)
        else:
            where.append(Capability.organization.has(Organization.district == filters.district))
    if filters.opening_method and model is Scenario:
        where.append(Scenario.opening_method == filters.opening_method)
    if filters.published_from:
        where.append(model.published_at >= clock.start_of_day(filters.published_from))
    if filters.published_to:
        where.append(
            model.published_at < clock.start_of_day(filters.published_to + timedelta(days=1))
        )
    if not filters.show_batched:
        where.append(~_in_any_batch(model))
    return where


def candidates(
    batch: Batch, filters: CandidateFilters | None = None
) -> list[Scenario | Capability]:
    """Published listings that could be added, newest first, narrowed by the filters."""
    filters = filters or CandidateFilters()
    model = model_of(batch.kind)
    chosen = {item.listing.id for item in batch.items}
    query = sa.select(model).where(*_narrowed(model, filters))
    query = query.options(selectinload(model.organization)).order_by(
        model.published_at.desc(), model.id.desc()
    )
    found = db.session.scalars(query.limit(CANDIDATE_LIMIT + len(chosen)))
    # SQLAlchemy's overloads join Scenario | Capability to Base
    rows = cast("sa.ScalarResult[Scenario | Capability]", found)
    return [r for r in rows if r.id not in chosen][:CANDIDATE_LIMIT]


def batches_holding(kind: BatchKind, ids: Sequence[int]) -> dict[int, list[str]]:
    """For each listing, the titles of the batches it is already in (for the composer's marks)."""
    if not ids:
        return {}
    key = BatchItem.scenario_id if kind is BatchKind.SCENARIO else BatchItem.capability_id
    query = (
        sa.select(key, Batch.title)
        .join(Batch, Batch.id == BatchItem.batch_id)
        .where(key.in_(ids))
        .order_by(Batch.id)
    )
    found: dict[int, list[str]] = {}
    for listing_id, title in db.session.execute(query):
        if listing_id is not None:  # always: the column is one of the ids asked for
            found.setdefault(listing_id, []).append(title)
    return found
