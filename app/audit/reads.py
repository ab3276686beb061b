"""Audits of staff reads that reveal confidential content: one audit row per request.

What is audited (the allowed write of a GET, README "Architecture"; the view commits
it before the content leaves):

- ``complaint.read`` — a staff member opened a case page (``what: "case"``) or
  downloaded one of its documents (``what: "document"``: the talon, a decision letter,
  a covering letter; with the document's number and kind). Every complaint, not only
  those with ``keep_identity_confidential``: the case page and the decision letter
  name the business, its BIN and the official either way; ``confidential`` says
  which it was.
- ``evidence.read`` — a staff download of an evidence file (app.complaints.services).
- ``complaint.search`` — a queue search with a query: the query as typed (kept in the
  audit log, a protected store, never in a log line), the page, how many matched,
  and the numbers of the complaints the page showed.
- ``complaint.patterns`` — a page of the repeat-offender view (app.reporting.patterns):
  its filter, the page, how many bodies or officials it counted and the numbers of the
  complaints it linked to.
- ``agreement.proof_read`` — a staff download of an association's proof of authority
  (a power of attorney naming people).
- ``export.complaints``, ``export.audit`` — a download of the queue or of the audit log
  as CSV or XLSX (app.reporting.export_views), with its format and filters.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.audit import services as audit
from app.documents.models import Document

QUERY_LIMIT = 100  # as the queue's search box


def _actor(user: Any) -> dict[str, Any]:
    return audit.actor_fields(user)


def case(user: Any, complaint: Any, what: str = "case", **details: Any) -> None:
    """Record that ``user`` (staff) read ``complaint``'s content (``what``: case, document)."""
    audit.record("complaint.read", **_actor(user), subject_type="complaint", subject_id=complaint.number,
                 details={"what": what, "confidential": bool(complaint.keep_identity_confidential), **details})


class NotFound(LookupError):
    """No such document of this complaint."""


def document(user: Any, complaint: Any, document: Document | None) -> Document:
    """Record a staff download of one of the complaint's documents; NotFound if it is not the complaint's."""
    if document is None or document.subject_type != "complaint" or document.subject_id != complaint.id:
        raise NotFound(complaint.id)
    case(user, complaint, "document", document=document.number, kind=document.kind)
    return document


def search(user: Any, query: str, *, page: int, matches: int, capped: bool, shown: Sequence[str]) -> None:
    """Record a queue search: the query, and the complaint numbers the page showed."""
    audit.record("complaint.search", **_actor(user), details={
        "query": query[:QUERY_LIMIT], "page": page, "matches": matches, "capped": capped, "shown": list(shown)})


def authority_proof(user: Any, proof: Any) -> None:
    audit.record("agreement.proof_read", **_actor(user), subject_type="authority_proof", subject_id=proof.id,
                 details={"association_id": proof.association_id})


def export(user: Any, what: str, kind: str, filters: dict[str, Any]) -> None:
    """Record an export (``what``: complaints, statistics, audit) in ``kind`` (csv, xlsx) with the filters it used.

    Recorded and committed before the first row leaves; how many rows it had is not
    known then and is not recorded (the filters reproduce it).
    """
    audit.record(f"export.{what}", **_actor(user), details={"format": kind, "filters": dict(filters)})
