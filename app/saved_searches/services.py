"""Saving, renaming, deleting searches, and alerting their owners to newly published hits."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app import clock
from app.errors import DomainError
from app.extensions import db
from app.models import SavedSearch, User
from app.models.base import utcnow
from app.models.search import SEARCH_SIDES
from app.notifications import services as notifications
from app.search import services as search
from app.search.documents import Listing, record_of, side_of
from app.search.filters import Filters
from app.validators import has_control_chars

MAX_PER_USER = 50
MAX_QUERY_CHARS = 500  # SavedSearch.query


def for_user(user: User) -> list[SavedSearch]:
    """The user's saved searches, newest first."""
    query = sa.select(SavedSearch).where(SavedSearch.user_id == user.id)
    return list(db.session.scalars(query.order_by(SavedSearch.id.desc())))


def get_own(user: User, saved_id: int) -> SavedSearch | None:
    """The user's saved search with that id, or None (another user's is never returned)."""
    saved = db.session.get(SavedSearch, saved_id)
    return saved if saved is not None and saved.user_id == user.id else None


def save(user: User, side: str, query: str) -> SavedSearch:
    """Keep a list page's search (canonicalised) with alerts on."""
    if side not in SEARCH_SIDES:
        raise DomainError("无法识别要保存的搜索。")
    filters = Filters.from_query(query).for_side(side)
    canonical = filters.to_query()
    if filters.is_empty:
        raise DomainError("请先输入关键词或选择筛选条件，再保存搜索。")
    if any(has_control_chars(value) for value in filters.args().values()):
        raise DomainError("搜索条件不能包含控制字符（如 NUL 等不可见字符），请删除后再保存。")
    if len(canonical) > MAX_QUERY_CHARS:
        raise DomainError("搜索条件过长，请精简后再保存。")
    existing = same_search(user, side, canonical)
    if existing is not None:
        raise DomainError(f"已保存过相同的搜索：{existing.name}。")
    if len(for_user(user)) >= MAX_PER_USER:
        raise DomainError(f"最多保存 {MAX_PER_USER} 个搜索，请先删除不再需要的。")
    saved = SavedSearch(
        user_id=user.id, side=side, query=canonical, name=search.describe(filters), alerts=True
    )
    try:
        with db.session.begin_nested():  # losing the race undoes this row, not the request
            db.session.add(saved)
    except IntegrityError as exc:  # the same search saved at the same moment (two tabs)
        raise DomainError("已保存过相同的搜索。") from exc
    return saved


def same_search(user: User, side: str, canonical: str) -> SavedSearch | None:
    """The user's saved search with this canonical query, if any."""
    return db.session.scalar(
        sa.select(SavedSearch).where(
            SavedSearch.user_id == user.id,
            SavedSearch.side == side,
            SavedSearch.query == canonical,
        )
    )


def rename(user: User, saved: SavedSearch, name: str) -> None:
    """Give a saved search a name of the user's choosing."""
    _require_own(user, saved)
    name = name.strip()
    if not name:
        raise DomainError("请填写名称。", field="name")
    saved.name = name[:60]


def delete(user: User, saved: SavedSearch) -> None:
    """Forget a saved search."""
    _require_own(user, saved)
    db.session.delete(saved)


def toggle_alerts(user: User, saved: SavedSearch) -> bool:
    """Switch alerts on or off; return the new state."""
    _require_own(user, saved)
    saved.alerts = not saved.alerts
    return saved.alerts


def _require_own(user: User, saved: SavedSearch) -> None:
    if saved.user_id != user.id:
        raise DomainError("只能管理自己保存的搜索。")


def alert_for(listing: Listing) -> int:
    """Notify owners of saved searches the newly published listing matches; return how many.

    Only this one listing is tested, against the saved searches of its side whose owners
    want alerts (their own organisation's listings excepted): cost grows with the number of
    saved searches, never with the number of listings.
    """
    side = side_of(listing)
    record = record_of(listing, search.tokenizer())  # its words were stored at publication
    rows = db.session.execute(
        sa.select(SavedSearch, User)
        .join(User, User.id == SavedSearch.user_id)
        .where(
            SavedSearch.side == side,
            SavedSearch.alerts.is_(True),
            User.active.is_(True),
            sa.or_(
                User.organization_id.is_(None),
                User.organization_id != listing.organization_id,
            ),
        )
        .order_by(SavedSearch.id)
    ).all()
    today = clock.today()  # deadlines are dates in China, as on the lists
    terms = search.TermCache(side, record)
    hits: dict[int, tuple[User, SavedSearch]] = {}
    for saved, user in rows:
        filters = Filters.from_query(saved.query)
        if user.id not in hits and search.matches(
            filters, record, listing, today, terms(filters.q)
        ):
            hits[user.id] = (user, saved)
            saved.last_hit_at = utcnow()
    kind = "scenarios" if side == "scenario" else "capabilities"
    for user, saved in hits.values():
        notifications.notify(
            [user],
            "saved_search_hit",
            f"订阅“{saved.name}”有新结果：{listing.title}",
            link=f"/{kind}/{listing.id}",
            body=f"您保存的搜索“{saved.name}”匹配到新发布的内容。",
        )
    return len(hits)
