"""Retention of evidence, and leftovers in the file store.

**Retention.** The evidence of a complaint closed more than ``PBI_RETENTION_DAYS`` days
ago (default 1826, five years) is deleted: its ``evidence`` rows and, once no row of any
complaint and no issued document refers to the same content any more, the encrypted
file. The complaint itself, its history, messages, talon and decision letters stay, and
so does the audit log, which gets one ``evidence.purged`` row per complaint naming what
was removed (ids, SHA-256 sums, sizes). The rows are deleted in the caller's transaction
and the files only after it committed (:func:`remove_unreferenced`): a crash in between
leaves an unreferenced file, never a row without its file. Running it again finds
nothing more to do.

**Leftovers.** A store write goes to a temporary ``.<name>.<random>.tmp`` in the same
folder and is renamed into place when complete (``atomic_write``), so a finished name
never holds half a file; a process killed mid-write leaves only such a temporary.
:func:`storage_leftovers` finds them (older than a few minutes, so that a write in
progress is left alone) and counts files no row refers to (kept: content-addressed, such
a file may be referred to again by a filing of the same bytes).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, exists, select

from app.audit import services as audit
from app.complaints.models import Complaint, ComplaintStatus, Evidence
from app.documents.models import Document
from app.documents.runtime import file_store
from app.extensions import db
from app.timeutil import utcnow

DEFAULT_RETENTION_DAYS = 1826  # five years
PURGED = "evidence.purged"


def retention_days() -> int:
    days = current_app.config.get("PBI_RETENTION_DAYS", DEFAULT_RETENTION_DAYS)
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ValueError(f"PBI_RETENTION_DAYS must be a whole number of days >= 1, not {days!r}")
    return days


@dataclass
class PurgedCase:
    number: str
    closed_at: datetime
    evidence_ids: list[int]
    sha256: list[str]
    bytes: int


@dataclass
class RetentionReport:
    cutoff: datetime
    days: int
    cases: list[PurgedCase] = field(default_factory=list)

    @property
    def files(self) -> int:
        return sum(len(case.evidence_ids) for case in self.cases)

    @property
    def bytes(self) -> int:
        return sum(case.bytes for case in self.cases)

    def digests(self) -> set[str]:
        return {digest for case in self.cases for digest in case.sha256}


def apply_retention(*, now: datetime | None = None, dry_run: bool = False) -> RetentionReport:
    """Delete (unless ``dry_run``) the evidence rows of complaints closed before the cutoff; flushes.

    The caller commits, then calls :func:`remove_unreferenced` with ``report.digests()``.
    """
    days = retention_days()
    cutoff = (now or utcnow()) - timedelta(days=days)
    report = RetentionReport(cutoff=cutoff, days=days)
    due = db.session.execute(
        select(Complaint.id, Complaint.number, Complaint.closed_at)
        .where(Complaint.status == ComplaintStatus.CLOSED.value, Complaint.closed_at.is_not(None),
               Complaint.closed_at < cutoff, exists().where(Evidence.complaint_id == Complaint.id))
        .order_by(Complaint.id)).all()
    for complaint_id, number, closed_at in due:
        rows = db.session.execute(select(Evidence.id, Evidence.sha256, Evidence.size)
                                  .where(Evidence.complaint_id == complaint_id).order_by(Evidence.id)).all()
        case = PurgedCase(number=number, closed_at=closed_at, evidence_ids=[r.id for r in rows],
                          sha256=[r.sha256 for r in rows], bytes=sum(r.size for r in rows))
        report.cases.append(case)
        if dry_run:
            continue
        db.session.execute(delete(Evidence).where(Evidence.id.in_(case.evidence_ids)))
        audit.record(PURGED, actor_id=None, actor_label=audit.SYSTEM_LABEL, subject_type="complaint",
                     subject_id=number, details={"evidence": case.evidence_ids, "sha256": case.sha256,
                                                 "bytes": case.bytes, "closed_at": closed_at,
                                                 "retention_days": days})
    db.session.flush()
    return report


def _referenced(digest: str) -> bool:
    return bool(db.session.scalar(select(exists().where(Evidence.sha256 == digest)))
                or db.session.scalar(select(exists().where(Document.sha256 == digest))))


def remove_unreferenced(digests: Iterable[str]) -> int:
    """Delete the stored files of ``digests`` that no evidence row or document refers to; how many."""
    store, removed = file_store(), 0
    for digest in sorted(set(digests)):
        if _referenced(digest):
            continue
        path = store._path(digest)  # the store's own name for the digest (an HMAC of it)
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        removed += 1
    return removed


# --- leftovers in the store ----------------------------------------------------------------

@dataclass
class Leftovers:
    temporary: list[Path]
    unreferenced: int
    stored: int


def _referenced_names() -> set[str]:
    store = file_store()
    digests = set(db.session.scalars(select(Evidence.sha256)))
    digests |= set(db.session.scalars(select(Document.sha256).where(Document.sha256.is_not(None))))
    return {store._path(digest).name for digest in digests}


def storage_leftovers(*, min_age_seconds: float = 600) -> Leftovers:
    """Temporary files older than ``min_age_seconds`` and the count of unreferenced stored files."""
    root = file_store().root
    if not root.is_dir():
        return Leftovers([], 0, 0)
    names = _referenced_names()
    temporary, unreferenced, stored = [], 0, 0
    horizon = time.time() - min_age_seconds
    for path in sorted(root.glob("*/*")):
        if not path.is_file():
            continue
        if path.name.startswith("."):
            if path.name.endswith(".tmp") and path.stat().st_mtime <= horizon:
                temporary.append(path)
            continue
        stored += 1
        if path.name not in names:
            unreferenced += 1
    return Leftovers(temporary, unreferenced, stored)
