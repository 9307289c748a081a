"""The one place where listing status transitions, and who may make them, are decided.

草稿 → 待审核 → 已发布 (or 已驳回, edited and submitted again) → 已关闭 / 已过期 / 已撤回.
A published listing may be revised: its status stays 已发布 while the new version waits.
"""

from __future__ import annotations

from app.errors import DomainError
from app.models.listing import ListingStatus as S

OWNER, ADMIN, SYSTEM = "owner", "admin", "system"

TRANSITIONS: dict[tuple[S, str], S] = {
    (S.DRAFT, "submit"): S.PENDING,
    (S.REJECTED, "submit"): S.PENDING,
    (S.WITHDRAWN, "submit"): S.PENDING,
    (S.PENDING, "approve"): S.PUBLISHED,
    (S.PENDING, "reject"): S.REJECTED,
    (S.PENDING, "withdraw"): S.WITHDRAWN,
    (S.PUBLISHED, "withdraw"): S.WITHDRAWN,
    (S.PUBLISHED, "revise"): S.PUBLISHED,
    (S.PUBLISHED, "close"): S.CLOSED,
    (S.PUBLISHED, "expire"): S.EXPIRED,
}

ACTION_LABELS = {
    "submit": "提交审核",
    "approve": "审核通过",
    "reject": "驳回",
    "withdraw": "撤回",
    "revise": "修改",
    "close": "关闭",
    "expire": "标记为过期",
}

# who may take each action: the listing's organisation, an administrator, or the clock
ACTORS: dict[str, frozenset[str]] = {
    "submit": frozenset({OWNER}),
    "withdraw": frozenset({OWNER}),
    "revise": frozenset({OWNER}),
    "close": frozenset({OWNER, ADMIN}),
    "approve": frozenset({ADMIN}),
    "reject": frozenset({ADMIN}),
    "expire": frozenset({SYSTEM}),
}


def next_status(current: S, action: str, actor: str | None = None) -> S:
    """The status an action leads to, or a DomainError naming why it is not allowed."""
    label = ACTION_LABELS.get(action, action)
    if actor is not None and actor not in ACTORS.get(action, frozenset()):
        raise DomainError(f"您不能{label}此内容。")
    try:
        return TRANSITIONS[(current, action)]
    except KeyError:
        raise DomainError(f"当前状态为“{current.label}”，不能{label}。") from None


def allows(current: S, action: str, actor: str) -> bool:
    """True when the actor may take the action now (for showing buttons)."""
    return (current, action) in TRANSITIONS and actor in ACTORS.get(action, frozenset())
