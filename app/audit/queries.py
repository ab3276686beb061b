"""Browsing the audit log: filters, pages, plain rows for the supervisors' page."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.audit.services import canonical_json
from app.database import like_pattern, page_window
from app.extensions import db
from app.timeutil import LOCAL_ZONE


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    actor_label: str
    action: str
    subject_type: str | None
    subject_id: str | None
    details: dict

    @property
    def detail_pairs(self) -> list[tuple[str, str]]:
        """``details`` as sorted (key, text) pairs; non-text values as compact JSON."""
        return [(key, value if isinstance(value, str) else canonical_json(value))
                for key, value in sorted(self.details.items())]


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditRow]
    page: int
    pages: int
    total: int


def _details(text: str) -> dict:
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return {"details": text}
    return value if isinstance(value, dict) else {"details": value}


def local_day_start(day: date) -> datetime:
    """Midnight in Asia/Almaty at the start of ``day``, as naive UTC."""
    return datetime.combine(day, time(), tzinfo=LOCAL_ZONE).astimezone(UTC).replace(tzinfo=None)


def search_conditions(*, action: str | None = None, actor: str | None = None, subject_type: str | None = None,
                      subject_id: str | None = None, since: date | None = None, until: date | None = None,
                      upto: int | None = None) -> list:
    """The WHERE conditions of :func:`search`'s filters (the page and the export share them)."""
    conditions = []
    if action:
        conditions.append(AuditEntry.action.startswith(action, autoescape=True))
    if actor and actor.strip():
        conditions.append(func.lower(AuditEntry.actor_label).like(like_pattern(actor), escape="\\"))
    if subject_type:
        conditions.append(AuditEntry.subject_type == subject_type)
    if subject_id:
        conditions.append(AuditEntry.subject_id == subject_id)
    if since:
        conditions.append(AuditEntry.at >= local_day_start(since))
    if until:
        conditions.append(AuditEntry.at < local_day_start(until + timedelta(days=1)))
    if upto is not None:
        conditions.append(AuditEntry.id <= upto)
    return conditions


def search(*, action: str | None = None, actor: str | None = None, subject_type: str | None = None,
           subject_id: str | None = None, since: date | None = None, until: date | None = None,
           upto: int | None = None, page: int = 1, per_page: int = 50) -> AuditPage:
    """Entries newest first (by id: the append order), one page of them.

    ``action`` is a prefix ("complaint." matches every complaint action); ``actor`` a
    case-insensitive part of the actor label; ``subject_type`` and ``subject_id`` match
    exactly; ``since`` and ``until`` are Asia/Almaty calendar days, both included.
    ``upto`` keeps only entries with ``id <= upto``: pass the id of the newest entry of
    the first page to the next pages, and entries appended meanwhile do not shift them.
    A page beyond the last gives the last page.
    """
    conditions = search_conditions(action=action, actor=actor, subject_type=subject_type, subject_id=subject_id,
                                   since=since, until=until, upto=upto)
    window = page_window(select(AuditEntry.id).where(*conditions), page, per_page)
    stmt = (
        select(AuditEntry.id, AuditEntry.at, AuditEntry.actor_label, AuditEntry.action,
               AuditEntry.subject_type, AuditEntry.subject_id, AuditEntry.details)
        .where(*conditions).order_by(AuditEntry.id.desc()).limit(per_page).offset(window.offset)
    )
    rows = [
        AuditRow(r.id, r.at, r.actor_label, r.action, r.subject_type, r.subject_id, _details(r.details))
        for r in db.session.execute(stmt)
    ]
    return AuditPage(rows, window.page, window.pages, window.total)
