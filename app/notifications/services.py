"""The one notification service: features call notify_*; users read and mark their list."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

import sqlalchemy as sa
from flask import current_app

from app.extensions import db
from app.models import Notification, NotificationPreference, Role, User
from app.models.base import utcnow
from app.notifications import outbox

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
    # the reviewers' work (app/notifications/reviewers.py); e-mailed in the daily digest
    "registration_received": "新单位注册待审核",
    "submission_received": "新提交内容待审核",
    "matches_queued": "新推荐匹配待审核",
}
STAFF_KINDS = frozenset({"registration_received", "submission_received", "matches_queued"})


def notify(
    users: Iterable[User],
    kind: str,
    title: str,
    link: str = "",
    body: str = "",
    *,
    flush: bool = True,
) -> int:
    """Add one notification per active user (flushed, not committed); return how many.

    flush=False only adds the rows (for callers inside a flush); the reviewers' work kinds
    are e-mailed in the daily digest, not one message each.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    if link and not link.startswith("/"):
        raise ValueError("notification links are site-relative paths")
    recipients = list({u.id: u for u in users if u.active}.values())
    preferences = preferences_of([u.id for u in recipients])
    rows = []
    for user in recipients:
        preference = preferences.get(user.id)
        if wants(preference, kind, "site"):
            rows.append(
                Notification(user_id=user.id, kind=kind, title=title[:200], body=body, link=link)
            )
        if wants(preference, kind, "email") and user.email:
            held = kind in STAFF_KINDS or (preference is not None and preference.daily_digest)
            outbox.queue(user, kind, title, email_body(title, body, link), held=held)
    db.session.add_all(rows)
    if flush:
        db.session.flush()
    return len(rows)


def kinds_for(user: User) -> dict[str, str]:
    """The kinds a user can be told about (the reviewers' work kinds only for reviewers)."""
    if getattr(user, "role", None) is Role.REVIEWER:
        return KINDS
    return {k: v for k, v in KINDS.items() if k not in STAFF_KINDS}


def preferences_of(user_ids: list[int]) -> dict[int, NotificationPreference]:
    """The stored preferences of these users (users without a row get everything)."""
    if not user_ids:
        return {}
    query = sa.select(NotificationPreference).where(NotificationPreference.user_id.in_(user_ids))
    return {p.user_id: p for p in db.session.scalars(query)}


def wants(preference: NotificationPreference | None, kind: str, channel: str) -> bool:
    """Whether a user receives this kind on this channel ('site' or 'email')."""
    if preference is None:
        return True
    switched_off = preference.site_off if channel == "site" else preference.email_off
    return kind not in (switched_off or [])


def email_body(title: str, body: str, link: str) -> str:
    """The plain-text e-mail of one notification, with an absolute link back to the site."""
    url = f"{current_app.config['SITE_URL']}{link}" if link else current_app.config["SITE_URL"]
    footer = "如不希望收到此类邮件，可在“消息通知 › 通知设置”中调整。"
    return "\n".join([title, *([body] if body else []), f"查看详情：{url}", "", footer])


def save_preferences(
    user: User, site_kinds: set[str], email_kinds: set[str], daily_digest: bool
) -> NotificationPreference:
    """Store which kinds the user receives in the site and by e-mail, and the digest choice."""
    preference = db.session.get(NotificationPreference, user.id)
    if preference is None:
        preference = NotificationPreference(user_id=user.id)
        db.session.add(preference)
    preference.site_off = sorted(set(KINDS) - site_kinds)
    preference.email_off = sorted(set(KINDS) - email_kinds)
    preference.daily_digest = daily_digest
    db.session.flush()
    return preference


def preference_for(user: User) -> NotificationPreference | None:
    """The user's stored preference, if any."""
    return db.session.get(NotificationPreference, user.id)


def recommendation_approved(recommendation: Any) -> None:
    """Tell both sides of a pair an administrator pushed to them (平台推荐)."""
    scenario, capability = recommendation.scenario, recommendation.capability
    title = f"平台推荐：“{scenario.title}” ⇄ “{capability.title}”"
    for org_id in {scenario.organization_id, capability.organization_id}:
        notify_organization(org_id, "new_recommendation", title, link="/my/")


def notify_organization(
    organization_id: int, kind: str, title: str, link: str = "", body: str = ""
) -> int:
    """Tell every user of an organisation."""
    users = db.session.scalars(sa.select(User).where(User.organization_id == organization_id))
    return notify(users, kind, title, link, body)


def notify_admins(kind: str, title: str, link: str = "", body: str = "") -> int:
    """Tell every administrator."""
    users = db.session.scalars(sa.select(User).where(User.role == Role.REVIEWER))
    return notify(users, kind, title, link, body)


def unread_count(user: User) -> int:
    """How many of the user's notifications are unread."""
    query = sa.select(sa.func.count()).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    return db.session.scalar(query) or 0


def for_user(user: User, unread_only: bool = False) -> sa.Select[Notification]:
    """The user's notifications, newest first (a query, for pagination)."""
    query = sa.select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return query.order_by(Notification.created_at.desc(), Notification.id.desc())


def mark_read(user: User, notification_id: int | None = None) -> int:
    """Mark one notification, or all of them, read; only the user's own. Return how many."""
    query = sa.update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    result = db.session.execute(query.values(read_at=utcnow()))
    # DML runs as a CursorResult (rowcount); Session.execute is typed as returning a Result
    return cast("sa.CursorResult[Any]", result).rowcount or 0


def get_own(user: User, notification_id: int) -> Notification | None:
    """The user's notification with that id, or None (another user's is never returned)."""
    item = db.session.get(Notification, notification_id)
    return item if item is not None and item.user_id == user.id else None
