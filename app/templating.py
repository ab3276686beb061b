"""Template filters and globals shared by every page."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask

from app.agreements import messages as agreement_messages
from app.documents.views import kind_label
from app.sizes import file_size
from app.timeutil import to_local


def local_datetime(value: datetime | None) -> str:
    """A stored UTC timestamp as Asia/Almaty time, the way Kazakhstan writes it."""
    return to_local(value).strftime("%d.%m.%Y %H:%M") if value else ""


def local_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value).date()
    return value.strftime("%d.%m.%Y")


def init_app(app: Flask) -> None:
    app.jinja_env.filters["local_datetime"] = local_datetime
    app.jinja_env.filters["local_date"] = local_date
    app.jinja_env.filters["file_size"] = file_size
    app.jinja_env.globals.update(
        agreement_status_label=agreement_messages.status_label,
        agreement_action_label=agreement_messages.action_label,
        proof_status_label=agreement_messages.proof_status_label,
        kind_label=kind_label,
    )
