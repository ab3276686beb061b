"""Time helpers: the database stores naive UTC; people see Asia/Almaty."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Naive UTC now, the form every timestamp column stores."""
    return datetime.now(UTC).replace(tzinfo=None)
