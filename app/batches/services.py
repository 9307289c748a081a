"""Composing, scheduling and reading 第N批 lists."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app import audit, clock
from app.errors import DomainError
from app.extensions import db
from app.models import Batch, BatchItem, BatchKind, Capability, ListingStatus, Scenario

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


def create(admin: Any, kind: BatchKind) -> Batch:
    """A new, empty batch with the next number of its kind."""
    number = next_number(kind)
    batch = Batch(kind=kind, number=number, title=default_title(kind, number, clock.today().year))
    db.session.add(batch)
    try:
        db.session.flush()
    except IntegrityError as exc:  # another administrator took the number at the same moment
        db.session.rollback()
        raise DomainError(f"第{number}批{kind.label}刚刚已被其他管理员创建，请重试。") from exc
    audit.record(admin, "create", batch)
    return batch


def _require_unpublished(batch: Batch) -> None:
    if batch.is_public(clock.today()):
        raise DomainError("该批次已经发布，不能再修改。")


def model_of(kind: BatchKind) -> type[Scenario] | type[Capability]:
    """The listing model a batch kind lists."""
    return Scenario if kind is BatchKind.SCENARIO else Capability


def update(admin: Any, batch: Batch, title: str, intro: str, listing_ids: Sequence[int]) -> None:
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


def publish(admin: Any, batch: Batch, on: date) -> None:
    """Make a batch public on a date (today: at once; later: it appears on that day)."""
    _require_unpublished(batch)
    if not batch.items:
        raise DomainError("批次中还没有内容，请先选择要发布的条目。")
    if on < clock.today():
        raise DomainError("发布日期不能早于今天。", field="publish_on")
    batch.publish_on = on
    audit.record(admin, "publish", batch, on.isoformat())


def unschedule(admin: Any, batch: Batch) -> None:
    """Take a scheduled batch back to composing (before its day comes)."""
    _require_unpublished(batch)
    batch.publish_on = None
    audit.record(admin, "unschedule", batch)


def delete(admin: Any, batch: Batch) -> None:
    """Remove a batch that was never published."""
    _require_unpublished(batch)
    audit.record(admin, "delete", batch)
    db.session.delete(batch)


def _with_items(query: sa.Select) -> sa.Select:
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


def candidates(batch: Batch, q: str) -> list[Scenario | Capability]:
    """Published listings that could be added, newest first, optionally by title keyword."""
    model = model_of(batch.kind)
    chosen = {item.listing.id for item in batch.items}
    query = sa.select(model).where(model.status == ListingStatus.PUBLISHED)
    if q:
        query = query.where(model.title.icontains(q, autoescape=True))
    query = query.options(selectinload(model.organization)).order_by(
        model.published_at.desc(), model.id.desc()
    )
    rows = db.session.scalars(query.limit(CANDIDATE_LIMIT + len(chosen)))
    return [r for r in rows if r.id not in chosen][:CANDIDATE_LIMIT]
