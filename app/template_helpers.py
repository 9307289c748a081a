"""Filters and globals the templates use."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from urllib.parse import urlencode

from flask import Flask, request
from flask_babel import gettext
from flask_login import current_user

from app import amounts, clock
from app.models import Role

STATUS_CLASSES = {
    "draft": "muted",
    "pending": "warn",
    "published": "ok",
    "approved": "ok",
    "rejected": "bad",
    "closed": "muted",
    "expired": "muted",
    "withdrawn": "muted",
}


def mask_phone(phone: str) -> str:
    """138****1234 for mobiles, 0531-****8888 for landlines."""
    digits = phone.strip()
    if len(digits) == 11 and digits.isdigit():
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) > 6:
        return f"{digits[:5]}****{digits[-4:]}"
    return "****"


def mask_email(email: str) -> str:
    """z***@example.com: the first character and the domain stay readable."""
    local, at, domain = email.strip().partition("@")
    if not at or not local:
        return "***"
    return f"{local[0]}***@{domain}"


def fmt_date(value: date | datetime | None) -> str:
    """YYYY-MM-DD (an instant: its date in China), or a dash."""
    if isinstance(value, datetime):
        value = clock.local_date(value)
    return value.strftime("%Y-%m-%d") if value else "—"


def fmt_datetime(value: datetime | None, seconds: bool = False) -> str:
    """An instant in Beijing time, YYYY-MM-DD HH:MM(:SS), or a dash."""
    if value is None:
        return "—"
    return clock.local(value).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def fmt_budget(value: Decimal | None) -> str:
    """A budget in 万元 (×10k CNY in English), or 面议 (Negotiable) when undisclosed."""
    if value is None:
        return gettext("面议")
    # the Chinese text is amounts.wan's: 260 万元
    return gettext("%(amount)s 万元", amount=amounts.plain(value))


def page_url(page: int) -> str:
    """The current URL with another page number."""
    args = {k: v for k, v in request.args.items() if k != "page"}
    args["page"] = str(page)
    return f"{request.path}?{urlencode(args)}"


def unread_notifications() -> int:
    """The signed-in user's unread count for the header badge (0 when signed out)."""
    if not current_user.is_authenticated:
        return 0
    from app.notifications.services import unread_count

    return unread_count(current_user)


def init_app(app: Flask) -> None:
    """Register filters and globals."""
    app.jinja_env.filters.update(
        mask_phone=mask_phone,
        mask_email=mask_email,
        fmt_date=fmt_date,
        fmt_datetime=fmt_datetime,
        fmt_budget=fmt_budget,
        fmt_amount=amounts.plain,
    )
    from app.recommendations.explain import reasons
    from app.recommendations.levels import level

    app.jinja_env.globals.update(
        reasons=reasons,
        level_of=level,
        page_url=page_url,
        unread_notifications=unread_notifications,
        Role=Role,
        STATUS_CLASSES=STATUS_CLASSES,
    )
