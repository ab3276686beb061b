"""Failures (403 responses, failed sign-ins) audited without letting them flood the log.

The rule: at most **one audit row per source, kind and minute**. The source is the
signed-in actor (``user:<id>``) or, for an anonymous request, the client's address
(``address:<ip>``), so that typing a thousand different e-mail addresses from one
address still yields one row a minute. Every failure is counted in
``audit_failure_counts`` (source, kind, minute → count) with one upsert:

- the failure that opens a minute writes the audit row as usual (who, the endpoint or
  the e-mail typed, ...) with ``window`` (the minute) and, when the source failed
  before, ``previous_window`` and ``previous_count`` — the final count of its last
  window, so the chain holds every count but the current minute's;
- the later failures of that minute only increment the count (no chain row, no head
  lock).

So a thousand forbidden requests in a minute cost one audit row and one counter row,
and the count (1,000) is still recorded. The counter rows are plain rows, readable
with ``failure_counts``; the audit page shows the chain rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask import has_request_context
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.audit import services
from app.audit.models import AuditEntry, FailureCount
from app.extensions import client_address, db
from app.timeutil import utcnow

_COUNTS = FailureCount.__table__


def source_of(actor_id: int | None) -> str:
    """Whom a failure is counted against: the actor, else the client's address."""
    if actor_id is not None:
        return f"user:{actor_id}"
    address = client_address() if has_request_context() else "none"
    return f"address:{address}"[:254]


def _count(action: str, source: str, window: datetime) -> int:
    """Add one to (action, source, window) and return the new count (one upsert)."""
    dialect = db.session.get_bind(mapper=FailureCount).dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(_COUNTS).values(action=action, source=source, window_start=window, count=1)
    statement = statement.on_conflict_do_update(
        index_elements=[_COUNTS.c.action, _COUNTS.c.source, _COUNTS.c.window_start],
        set_={"count": _COUNTS.c.count + 1},
    ).returning(_COUNTS.c.count)
    return db.session.execute(statement).scalar_one()


def _previous(action: str, source: str, window: datetime):
    return db.session.execute(
        select(_COUNTS.c.window_start, _COUNTS.c.count)
        .where(_COUNTS.c.action == action, _COUNTS.c.source == source, _COUNTS.c.window_start < window)
        .order_by(_COUNTS.c.window_start.desc()).limit(1)
    ).first()


def record(action: str, *, actor_id: int | None, actor_label: str, subject_type: str | None = None,
           subject_id: str | int | None = None, details: Mapping[str, Any] | None = None) -> AuditEntry | None:
    """Count a failure; write its audit row only if it is the first of its minute (see module doc).

    Same arguments as :func:`app.audit.services.record`; flushes, never commits. Returns
    the audit row written, or ``None`` when the failure was only counted.
    """
    source = source_of(actor_id)
    window = utcnow().replace(second=0, microsecond=0)
    if _count(action, source, window) > 1:
        return None
    details = {**(details or {}), "window": window}
    previous = _previous(action, source, window)
    if previous is not None:
        details |= {"previous_window": previous.window_start, "previous_count": previous.count}
    return services.record(action, actor_id=actor_id, actor_label=actor_label, subject_type=subject_type,
                           subject_id=subject_id, details=details)


def failure_counts(action: str, source: str) -> list[tuple[datetime, int]]:
    """(minute, count) of one source's failures of one kind, oldest first."""
    return [(row.window_start, row.count) for row in db.session.execute(
        select(_COUNTS.c.window_start, _COUNTS.c.count)
        .where(_COUNTS.c.action == action, _COUNTS.c.source == source).order_by(_COUNTS.c.window_start))]
