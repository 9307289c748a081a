"""The platform's one clock: instants are stored in UTC, dates and times are read in China.

Jinan keeps China Standard Time (UTC+8, no daylight saving since 1991), so a fixed offset is
exact for every date the platform holds and needs no time-zone database on the machine.

- `now()` is the instant (aware, UTC): what columns store.
- `today()` is the calendar date in China: every rule about dates (deadlines, contract and
  go-live dates, batch publication days, reminders, imports) compares with it, so a user
  acting at 00:30 or 23:30 Beijing time gets the date on their own calendar.
- `local()` turns a stored instant into Beijing time for people (pages, exports, e-mails).
  SQLite hands back naive values; they were stored as UTC and are read as such.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")
ZONE_LABEL = "北京时间"


def now() -> datetime:
    """The current instant, aware, in UTC."""
    return datetime.now(UTC)


def today() -> date:
    """Today's date on the calendar in China."""
    return datetime.now(CHINA).date()


def local(instant: datetime) -> datetime:
    """A stored instant in Beijing time (a naive value is taken as UTC)."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(CHINA)


def local_date(instant: datetime) -> date:
    """The date in China on which an instant fell."""
    return local(instant).date()


def start_of_day(day: date) -> datetime:
    """The instant (UTC) at which a date in China begins."""
    return datetime(day.year, day.month, day.day, tzinfo=CHINA).astimezone(UTC)
