"""The monthly report: a signed PDF of one calendar month's figures for the department head.

One report per month: the document's ``issue_key`` is ``monthly_report:YYYY-MM``, so asking
again returns the same document (its number and code). ``reissue`` issues a new document
for the month (``monthly_report:YYYY-MM:N``, N = 2, 3, …) — for a month whose figures have
changed since (a late decision, a corrected record); the newest is the month's current
report, and the earlier ones stay valid and verifiable as what was reported then.

Only a month that has ended may be reported (a report of the running month would freeze
half a month under the one-per-month rule). The figures are :func:`app.reporting.statistics.figures`
of the month, computed when the PDF is made: the month's received, decided by outcome,
forwarded, rejected, working days to decision, share in term, extensions and appeals, with
the previous month beside them; *open* and *overdue* are those at the time of issue (the
statistics count them now), which is the month's end when the report is issued on the
first working day after it, as intended. The trend is the 12 months ending with the
month; the top recurring bodies are :func:`app.reporting.patterns.patterns` of the month.

On /verify the public record says only the kind and the month (the subject number
``YYYY-MM``): no figure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from app.audit import services as audit
from app.documents import services as documents
from app.documents.models import Document, DocumentKind
from app.extensions import db
from app.inputs import MIN_DATE
from app.reporting import periods

SUBJECT_TYPE = "monthly_report"
TOP_RECURRING = 10
_MONTH = re.compile(r"(\d{4})-(\d{2})")


class MonthRefused(Exception):
    """A month that cannot be reported: ``problem`` is ``format``, ``too_early`` or ``not_ended``."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


@dataclass(frozen=True)
class Issued:
    document: Document
    new: bool  # False: the month's existing report was returned


def parse_month(text: str, today: date) -> date:
    """The first day of the month ``YYYY-MM`` names; :class:`MonthRefused` when it cannot be reported."""
    match = _MONTH.fullmatch((text or "").strip())
    if match is None or not 1 <= int(match[2]) <= 12 or int(match[1]) < 1:
        raise MonthRefused("format")
    first = date(int(match[1]), int(match[2]), 1)
    if first < MIN_DATE.replace(day=1):
        raise MonthRefused("too_early")
    if periods.month(first).end >= today:
        raise MonthRefused("not_ended")
    return first


def subject_id(first: date) -> int:
    return first.year * 100 + first.month


def month_of(document_subject_id: int) -> date:
    return date(document_subject_id // 100, document_subject_id % 100, 1)


def _reports(first: date) -> list[Document]:
    return list(db.session.scalars(select(Document).where(
        Document.kind == DocumentKind.MONTHLY_REPORT.value, Document.subject_id == subject_id(first))
        .order_by(Document.id)))


def current(first: date) -> Document | None:
    """The month's current report (the newest issued for it), or None."""
    reports = _reports(first)
    return reports[-1] if reports else None


def issued_reports(limit: int = 24) -> list[Document]:
    """The newest reports, one per month (its current one), the latest month first."""
    rows = db.session.scalars(select(Document).where(Document.kind == DocumentKind.MONTHLY_REPORT.value)
                              .order_by(Document.subject_id.desc(), Document.id.desc()))
    out: dict[int, Document] = {}
    for document in rows:
        out.setdefault(document.subject_id, document)
        if len(out) > limit:
            break
    return list(out.values())[:limit]


def issue(first: date, *, actor_id: int | None, actor_label: str, reissue: bool = False) -> Issued:
    """The report of the month starting ``first``: the existing one, or a new one (flushed, audited).

    The PDF is made after the caller commits (the document pipeline's after-commit task).
    """
    reports = _reports(first)
    if reports and not reissue:
        return Issued(reports[-1], new=False)
    key = f"{SUBJECT_TYPE}:{first:%Y-%m}" + (f":{len(reports) + 1}" if reports else "")
    document = documents.reserve(kind=DocumentKind.MONTHLY_REPORT, subject_type=SUBJECT_TYPE,
                                 subject_id=subject_id(first), subject_number=f"{first:%Y-%m}", issue_key=key)
    audit.record("report.issued", actor_id=actor_id, actor_label=actor_label, subject_type=SUBJECT_TYPE,
                 subject_id=f"{first:%Y-%m}", details={"month": f"{first:%Y-%m}", "document": document.number,
                                                       "reissue": bool(reports)})
    return Issued(document, new=True)


def record_download(user, document: Document) -> None:
    """Audit a download of a report by a member of staff (in the caller's transaction)."""
    audit.record("report.downloaded", actor_id=user.id, actor_label=user.email, subject_type=SUBJECT_TYPE,
                 subject_id=document.subject_number, details={"month": document.subject_number,
                                                              "document": document.number})
