"""Time helpers: the database stores naive UTC; people and documents see Asia/Almaty."""

import calendar
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

LOCAL_ZONE = ZoneInfo("Asia/Almaty")


def utcnow() -> datetime:
    """Naive UTC now, the form every timestamp column stores."""
    return datetime.now(UTC).replace(tzinfo=None)


def to_local(value: datetime) -> datetime:
    """A stored naive-UTC timestamp as an aware Asia/Almaty time."""
    return value.replace(tzinfo=UTC).astimezone(LOCAL_ZONE)


def local_today() -> date:
    return datetime.now(LOCAL_ZONE).date()


def add_months(start: date, months: int) -> date:
    """The last day of a term of ``months`` starting on ``start``.

    The term runs up to the day before the same date ``months`` later: 24 months from
    2026-12-01 end on 2028-11-30. When the final month has no such date, the term ends on
    that month's last day: one month from 2026-01-31 ends on 2026-02-28.
    """
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    if start.day > last_day:
        return date(year, month, last_day)
    return date(year, month, start.day) - timedelta(days=1)
