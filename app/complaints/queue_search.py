"""How the staff queue's search box is answered: an exact number or BIN, else the word index.

:func:`plan` turns the query into a :class:`Plan` — a condition for the queue and, when
the index tells it, how many complaints match — choosing per backend and per breadth
(a narrow SQLite search reads FTS5 once; a broad one walks the queue's order instead;
PostgreSQL reads the newest matches in one GIN scan, :func:`postgresql_page`). An
officer's word search is limited to :func:`readable_text`. The index itself, the folding
of words and the FTS5/tsvector SQL are in :mod:`app.complaints.search`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, false, func, or_, select

from app.accounts.models import Role, User
from app.businesses.models import Business
from app.complaints import search
from app.complaints.models import Complaint
from app.database import page_window
from app.extensions import db


@dataclass
class Plan:
    """What the queue's search adds: a condition, and how many complaints matched (capped)."""

    condition: object | None = None
    matches: int | None = None  # known for a word search: counted from the index (the readable matches)
    postgresql_words: list[str] | None = None  # a word search on PostgreSQL (read in one scan)
    scope: object | None = None  # PostgreSQL: the limit to readable texts (SQLite's is in ``condition``)


def search_reader(user: User) -> int | None:
    """Whose word search :func:`readable_text` limits: an officer's; None for supervisors and admins."""
    return user.id if user.role == Role.OFFICER.value else None


def readable_text(officer_id: int):
    """The complaints whose text (description, official) ``officer_id``'s word search may match.

    The access rule, from the workflow (app.complaints.workflow): a case is handled by
    its assigned officer, or by a supervisor or an admin; an unassigned case may be
    taken by any officer. So an officer's word search matches a complaint filed with
    ``keep_identity_confidential`` only when it is assigned to them or to no one yet;
    every other officer's confidential cases are found only by their exact number or
    their business's BIN (which reveal nothing of the text) and by the queue's filters.
    Complaints filed without confidentiality match for every officer. Supervisors and
    admins search everything. The condition is on columns of the matched rows only, so
    the search stays driven by the index (FTS5 / GIN), the same on both backends.
    Opening a case page stays open to all staff (cover, supervision) and is audited
    one by one (app.audit.reads); the search, which reads many texts at once, is not.
    """
    return or_(Complaint.keep_identity_confidential.is_(False), Complaint.assigned_officer_id.is_(None),
               Complaint.assigned_officer_id == officer_id)


def plan(query: str, reader: int | None = None) -> Plan:
    """A complaint number or a BIN/IIN exactly; anything else by the full-text index.

    A word search by an officer (``reader``) is limited to :func:`readable_text`.
    """
    query = query.strip()
    if not query:
        return Plan()
    number = search.exact_number(query)
    if number:
        return Plan(Complaint.number == number)
    bin_or_iin = search.exact_bin(query)
    if bin_or_iin:
        return Plan(Complaint.business_id.in_(select(Business.id).where(Business.number == bin_or_iin)))
    words = search.words(query)
    if not words:
        return Plan(false(), 0)
    scope = readable_text(reader) if reader is not None else None
    if db.session.get_bind().dialect.name == "postgresql":
        return Plan(postgresql_words=words, scope=scope)
    # One read of the index: a narrow search ends here, with its matches' ids in hand.
    found = search.sqlite_first_matches(words, search.BROAD_MATCHES + 1)
    if len(found) <= search.BROAD_MATCHES:  # all of them
        newest = found[:search.MAX_MATCHES + 1]
        if scope is not None:  # the readable ones, each looked up by id
            newest = list(db.session.scalars(
                select(Complaint.id).where(search.sqlite_among(newest, Complaint.id), scope)))
        return Plan(search.sqlite_among(newest, Complaint.id), len(newest))
    if scope is not None:
        # Limited to the readable texts: counted over the index's matches (at most the cap + 1),
        # each looked up by id and kept if readable, never by a walk of the table.
        readable = select(Complaint.id).where(search.sqlite_condition(words, Complaint.id), scope)
        matches = db.session.scalar(select(func.count()).select_from(readable.limit(search.MAX_MATCHES + 1)
                                                                      .subquery())) or 0
    else:
        matches = search.sqlite_match_count(words)
    complaint_id = Complaint.id
    if matches > search.BROAD_MATCHES:
        # A broad word: "id + 0" keeps SQLite from fetching every match by id and sorting them
        # all; it walks the order's index instead and keeps the rows that match.
        complaint_id = Complaint.id + 0
    condition = search.sqlite_condition(words, complaint_id)
    return Plan(condition if scope is None else and_(condition, scope), matches)


def postgresql_page(conditions, words: list[str], received: bool, page: int, per_page: int):
    """PostgreSQL: the newest matches (at most the cap + 1) in one scan of the GIN index, ordered here.

    The index's bitmap scan reads the matching rows anyway; taking their order columns
    with them avoids joining the matches back to the whole table.
    """
    matches = db.session.execute(
        select(Complaint.id, Complaint.queue_rank, Complaint.effective_due, Complaint.received_at)
        .where(*conditions, search.postgresql_match(words))
        .order_by(Complaint.id.desc()).limit(search.MAX_MATCHES + 1)).all()
    if received:
        matches.sort(key=lambda m: (m.received_at, m.id), reverse=True)
    else:
        matches.sort(key=lambda m: (m.queue_rank, m.effective_due, m.id))
    page_of = page_window(None, page, per_page, total=len(matches))
    return page_of, [m.id for m in matches[page_of.offset:page_of.offset + per_page]]
