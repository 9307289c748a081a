"""The one notification service: features call notify_*; users read and mark their list."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import Notification, Role, User
from app.models.base import utcnow

# every kind of event a user may be told about, with the name users see
KINDS: dict[str, str] = {
    "listing_reviewed": "内容审核结果",
    "new_recommendation": "新的平台推荐",
    "application_received": "收到揭榜/申请",
    "stage_changed": "对接进展",
    "deadline_soon": "截止日期临近",
    "saved_search_hit": "订阅搜索有新结果",
    "organization_reviewed": "单位审核结果",
    "organization_changed": "单位信息变更待审核",
}


def notify(users: Iterable[User], kind: str, title: str, link: str = "", body: str = "") -> int:
    """Add one notification per active user (flushed, not committed); return how many."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    if link and not link.startswith("/"):
        raise ValueError("notification links are site-relative paths")
    rows = [
        Notification(user_id=u.id, kind=kind, title=title[:200], body=body, link=link)
        for u in {u.id: u for u in users if u.active}.values()
    ]
    db.session.add_all(rows)
    db.session.flush()
    return len(rows)


def notify_organization(
    organization_id: int, kind: str, title: str, link: str = "", body: str = ""
) -> int:
    """Tell every user of an organisation."""
    users = db.session.scalars(sa.select(User).where(User.organization_id == organization_id))
    return notify(users, kind, title, link, body)


def notify_admins(kind: str, title: str, link: str = "", body: str = "") -> int:
    """Tell every administrator."""
    users = db.session.scalars(sa.select(User).where(User.role == Role.ADMIN))
    return notify(users, kind, title, link, body)


def unread_count(user: Any) -> int:
    """How many of the user's notifications are unread."""
    query = sa.select(sa.func.count()).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    return db.session.scalar(query) or 0


def for_user(user: Any, unread_only: bool = False) -> sa.Select:
    """The user's notifications, newest first (a query, for pagination)."""
    query = sa.select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return query.order_by(Notification.created_at.desc(), Notification.id.desc())


def mark_read(user: Any, notification_id: int | None = None) -> int:
    """Mark one notification, or all of them, read; only the user's own. Return how many."""
    query = sa.update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    return db.session.execute(query.values(read_at=utcnow())).rowcount or 0


def get_own(user: Any, notification_id: int) -> Notification | None:
    """The user's notification with that id, or None (another user's is never returned)."""
    item = db.session.get(Notification, notification_id)
    return item if item is not None and item.user_id == user.id else None
