"""The one place where listing status transitions are allowed or refused."""

from __future__ import annotations

from app.errors import DomainError
from app.models.listing import ListingStatus as S

TRANSITIONS: dict[tuple[S, str], S] = {
    (S.DRAFT, "submit"): S.PENDING,
    (S.REJECTED, "submit"): S.PENDING,
    (S.PENDING, "approve"): S.PUBLISHED,
    (S.PENDING, "reject"): S.REJECTED,
}

ACTION_LABELS = {"submit": "提交审核", "approve": "审核通过", "reject": "驳回"}


def next_status(current: S, action: str) -> S:
    """The status an action leads to, or a DomainError naming why it is not allowed."""
    try:
        return TRANSITIONS[(current, action)]
    except KeyError:
        label = ACTION_LABELS.get(action, action)
        raise DomainError(f"当前状态为“{current.label}”，不能{label}。") from None
