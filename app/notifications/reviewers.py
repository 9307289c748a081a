"""Work comes to the reviewers: a new registration, a submission (or revision) and newly queued
recommended pairs each tell every 平台审核员 in the site, and by e-mail in the daily digest.

The events are found where they are written (a flush adding a pending organisation, a pending
listing version or pending pairs), so every path that creates them — registration, 提交审核,
bulk submission, the matching job — tells the reviewers without each remembering to.
Queued pairs are coalesced: one notification per batch of pairs, and none while a reviewer
still has an unread one about the queue.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.listing_kinds import KINDS
from app.models import (
    ListingVersion,
    Notification,
    Organization,
    OrgStatus,
    Recommendation,
    RecommendationStatus,
    Role,
    User,
    VersionStatus,
)
from app.notifications.services import notify

NOUNS = {kind.name: kind.noun for kind in KINDS}


def _reviewers(session: Session) -> list[User]:
    query = sa.select(User).where(User.role == Role.REVIEWER, User.active.is_(True))
    return list(session.scalars(query))


def _without_unread(session: Session, users: list[User], kind: str) -> list[User]:
    """The users with no unread notification of this kind (the rest already know)."""
    if not users:
        return []
    unread = set(
        session.scalars(
            sa.select(Notification.user_id).where(
                Notification.user_id.in_([u.id for u in users]),
                Notification.kind == kind,
                Notification.read_at.is_(None),
            )
        )
    )
    return [u for u in users if u.id not in unread]


def _messages(new: list[Any]) -> list[tuple[str, str, str]]:
    """(kind, title, link) of each event among the objects a flush inserts."""
    found = []
    for obj in new:
        if isinstance(obj, Organization) and obj.status is OrgStatus.PENDING:
            found.append(
                ("registration_received", f"新单位注册待审核：{obj.name}", "/review/organizations")
            )
        elif isinstance(obj, ListingVersion) and obj.status is VersionStatus.PENDING:
            noun = NOUNS.get(obj.kind, "内容")
            what = f"{noun}修改" if obj.is_revision else f"新{noun}"
            title = (obj.snapshot or {}).get("title", "")
            link = f"/review/listings?kind={obj.kind}"
            found.append(("submission_received", f"{what}待审核：{title}", link))
    return found


@event.listens_for(Session, "before_flush")
def _tell_reviewers(session: Session, _context: Any, _instances: Any) -> None:
    new = list(session.new)
    messages = _messages(new)
    pairs = sum(
        1
        for obj in new
        if isinstance(obj, Recommendation)
        and obj.status in (None, RecommendationStatus.PENDING)  # None: the column default
    )
    if not messages and not pairs:
        return
    reviewers = _reviewers(session)
    for kind, title, link in messages:
        notify(reviewers, kind, title, link, flush=False)
    if pairs:
        waiting = _without_unread(session, reviewers, "matches_queued")
        title = f"有新的推荐匹配待审核（新增 {pairs} 对）"
        notify(waiting, "matches_queued", title, "/review/matches", flush=False)
