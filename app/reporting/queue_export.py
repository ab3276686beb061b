"""The staff queue as a table for export: the queue's rows, all of them, in the queue's order.

The rows are exactly those of the queue page for the same filters (the same conditions,
:func:`app.complaints.queries.queue_conditions`, and the same order), read in keyset
batches of :data:`BATCH` along the order's index — never all at once, never by OFFSET.
A word search on PostgreSQL is answered as the queue answers it (the newest matches, at
most the search's cap, in one scan; :func:`app.complaints.queue_search.postgresql_page`).

Identity columns (the complainant's name, the business's name and BIN): a complaint filed
*without* ``keep_identity_confidential`` names its business to every member of staff
anyway (queue, case page, decision letter), so they are filled in. For a confidential
complaint they are filled in only when the exporter may reach the complainant — the rule
of :func:`app.complaints.contacts.may_reach` (the assigned officer, every supervisor and
admin, any officer while the case is unassigned and may be taken), asked with the row's
status, handler and filer — and left blank otherwise.

The decision date is ``decided_on``: the Almaty day of the *first* decision (resolve,
forward or reject), as the statistics count it; blank before a decision.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, tuple_

from app.accounts.models import User
from app.businesses.models import Business
from app.businesses.reference import district_name
from app.complaints import clock, contacts, queries, queue_search, reference, search
from app.complaints.models import Complaint
from app.complaints.staff_wording import staff_status_label
from app.extensions import db
from app.timeutil import to_local

BATCH = 1000

COLUMNS = (
    _l("Number"), _l("Received on"), _l("Status"), _l("Type of pressure"), _l("Kind of state body"),
    _l("State body"), _l("District"), _l("Due date"), _l("Officer"), _l("Outcome"), _l("Decided on"),
    _l("Complainant"), _l("Business"), _l("BIN"),
)


def header() -> list[str]:
    """The column names in the reader's language."""
    return [str(name) for name in COLUMNS]


@dataclass(frozen=True)
class _Case:
    """What :func:`contacts.may_reach` asks of a complaint, from the exported row."""

    status: str
    assigned_officer_id: int | None
    filed_by_id: int


def _ordered_ids(filters: queries.QueueFilter, window: clock.Window) -> Iterator[list[int]]:
    """The queue's ids in its order, batch by batch."""
    found = queue_search.plan(filters.query, filters.search_reader)
    conditions = queries.queue_conditions(filters, window, found)
    received = filters.sort == "received"
    if found.postgresql_words is not None:
        _page, ids = queue_search.postgresql_page(conditions, found.postgresql_words, received, 1,
                                                  search.MAX_MATCHES + 1)
        for start in range(0, len(ids), BATCH):
            yield ids[start:start + BATCH]
        return
    keys = (Complaint.received_at, Complaint.id) if received else clock.queue_order()
    order = [key.desc() for key in keys] if received else list(keys)
    last = None
    while True:
        stmt = select(*keys).where(*conditions)
        if last is not None:
            stmt = stmt.where(tuple_(*keys) < tuple_(*last) if received else tuple_(*keys) > tuple_(*last))
        batch = db.session.execute(stmt.order_by(*order).limit(BATCH)).all()
        if not batch:
            return
        yield [row.id for row in batch]
        if len(batch) < BATCH:
            return
        last = tuple(batch[-1])


class _Words:
    """The codes' names in the reader's language, each translated once per export (not once per row)."""

    def __init__(self) -> None:
        self._known: dict[tuple[str, str], str] = {}

    def of(self, kind: str, code: str | None) -> str | None:
        if code is None:
            return None
        key = (kind, code)
        if key not in self._known:
            self._known[key] = self._say(kind, code)
        return self._known[key]

    @staticmethod
    def _say(kind: str, code: str) -> str:
        if kind == "status":
            return staff_status_label(code)
        if kind == "district":
            return district_name(code)
        table = {"pressure": reference.PRESSURE_TYPES, "body": reference.BODY_CATEGORIES,
                 "outcome": reference.OUTCOMES}[kind]
        return reference.label(table, code)


def _cells(r, reader: User, words: _Words, businesses: dict, names: dict) -> tuple:
    shown = not r.keep_identity_confidential or contacts.may_reach(
        reader, _Case(r.status, r.assigned_officer_id, r.filed_by_id))
    business_name, business_number = businesses[r.business_id] if shown else (None, None)
    return (
        r.number, to_local(r.received_at).date(), words.of("status", r.status), words.of("pressure", r.pressure_type),
        words.of("body", r.body_category), r.body_name, words.of("district", r.incident_district), r.effective_due,
        names.get(r.assigned_officer_id), words.of("outcome", r.outcome), r.decided_on,
        names[r.filed_by_id] if shown else None, business_name, business_number,
    )


_COLUMNS = (Complaint.id, Complaint.number, Complaint.received_at, Complaint.status, Complaint.pressure_type,
            Complaint.body_category, Complaint.body_name, Complaint.incident_district, Complaint.effective_due,
            Complaint.outcome, Complaint.decided_on, Complaint.keep_identity_confidential,
            Complaint.assigned_officer_id, Complaint.filed_by_id, Complaint.business_id)


def rows(filters: queries.QueueFilter, window: clock.Window, reader: User) -> Iterator[tuple]:
    """The export's rows for ``reader`` (see the module's rule on identity), one batch read at a time.

    A batch is three lookups by primary key — its complaints, their businesses, the people
    named (filers, officers) — rather than one join, which PostgreSQL would plan as scans of
    the whole businesses and users tables for every batch.
    """
    words = _Words()
    for ids in _ordered_ids(filters, window):
        by_id = {r.id: r for r in db.session.execute(select(*_COLUMNS).where(Complaint.id.in_(ids)))}
        found = by_id.values()
        businesses = {b.id: (b.name, b.number) for b in db.session.execute(
            select(Business.id, Business.name, Business.number).where(Business.id.in_({r.business_id for r in found})))}
        people = {r.filed_by_id for r in found} | {r.assigned_officer_id for r in found if r.assigned_officer_id}
        names = {u.id: u.full_name
                 for u in db.session.execute(select(User.id, User.full_name).where(User.id.in_(people)))}
        for complaint_id in ids:
            yield _cells(by_id[complaint_id], reader, words, businesses, names)
