"""Read models for complaint pages: plain values, one query per list, stable order."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import aliased

from app.accounts.models import User
from app.businesses.models import Association, Business
from app.complaints.models import OPEN_STATUSES, CaseMessage, Complaint, ComplaintEvent, Evidence
from app.database import like_pattern, page_window
from app.documents.models import Document
from app.extensions import db

_effective_due = func.coalesce(Complaint.extended_until, Complaint.due_date)
_OPEN = [status.value for status in OPEN_STATUSES]


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
    counts: dict[str, int]


def queue(filters: QueueFilter, *, today: date, soon_until: date, page: int = 1, per_page: int = 25) -> QueuePage:
    officer = aliased(User)
    stmt = (
        select(Complaint, Business.name, officer.full_name)
        .join(Business, Business.id == Complaint.business_id)
        .outerjoin(officer, officer.id == Complaint.assigned_officer_id)
    )
    if filters.status:
        stmt = stmt.where(Complaint.status == filters.status)
    if filters.pressure_type:
        stmt = stmt.where(Complaint.pressure_type == filters.pressure_type)
    if filters.body_category:
        stmt = stmt.where(Complaint.body_category == filters.body_category)
    if filters.district:
        stmt = stmt.where(Complaint.incident_district == filters.district)
    if filters.officer_id:
        stmt = stmt.where(Complaint.assigned_officer_id == filters.officer_id)
    if filters.covered is not None:
        stmt = stmt.where(Complaint.association_id.is_not(None) if filters.covered
                          else Complaint.association_id.is_(None))
    if filters.overdue:
        stmt = stmt.where(Complaint.status.in_(_OPEN), _effective_due < today)
    if filters.due_before:
        stmt = stmt.where(Complaint.status.in_(_OPEN), _effective_due <= filters.due_before)
    if filters.query.strip():
        pattern = like_pattern(filters.query)
        stmt = stmt.where(or_(
            func.lower(Complaint.number).like(pattern, escape="\\"),
            func.lower(Business.name).like(pattern, escape="\\"),
            Business.number.like(pattern, escape="\\"),
            func.lower(Complaint.body_name).like(pattern, escape="\\"),
            func.lower(Complaint.description).like(pattern, escape="\\"),
        ))
    window = page_window(stmt, page, per_page)
    order = ([Complaint.received_at.desc(), Complaint.id.desc()] if filters.sort == "received"
             else [case((Complaint.status.in_(_OPEN), 0), else_=1), _effective_due, Complaint.id])
    rows = []
    for complaint, business_name, officer_name in db.session.execute(
            stmt.order_by(*order).limit(per_page).offset(window.offset)):
        due = complaint.extended_until or complaint.due_date
        is_open = complaint.status in _OPEN
        rows.append(QueueRow(
            id=complaint.id, number=complaint.number, status=complaint.status,
            pressure_type=complaint.pressure_type, body_category=complaint.body_category,
            body_name=complaint.body_name, business_name=business_name, district=complaint.incident_district,
            officer=officer_name, received_at=complaint.received_at, due=due,
            forwarding_due=complaint.forwarding_due, covered=complaint.association_id is not None,
            overdue=is_open and due < today, due_soon=is_open and today <= due <= soon_until,
        ))
    return QueuePage(rows, window.page, window.pages, window.total, status_counts())


def status_counts() -> dict[str, int]:
    return {status: count for status, count in
            db.session.execute(select(Complaint.status, func.count()).group_by(Complaint.status))}


@dataclass(frozen=True)
class Dashboard:
    counts: dict[str, int]
    overdue: int
    due_soon: int
    mine_open: int


def dashboard(user_id: int, *, today: date, soon_until: date) -> Dashboard:
    def count(*conditions) -> int:
        return db.session.scalar(select(func.count()).select_from(Complaint).where(*conditions))

    return Dashboard(
        counts=status_counts(),
        overdue=count(Complaint.status.in_(_OPEN), _effective_due < today),
        due_soon=count(Complaint.status.in_(_OPEN), _effective_due >= today, _effective_due <= soon_until),
        mine_open=count(Complaint.status.in_(_OPEN), Complaint.assigned_officer_id == user_id),
    )


@dataclass(frozen=True)
class CaseView:
    """The complaint's own fields, as plain values for the case pages."""

    id: int
    number: str
    status: str
    pressure_type: str
    body_category: str
    body_name: str
    official_name: str | None
    official_position: str | None
    incident_date: date
    incident_district: str
    description: str
    amount_demanded: int | None
    keep_identity_confidential: bool
    association_may_follow: bool
    received_at: datetime
    registration_day: date
    forwarding_due: date
    extended_until: date | None
    extension_reason: str | None
    outcome: str | None
    forwarded_to: str | None
    appeal_reason: str | None
    appealed_at: datetime | None


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
    return [DocumentView(d.id, d.number, d.kind, d.issued_at) for d in rows]


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
    return [PortalRow(c.id, c.number, c.status, c.pressure_type, name, c.received_at, c.extended_until or c.due_date)
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
    return [CoveredRow(c.number, c.status, c.pressure_type, c.received_at, c.extended_until or c.due_date)
            for c in db.session.scalars(stmt)]


def officers() -> list[tuple[int, str]]:
    return [(u.id, u.full_name) for u in db.session.scalars(
        select(User).where(User.role.in_(["officer", "supervisor"]), User.active.is_(True)).order_by(User.full_name))]


def association_name(association_id: int | None) -> str | None:
    association = db.session.get(Association, association_id) if association_id else None
    return association.name_kk if association else None
