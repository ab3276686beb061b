"""The audit log as a table for export: the audit page's filters, every matching entry, newest first.

The conditions are the page's (:func:`app.audit.queries.search_conditions`); the entries
are read in keyset batches of :data:`BATCH` down the id (the append order), up to the
newest entry when the export began (``upto``), so that entries appended meanwhile —
the export's own audit entry among them — do not enter it. Codes are put in words in the
reader's language as on the page (unknown codes as stored); the details are the stored
canonical JSON, verbatim.
"""

from __future__ import annotations

from collections.abc import Iterator

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.audit import labels, queries
from app.audit.models import AuditEntry
from app.extensions import db
from app.timeutil import to_local

BATCH = 2000

COLUMNS = (_l("No."), _l("Time"), _l("User"), _l("Action"), _l("Subject type"), _l("Subject number"),
           _l("Details"))


def header() -> list[str]:
    return [str(name) for name in COLUMNS]


def rows(criteria: dict, upto: int) -> Iterator[tuple]:
    """The entries matching ``criteria`` (the page's filters) with ``id <= upto``, newest first."""
    conditions = queries.search_conditions(**criteria, upto=upto)
    stmt = select(AuditEntry.id, AuditEntry.at, AuditEntry.actor_label, AuditEntry.action, AuditEntry.subject_type,
                  AuditEntry.subject_id, AuditEntry.details).where(*conditions)
    below = None
    while True:
        page = stmt if below is None else stmt.where(AuditEntry.id < below)
        batch = db.session.execute(page.order_by(AuditEntry.id.desc()).limit(BATCH)).all()
        for r in batch:
            yield (r.id, to_local(r.at).replace(tzinfo=None), r.actor_label, labels.action_label(r.action),
                   labels.subject_type_label(r.subject_type) if r.subject_type else None, r.subject_id, r.details)
        if len(batch) < BATCH:
            return
        below = batch[-1].id
