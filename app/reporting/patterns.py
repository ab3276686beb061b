"""The repeat-offender view: state bodies and named officials that recur across complaints.

Complaints are grouped by the comparison keys stored with them (``body_key``;
``body_key`` with ``official_key`` for an official, who is listed with the body — a
namesake in another body is another person), over the complaints the filter admits
(received in a period of Asia/Almaty days, of one type of pressure). A group is listed
when it has at least ``minimum`` complaints, the largest first; each row says how the
name is most often written, the first and last day of receipt, the types of pressure,
the outcomes and the newest cases.

Outcomes: *open* while the department owes an answer (app.complaints.statuses), else
what was decided — the facts confirmed, partially confirmed or not confirmed, the
complaint forwarded to the competent body, or rejected (a closed case keeps the outcome
it was closed with).

:func:`others` is the case page's count: the other complaints with the same key, an
indexed count (ix_complaints_body_key) however many complaints there are.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, case, func, or_, select

from app.audit import services as audit
from app.complaints.models import Complaint
from app.complaints.statuses import OPEN_STATUSES
from app.database import PageWindow, page_window
from app.extensions import db
from app.timeutil import LOCAL_ZONE

MIN_COUNT, MAX_COUNT = 2, 1000
CASES_SHOWN = 10  # the newest cases of each row; the rest are one link away (the row's own list)
OUTCOMES = ("confirmed", "partially_confirmed", "not_confirmed", "open", "forwarded", "rejected")
KINDS = ("body", "official")


@dataclass(frozen=True)
class PatternFilter:
    kind: str = "body"  # "body" | "official"
    minimum: int = MIN_COUNT
    received_from: date | None = None  # Asia/Almaty days, both included
    received_to: date | None = None
    pressure_type: str | None = None
    body: str | None = None  # one body's key: its row (and officials of it)
    official: str | None = None  # one official's key (with ``body``)

    def details(self) -> dict:
        return {"kind": self.kind, "min": self.minimum, "from": _iso(self.received_from),
                "to": _iso(self.received_to), "pressure_type": self.pressure_type, "body": self.body,
                "official": self.official}


@dataclass(frozen=True)
class Case:
    id: int
    number: str
    received_at: datetime


@dataclass
class Pattern:
    body_key: str
    official_key: str | None
    count: int
    first_received: datetime
    last_received: datetime
    body_name: str = ""  # as most often written
    official_name: str | None = None
    pressure_types: list[tuple[str, int]] = field(default_factory=list)  # most frequent first
    outcomes: dict[str, int] = field(default_factory=dict)
    cases: list[Case] = field(default_factory=list)  # the newest CASES_SHOWN


@dataclass(frozen=True)
class PatternPage:
    rows: list[Pattern]
    page: int
    pages: int
    total: int
    capped: bool


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _utc_start(day: date) -> datetime:
    """The first moment of an Asia/Almaty day, as received_at stores it (naive UTC)."""
    return datetime.combine(day, time(), LOCAL_ZONE).astimezone(UTC).replace(tzinfo=None)


def _conditions(filters: PatternFilter) -> list:
    conditions = [Complaint.body_key != ""]
    if filters.kind == "official" or filters.official:
        conditions.append(Complaint.official_key.is_not(None))
    if filters.received_from:
        conditions.append(Complaint.received_at >= _utc_start(filters.received_from))
    if filters.received_to:
        conditions.append(Complaint.received_at < _utc_start(filters.received_to + timedelta(days=1)))
    if filters.pressure_type:
        conditions.append(Complaint.pressure_type == filters.pressure_type)
    if filters.body is not None:
        conditions.append(Complaint.body_key == filters.body)
    if filters.official is not None:
        conditions.append(Complaint.official_key == filters.official)
    return conditions


def _keys(filters: PatternFilter) -> list:
    if filters.kind == "official" or filters.official:
        return [Complaint.body_key, Complaint.official_key]
    return [Complaint.body_key]


_OUTCOME = case(
    (Complaint.status.in_([status.value for status in OPEN_STATUSES]), "open"),
    (Complaint.status == "forwarded", "forwarded"),
    (Complaint.status == "rejected", "rejected"),
    (Complaint.outcome.is_not(None), Complaint.outcome),
    (Complaint.forwarded_to.is_not(None), "forwarded"),
    else_="rejected",
)


def patterns(filters: PatternFilter, *, page: int = 1, per_page: int = 25) -> PatternPage:
    """One page of the recurring bodies (or officials), the most complaints first."""
    keys, conditions = _keys(filters), _conditions(filters)
    count = func.count()  # count(*): nothing outside the index is read for the groups
    groups = (select(*keys, count.label("n"), func.min(Complaint.received_at), func.max(Complaint.received_at))
              .where(*conditions).group_by(*keys).having(count >= filters.minimum))
    window: PageWindow = page_window(groups, page, per_page)
    rows = [Pattern(r[0], r[1] if len(keys) == 2 else None, r.n, r[-2], r[-1]) for r in db.session.execute(
        groups.order_by(count.desc(), *keys).limit(per_page).offset(window.offset))]
    if rows:
        _describe(rows, keys, conditions)
    return PatternPage(rows, window.page, window.pages, window.total, window.capped)


def _of_rows(rows: list[Pattern], keys: list):
    if len(keys) == 1:
        return Complaint.body_key.in_([row.body_key for row in rows])
    return or_(*(and_(Complaint.body_key == row.body_key, Complaint.official_key == row.official_key)
                 for row in rows))


def _describe(rows: list[Pattern], keys: list, conditions: list) -> None:
    """The names as written, the types of pressure, the outcomes and the newest cases of the page's rows."""
    by_key = {(row.body_key, row.official_key): row for row in rows}
    official = len(keys) == 2
    where = [*conditions, _of_rows(rows, keys)]

    def key_of(r) -> tuple:
        return (r.body_key, r.official_key if official else None)

    names: dict[tuple, Counter] = defaultdict(Counter)
    pressures: dict[tuple, Counter] = defaultdict(Counter)
    outcome = _OUTCOME.label("result")
    spelled = (Complaint.body_name, Complaint.official_name) if official else (Complaint.body_name,)
    for r in db.session.execute(
            select(*keys, *spelled, Complaint.pressure_type, outcome, func.count(Complaint.id).label("n"))
            .where(*where).group_by(*keys, *spelled, Complaint.pressure_type, outcome)):
        key = key_of(r)
        names[key][(r.body_name, r.official_name if official else None)] += r.n
        pressures[key][r.pressure_type] += r.n
        by_key[key].outcomes[r.result] = by_key[key].outcomes.get(r.result, 0) + r.n
    for key, row in by_key.items():
        # the most often written; of equally frequent spellings, the first in alphabetical order
        (row.body_name, row.official_name), _n = min(names[key].items(), key=lambda item: (-item[1], item[0]))
        row.pressure_types = sorted(pressures[key].items(), key=lambda item: (-item[1], item[0]))
        row.outcomes = {name: row.outcomes.get(name, 0) for name in OUTCOMES}
    for row in rows:  # one short read along ix_complaints_body_key per row (a window over all would read them all)
        own = [Complaint.body_key == row.body_key] + ([Complaint.official_key == row.official_key] if official else [])
        row.cases = [Case(r.id, r.number, r.received_at) for r in db.session.execute(
            select(Complaint.id, Complaint.number, Complaint.received_at).where(*conditions, *own)
            .order_by(Complaint.received_at.desc(), Complaint.id.desc()).limit(CASES_SHOWN))]


@dataclass(frozen=True)
class Others:
    """How many other complaints name the same body, and the same official of it (and the keys)."""

    body_key: str
    official_key: str | None
    body: int
    official: int


def others(complaint: Complaint) -> Others:
    """The case page's counts of the other complaints with the complaint's keys (indexed counts)."""
    def count(*conditions) -> int:  # the complaint has its own keys: every other one is one less
        return max(0, (db.session.scalar(select(func.count()).select_from(Complaint).where(*conditions)) or 0) - 1)

    if not complaint.body_key:
        return Others(complaint.body_key, complaint.official_key, 0, 0)
    body = count(Complaint.body_key == complaint.body_key)
    official = count(Complaint.body_key == complaint.body_key, Complaint.official_key == complaint.official_key) \
        if complaint.official_key else 0
    return Others(complaint.body_key, complaint.official_key, body, official)


@dataclass(frozen=True)
class CasePage:
    rows: list[Case]
    page: int
    pages: int
    total: int
    capped: bool


def cases(filters: PatternFilter, *, page: int = 1, per_page: int = 50) -> CasePage:
    """The complaints of one body (``filters.body``; of one official of it with ``filters.official``), newest first."""
    ids = select(Complaint.id, Complaint.number, Complaint.received_at).where(*_conditions(filters))
    window = page_window(ids, page, per_page)
    rows = [Case(r.id, r.number, r.received_at) for r in db.session.execute(
        ids.order_by(Complaint.received_at.desc(), Complaint.id.desc()).limit(per_page).offset(window.offset))]
    return CasePage(rows, window.page, window.pages, window.total, window.capped)


def record_read(user, filters: PatternFilter, result: PatternPage, listed: CasePage | None = None) -> None:
    """Audit a page of the view: the filter, the page and the complaint numbers it showed."""
    shown = [case.number for row in result.rows for case in row.cases]
    shown += [case.number for case in listed.rows if case.number not in shown] if listed else []
    audit.record("complaint.patterns", **audit.actor_fields(user), details={
        **filters.details(), "page": result.page, "groups": result.total, "capped": result.capped,
        "cases_page": listed.page if listed else None, "shown": shown})
