"""Read models for complaint pages: plain values, one query per list, stable order."""

from __future__ import annotations

from dataclasses import dataclass, fields, make_dataclass
from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased

from app.accounts.models import User
from app.businesses.models import Association, Business
from app.complaints import clock, counts, queue_search
from app.complaints.models import CaseMessage, Complaint, ComplaintEvent, Evidence
from app.complaints.services import AS_FILED, Filing
from app.database import COUNT_CAP, page_window
from app.documents.models import Document
from app.extensions import db


@dataclass(frozen=True)
class QueueFilter:
    status: str | None = None
    pressure_type: str | None = None
    body_category: str | None = None
    district: str | None = None
    officer_id: int | None = None
    covered: bool | None = None
    overdue: bool = False
    due_before: date | None = None  # "due within N working days", resolved to a date by the view
    query: str = ""
    sort: str = "due"  # "due" | "received"
    # The officer whose word search is limited to the texts they may read (see
    # readable_text); None for a supervisor or an admin, who may read every case.
    search_reader: int | None = None


@dataclass(frozen=True)
class QueueRow:
    id: int
    number: str
    status: str
    pressure_type: str
    body_category: str
    body_name: str
    business_name: str
    district: str
    officer: str | None
    received_at: datetime
    due: date
    forwarding_due: date
    covered: bool
    overdue: bool
    due_soon: bool


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    page: int
    pages: int
    total: int
    capped: bool
    counts: dict[str, int]


def kind_conditions(*, district: str | None = None, pressure_type: str | None = None,
                    body_category: str | None = None, body_name: str | None = None, officer_id: int | None = None,
                    covered: bool | None = None) -> list:
    """Conditions on what a complaint is about and who has it (the queue's and the statistics' filters)."""
    conditions = []
    for column, value in ((Complaint.incident_district, district), (Complaint.pressure_type, pressure_type),
                          (Complaint.body_category, body_category), (Complaint.body_name, body_name),
                          (Complaint.assigned_officer_id, officer_id)):
        if value:
            conditions.append(column == value)
    if covered is not None:
        conditions.append(Complaint.association_id.is_not(None) if covered else Complaint.association_id.is_(None))
    return conditions


def queue_conditions(filters: QueueFilter, window: clock.Window, found: queue_search.Plan) -> list:
    """The queue's WHERE conditions for ``filters`` (and the search's ``found`` plan): the page and the export."""
    conditions = []
    if filters.status:
        conditions.append(Complaint.status == filters.status)
    conditions += kind_conditions(district=filters.district, pressure_type=filters.pressure_type,
                                  body_category=filters.body_category, officer_id=filters.officer_id,
                                  covered=filters.covered)
    if filters.overdue:
        conditions.append(clock.sql_overdue(window.today))
    if filters.due_before:
        conditions.append(clock.sql_due_soon(window.today, filters.due_before))
    if found.condition is not None:
        conditions.append(found.condition)
    if found.scope is not None:
        conditions.append(found.scope)
    return conditions


def queue(filters: QueueFilter, *, window: clock.Window, page: int = 1, per_page: int = 25) -> QueuePage:
    """One page of the queue: the page's ids read along an index, then those rows with their names."""
    found = queue_search.plan(filters.query, filters.search_reader)
    conditions = queue_conditions(filters, window, found)
    per_status = status_counts()
    received = filters.sort == "received"
    if found.postgresql_words is not None:
        page_of, page_ids = queue_search.postgresql_page(conditions, found.postgresql_words, received, page, per_page)
    else:
        page_of, page_ids = _page(conditions, filters, found, per_status, received, page, per_page)
    return QueuePage(_rows(page_ids, window), page_of.page, page_of.pages, page_of.total, page_of.capped,
                     per_status)


def _page(conditions, filters: QueueFilter, found: queue_search.Plan, per_status, received: bool, page: int,
          per_page: int):
    """The page's ids read along the order's index (and the count, capped or known)."""
    known_total = None  # exact when nothing else is filtered: the maintained counts, the index's count
    if not conditions:
        known_total = sum(per_status.values())
    elif len(conditions) == 1 and filters.status:
        known_total = per_status.get(filters.status, 0)
    elif len(conditions) == 1 and found.matches is not None:
        known_total = found.matches
    ids = select(Complaint.id).where(*conditions)
    page_of = page_window(ids, page, per_page, total=known_total)
    order = (Complaint.received_at.desc(), Complaint.id.desc()) if received else clock.queue_order()
    return page_of, list(db.session.scalars(ids.order_by(*order).limit(per_page).offset(page_of.offset)))


def _rows(page_ids: list[int], window: clock.Window) -> list[QueueRow]:
    officer = aliased(User)
    stmt = (
        select(Complaint.id, Complaint.number, Complaint.status, Complaint.pressure_type, Complaint.body_category,
               Complaint.body_name, Business.name, Complaint.incident_district, officer.full_name,
               Complaint.received_at, Complaint.effective_due, Complaint.forwarding_due, Complaint.association_id)
        .join(Business, Business.id == Complaint.business_id)
        .outerjoin(officer, officer.id == Complaint.assigned_officer_id)
        .where(Complaint.id.in_(page_ids))
    )
    by_id = {row.id: row for row in db.session.execute(stmt)} if page_ids else {}
    rows = []
    for complaint_id in page_ids:
        r = by_id[complaint_id]
        rows.append(QueueRow(
            id=r.id, number=r.number, status=r.status, pressure_type=r.pressure_type,
            body_category=r.body_category, body_name=r.body_name, business_name=r[6], district=r.incident_district,
            officer=r[8], received_at=r.received_at, due=r.effective_due, forwarding_due=r.forwarding_due,
            covered=r.association_id is not None, overdue=window.overdue(r.status, r.effective_due),
            due_soon=window.due_soon(r.status, r.effective_due),
        ))
    return rows


def status_counts() -> dict[str, int]:
    return counts.by_status()


@dataclass(frozen=True)
class Dashboard:
    counts: dict[str, int]
    overdue: int  # each at most COUNT_CAP + 1 (shown as "more than 10,000")
    due_soon: int
    mine_open: int


def _count_upto(*conditions) -> int:
    limited = select(Complaint.id).where(*conditions).limit(COUNT_CAP + 1).subquery()
    return db.session.scalar(select(func.count()).select_from(limited)) or 0


def dashboard(user_id: int, *, window: clock.Window) -> Dashboard:
    return Dashboard(
        counts=status_counts(),
        overdue=_count_upto(clock.sql_overdue(window.today)),
        due_soon=_count_upto(clock.sql_due_soon(window.today, window.soon_until)),
        mine_open=_count_upto(Complaint.assigned_officer_id == user_id, clock.sql_open()),
    )


# The case's state, beside what was filed (services.Filing, the one declaration of the filed fields).
_CASE_STATE = (("id", int), ("number", str), ("status", str), ("received_at", datetime), ("registration_day", date),
               ("forwarding_due", date), ("extended_until", date | None), ("extension_reason", str | None),
               ("outcome", str | None), ("forwarded_to", str | None), ("appeal_reason", str | None),
               ("appealed_at", datetime | None))
CaseView = make_dataclass(
    "CaseView",
    [*_CASE_STATE, *((field.name, field.type) for field in fields(Filing) if field.name in AS_FILED)],
    frozen=True)
CaseView.__module__ = __name__
CaseView.__doc__ = "The complaint's own fields, as plain values for the case pages."


def case_view(complaint: Complaint) -> CaseView:
    return CaseView(**{field.name: getattr(complaint, field.name) for field in fields(CaseView)})


@dataclass(frozen=True)
class EventView:
    at: datetime
    action: str
    to_status: str
    actor: str | None
    comment: str | None
    document_id: int | None


@dataclass(frozen=True)
class MessageView:
    id: int
    at: datetime
    author: str
    from_department: bool
    body: str
    internal: bool
    attachments: list[tuple[int, str]]


@dataclass(frozen=True)
class EvidenceView:
    id: int
    name: str
    kind: str
    size: int
    uploaded_at: datetime


@dataclass(frozen=True)
class DocumentView:
    id: int
    number: str
    kind: str
    issued_at: datetime | None
    verification_code: str = ""


def events(complaint_id: int) -> list[EventView]:
    actor = aliased(User)
    rows = db.session.execute(
        select(ComplaintEvent, actor.full_name).outerjoin(actor, actor.id == ComplaintEvent.actor_id)
        .where(ComplaintEvent.complaint_id == complaint_id).order_by(ComplaintEvent.at, ComplaintEvent.id))
    return [EventView(e.at, e.action, e.to_status, name, e.comment, e.document_id) for e, name in rows]


def messages(complaint_id: int, *, include_internal: bool) -> list[MessageView]:
    stmt = (select(CaseMessage, User.full_name, User.role).join(User, User.id == CaseMessage.author_id)
            .where(CaseMessage.complaint_id == complaint_id).order_by(CaseMessage.at, CaseMessage.id))
    if not include_internal:
        stmt = stmt.where(CaseMessage.internal.is_(False))
    attachments: dict[int, list[tuple[int, str]]] = {}
    for evidence in db.session.scalars(select(Evidence).where(Evidence.complaint_id == complaint_id,
                                                              Evidence.message_id.is_not(None))):
        attachments.setdefault(evidence.message_id, []).append((evidence.id, evidence.display_name))
    return [MessageView(m.id, m.at, name, role != "entrepreneur", m.body, m.internal, attachments.get(m.id, []))
            for m, name, role in db.session.execute(stmt)]


def evidence(complaint_id: int) -> list[EvidenceView]:
    rows = db.session.scalars(select(Evidence).where(Evidence.complaint_id == complaint_id,
                                                     Evidence.message_id.is_(None)).order_by(Evidence.id))
    return [EvidenceView(e.id, e.display_name, e.kind, e.size, e.uploaded_at) for e in rows]


def documents_of(complaint_id: int) -> list[DocumentView]:
    rows = db.session.scalars(select(Document).where(Document.subject_type == "complaint",
                                                     Document.subject_id == complaint_id).order_by(Document.id))
    return [DocumentView(d.id, d.number, d.kind, d.issued_at, d.verification_code) for d in rows]


@dataclass(frozen=True)
class PortalRow:
    id: int
    number: str
    status: str
    pressure_type: str
    business_name: str
    received_at: datetime
    due: date


def complaints_of(user: User) -> list[PortalRow]:
    stmt = (select(Complaint, Business.name).join(Business, Business.id == Complaint.business_id)
            .where(or_(Complaint.filed_by_id == user.id, Business.representatives.any(User.id == user.id)))
            .order_by(Complaint.received_at.desc(), Complaint.id.desc()))
    return [PortalRow(c.id, c.number, c.status, c.pressure_type, name, c.received_at, c.effective_due)
            for c, name in db.session.execute(stmt)]


@dataclass(frozen=True)
class CoveredRow:
    """What an association sees of a covered complaint: status and dates, never content."""

    number: str
    status: str
    pressure_type: str
    received_at: datetime
    due: date


def covered_for_association(association_id: int) -> list[CoveredRow]:
    stmt = (select(Complaint).where(Complaint.association_id == association_id,
                                    Complaint.association_may_follow.is_(True))
            .order_by(Complaint.received_at.desc()))
    return [CoveredRow(c.number, c.status, c.pressure_type, c.received_at, c.effective_due)
            for c in db.session.scalars(stmt)]


def officers() -> list[tuple[int, str]]:
    return [(u.id, u.full_name) for u in db.session.scalars(
        select(User).where(User.role.in_(["officer", "supervisor"]), User.active.is_(True)).order_by(User.full_name))]


def association_name(association_id: int | None) -> str | None:
    association = db.session.get(Association, association_id) if association_id else None
    return association.name_kk if association else None
