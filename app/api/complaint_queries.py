"""The complaints as the API's token operations read them: the queue's order, a page after a cursor.

A page is read along the queue's indexes (``queue_rank, effective_due, id``, and the same
order within each filter's index) from the position the cursor names — a keyset page: the
cost is that of the page, wherever it is in a million complaints (no OFFSET, no count).
With a status filter the order is ``effective_due, id`` (the status fixes the rank), the
order of ``ix_complaints_status_queue``.

What is read is only what the queue shows of a case, minus the business: never the
description, the official's name, the business or the people (README "API").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import aliased

from app.accounts.models import STAFF_ROLES, User
from app.complaints import clock
from app.complaints.models import Complaint, ComplaintEvent
from app.complaints.queries import QueueFilter, queue_conditions
from app.complaints.queue_search import Plan
from app.extensions import db


@dataclass(frozen=True)
class Row:
    number: str
    status: str
    pressure_type: str
    body_category: str
    body_name: str
    district: str
    covered: bool
    officer_id: int | None
    officer_name: str | None
    received_at: datetime
    updated_at: datetime
    due: date
    overdue: bool
    position: tuple  # the order's key: the cursor after this row


@dataclass(frozen=True)
class Step:
    at: datetime
    action: str
    status: str
    by_department: bool


def _order(filters: QueueFilter) -> tuple:
    if filters.status:
        return Complaint.effective_due, Complaint.id
    return Complaint.queue_rank, Complaint.effective_due, Complaint.id


def position_types(filters: QueueFilter) -> tuple[type, ...]:
    """The types of a cursor's values for these filters (the order's columns)."""
    return (date, int) if filters.status else (int, date, int)


def page(filters: QueueFilter, *, window: clock.Window, after: tuple | None, limit: int) -> tuple[list[Row], bool]:
    """Up to ``limit`` complaints after ``after`` in the queue's order, and whether more follow."""
    order = _order(filters)
    conditions = queue_conditions(filters, window, Plan())
    if after is not None:
        conditions.append(tuple_(*order) > tuple_(*after))
    ids = list(db.session.scalars(select(Complaint.id).where(*conditions).order_by(*order).limit(limit + 1)))
    more = len(ids) > limit
    return _rows(ids[:limit], window, order), more


def _rows(ids: list[int], window: clock.Window, order: tuple) -> list[Row]:
    if not ids:
        return []
    officer = aliased(User)
    latest = dict(db.session.execute(
        select(ComplaintEvent.complaint_id, func.max(ComplaintEvent.at))
        .where(ComplaintEvent.complaint_id.in_(ids)).group_by(ComplaintEvent.complaint_id)).all())
    stmt = (select(Complaint, officer.id, officer.full_name)
            .outerjoin(officer, officer.id == Complaint.assigned_officer_id).where(Complaint.id.in_(ids)))
    by_id = {complaint.id: (complaint, officer_id, name) for complaint, officer_id, name in db.session.execute(stmt)}
    rows = []
    for complaint_id in ids:
        c, officer_id, name = by_id[complaint_id]
        rows.append(Row(
            number=c.number, status=c.status, pressure_type=c.pressure_type, body_category=c.body_category,
            body_name=c.body_name, district=c.incident_district, covered=c.association_id is not None,
            officer_id=officer_id, officer_name=name, received_at=c.received_at,
            updated_at=max(latest.get(c.id, c.received_at), c.received_at), due=c.effective_due,
            overdue=window.overdue(c.status, c.effective_due),
            position=tuple(getattr(c, column.key) for column in order)))
    return rows


def one(number: str, *, window: clock.Window) -> Row | None:
    complaint_id = db.session.scalar(select(Complaint.id).where(Complaint.number == number))
    rows = _rows([complaint_id], window, (Complaint.id,)) if complaint_id is not None else []
    return rows[0] if rows else None


def steps(number: str) -> list[Step] | None:
    """The case's events, oldest first (None: no such complaint)."""
    complaint_id = db.session.scalar(select(Complaint.id).where(Complaint.number == number))
    if complaint_id is None:
        return None
    actor = aliased(User)
    rows = db.session.execute(
        select(ComplaintEvent.at, ComplaintEvent.action, ComplaintEvent.to_status, actor.role)
        .outerjoin(actor, actor.id == ComplaintEvent.actor_id)
        .where(ComplaintEvent.complaint_id == complaint_id).order_by(ComplaintEvent.at, ComplaintEvent.id))
    return [Step(at, action, status, role in STAFF_ROLES) for at, action, status, role in rows]
