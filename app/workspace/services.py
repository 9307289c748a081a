"""The 工作台's use cases: the 待办 panel (what waits for this user) and bulk submission."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.datastructures import MultiDict

from app import listing_kinds as kinds
from app.errors import DomainError
from app.extensions import db
from app.listings import services as listings
from app.models import (
    Capability,
    Engagement,
    EngagementStage,
    ListingStatus,
    Notification,
    Recommendation,
    RecommendationStatus,
    Role,
    Scenario,
    User,
)
from app.paging import parse_id

SUBMITTABLE = (ListingStatus.DRAFT, ListingStatus.REJECTED, ListingStatus.WITHDRAWN)
BULK_LIMIT = 200


@dataclass(frozen=True)
class Todo:
    """One line of the 待办 panel: what waits, how many, where to do it."""

    key: str
    label: str
    count: int
    link: str


def _count(query: sa.Select[int]) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0


def _listings(
    model: type[Scenario] | type[Capability], org_id: int, *statuses: ListingStatus
) -> sa.Select[int]:
    return sa.select(model.id).where(model.organization_id == org_id, model.status.in_(statuses))


def _new_applications(org_id: int) -> sa.Select[int]:
    """Applications to the publisher's scenarios still at 意向 (awaiting a reply)."""
    return (
        sa.select(Engagement.id)
        .join(Scenario, Scenario.id == Engagement.scenario_id)
        .where(Scenario.organization_id == org_id, Engagement.stage == EngagementStage.INTENT)
    )


def _open_recommendations(org_id: int) -> sa.Select[int]:
    """Pairs pushed to the firm that it has not taken up yet."""
    taken = sa.exists(
        sa.select(Engagement.id).where(
            Engagement.scenario_id == Recommendation.scenario_id, Engagement.firm_id == org_id
        )
    )
    return (
        sa.select(Recommendation.id)
        .join(Capability, Capability.id == Recommendation.capability_id)
        .join(Scenario, Scenario.id == Recommendation.scenario_id)
        .where(
            Capability.organization_id == org_id,
            Recommendation.status == RecommendationStatus.APPROVED,
            Scenario.status == ListingStatus.PUBLISHED,
            ~taken,
        )
    )


def todo(user: User) -> list[Todo]:
    """What waits for this publisher or firm user, with counts (zero lines left out)."""
    org_id = user.organization_id
    if org_id is None:  # staff accounts belong to no organisation: nothing of theirs waits
        return []
    publisher = user.role is Role.PUBLISHER
    model = kinds.posted_by(user.role).model
    lines = [
        Todo(  # drafts and withdrawn ones; rejected ones are the next line (counted once)
            "drafts",
            "待提交审核的草稿",
            _count(_listings(model, org_id, ListingStatus.DRAFT, ListingStatus.WITHDRAWN)),
            "#drafts",
        ),
        Todo(
            "rejected",
            "被驳回待修改",
            _count(_listings(model, org_id, ListingStatus.REJECTED)),
            "#drafts",
        ),
    ]
    if publisher:
        count = _count(_new_applications(org_id))
        lines.append(Todo("applications", "待回复的揭榜申请", count, "/my/engagements"))
    else:
        count = _count(_open_recommendations(org_id))
        lines.append(Todo("recommendations", "待响应的平台推荐", count, "#platform"))
    unread = sa.select(Notification.id).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    lines.append(Todo("unread", "未读消息", _count(unread), "/notifications/"))
    return [line for line in lines if line.count]


def _as_typed(data: dict[str, Any], prefix: str = "") -> MultiDict[str, str]:
    """Stored values as the edit form would have posted them (its checks read posted input)."""
    typed: MultiDict[str, str] = MultiDict()
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, list) and value and isinstance(value[0], dict):
            for i, row in enumerate(value):
                for k, v in _as_typed(row, f"{name}-{i}-").items(multi=True):
                    typed.add(k, v)
        elif isinstance(value, list | tuple | set):
            for item in value:
                typed.add(name, str(item))
        elif isinstance(value, bool):
            if value:
                typed.add(name, "y")
        else:
            typed.add(name, "" if value is None else str(value))
    return typed


def _check_complete(listing: Scenario | Capability) -> None:
    """Refuse a draft its edit form would refuse (an imported draft may lack a field)."""
    form_class: Any = kinds.kind_of(listing).form_class
    typed = _as_typed(form_class.data_of(listings.draft_of(listing)))
    form = form_class(formdata=typed, meta={"csrf": False})
    if form.validate():
        return
    problems = []
    for name, messages in form.errors.items():
        label = form[name].label.text if name in form else name
        first = messages[0] if isinstance(messages, list) and messages else messages
        problems.append(f"{label}：{first if isinstance(first, str) else '请检查填写内容'}")
    raise DomainError("内容不完整，请编辑后再提交（" + "；".join(problems) + "）")


@dataclass
class BulkResult:
    """Titles submitted, and each refusal with its reason (nothing else changes)."""

    done: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def bulk_submit(user: User, keys: list[str]) -> BulkResult:
    """Submit each chosen draft for review on its own: one refused leaves the others done."""
    model = kinds.posted_by(user.role).model
    result = BulkResult()
    for key in list(dict.fromkeys(keys))[:BULK_LIMIT]:
        listing_id = parse_id(key)
        found = db.session.get(model, listing_id) if listing_id else None
        # SQLAlchemy's overloads join Scenario | Capability to Base
        listing = cast("Scenario | Capability | None", found)
        if listing is None or listing.organization_id != user.organization_id:
            result.refused.append(f"编号 {key}：内容不存在。")
            continue
        try:
            with db.session.begin_nested():
                _check_complete(listing)
                listings.submit(user, listing)
        except (DomainError, StaleDataError) as error:
            db.session.expire(listing)
            message = error.message if isinstance(error, DomainError) else listings.STALE_MESSAGE
            result.refused.append(f"“{listing.title}”：{message}")
        else:
            result.done.append(listing.title)
    return result
