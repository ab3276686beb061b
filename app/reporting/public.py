"""The public statistics: what is counted, how it is protected, and how long it is kept.

- **Window**: the twelve calendar months (Asia/Almaty) ending with the current one.
- **Received**: complaints by the month of ``received_at``; **decided**: by the day of the
  first decision, ``decided_on`` (resolve, forward or reject), whatever the month received.
- **Decision**: the decision in force — the outcome of a resolution (confirmed, partially,
  not confirmed), else forwarded to the competent body, else rejected as inadmissible.
- **Within the legal term**: the share of the window's decided complaints with
  ``decided_in_term``; not shown when fewer than ten were decided.
- **Suppression** (:mod:`app.reporting.suppression`): every column is a one-way table with
  its total. The columns of one population (received, or decided) share their total and are
  protected together (``linked_one_way``): the total is hidden in all or in none, and no
  column's cells give away what another column hides.
- **Agreements**: the number in force and the member businesses their associations declare
  — not suppressed: every agreement is public in the registry already.
- Nothing below the body category is read: no body, official, business or person.

Two aggregate queries read the window from two covering indexes (below: without them,
SQLite's planner scans a whole queue index to group); the result is kept per process for
``PBI_PUBLIC_STATISTICS_MAX_AGE_SECONDS`` (at most a day). A read takes no write lock and writes nothing.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask import current_app
from sqlalchemy import Integer, case, func, literal, select

from app.agreements.models import Agreement, AgreementStatus
from app.businesses.models import Association
from app.businesses.reference import DISTRICTS
from app.complaints.models import Complaint, Outcome, PressureType
from app.extensions import db
from app.reporting.suppression import THRESHOLD, Cell, linked_one_way
from app.timeutil import LOCAL_ZONE, to_local, utcnow

MONTHS = 12
MAX_AGE_LIMIT = 24 * 3600  # the figures are never older than a day
FORWARDED, REJECTED = "forwarded", "rejected"
DECISIONS = (*(outcome.value for outcome in Outcome), FORWARDED, REJECTED)
PRESSURE_TYPES = tuple(kind.value for kind in PressureType)

# The two reads are answered from the staff statistics' covering indexes alone
# (``ix_complaints_stats_received`` and ``ix_complaints_stats_decided`` on Complaint, migration
# 0010_statistics): the window's range first, then every column these reads group by.


@dataclass(frozen=True)
class Column:
    """One published one-way table: its cells in the order of the table's rows, and the total."""

    cells: tuple[Cell, ...]
    total: Cell


@dataclass(frozen=True)
class Figures:
    computed_at: datetime  # naive UTC
    months: tuple[date, ...]  # first days, oldest first
    by_month: tuple[Column, Column]  # received, decided
    by_district: tuple[Column, Column]
    by_pressure_type: tuple[Column, Column]
    by_decision: Column
    decided: Cell  # the base of the share
    within_term_percent: int | None  # None: fewer than THRESHOLD decided
    active_agreements: int
    members_covered: int


@dataclass(frozen=True)
class Counts:
    """The true counts of the window (what the suppression rule is applied to)."""

    months: tuple[date, ...]
    received: dict[tuple[int, str, str], int]  # (month index, district, pressure type) → count
    decided: dict[tuple[int, str, str, str, bool], int]  # … decision, within the term → count
    active_agreements: int
    members_covered: int


def window(today: date) -> tuple[date, ...]:
    """The first days of the twelve months ending with ``today``'s."""
    months, year, month = [], today.year, today.month
    for _ in range(MONTHS):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return tuple(reversed(months))


def _utc_start(day: date) -> datetime:
    """The naive-UTC instant of ``day``'s midnight in Asia/Almaty."""
    return datetime(day.year, day.month, day.day, tzinfo=LOCAL_ZONE).astimezone(UTC).replace(tzinfo=None)


def _month_index(column, starts: tuple) -> case:
    return case(*((column < start, literal(index, Integer)) for index, start in enumerate(starts[1:])),
                else_=literal(len(starts) - 1, Integer))


def count(today: date) -> Counts:
    """The window's counts, from two grouped reads and one over the agreements."""
    months = window(today)
    received_starts = tuple(_utc_start(month) for month in months)
    month = _month_index(Complaint.received_at, received_starts).label("month")
    received_rows = db.session.execute(
        select(month, Complaint.incident_district, Complaint.pressure_type, func.count())
        .where(Complaint.received_at >= received_starts[0])
        .group_by(month, Complaint.incident_district, Complaint.pressure_type))
    decision = case((Complaint.outcome.is_not(None), Complaint.outcome),
                    (Complaint.forwarded_to.is_not(None), literal(FORWARDED)),
                    else_=literal(REJECTED)).label("decision")
    decided_month = _month_index(Complaint.decided_on, months).label("month")
    in_term = func.coalesce(Complaint.decided_in_term, False).label("in_term")
    decided_rows = db.session.execute(
        select(decided_month, Complaint.incident_district, Complaint.pressure_type, decision, in_term,
               func.count())
        .where(Complaint.decided_on >= months[0])
        .group_by(decided_month, Complaint.incident_district, Complaint.pressure_type, decision, in_term))
    in_force = select(Agreement.association_id).where(Agreement.status == AgreementStatus.ACTIVE.value)
    active = db.session.scalar(select(func.count()).select_from(Agreement)
                               .where(Agreement.status == AgreementStatus.ACTIVE.value))
    members = db.session.scalar(select(func.coalesce(func.sum(Association.members_count), 0))
                                .where(Association.id.in_(in_force)))
    return Counts(
        months=months,
        received={(m, district, kind): n for m, district, kind, n in received_rows},
        decided={(m, district, kind, outcome, bool(term)): n
                 for m, district, kind, outcome, term, n in decided_rows},
        active_agreements=int(active or 0),
        members_covered=int(members or 0),
    )


def publish(counts: Counts, computed_at: datetime, threshold: int = THRESHOLD) -> Figures:
    """Apply the suppression rule to ``counts``."""
    months = range(len(counts.months))
    districts, kinds = tuple(DISTRICTS), PRESSURE_TYPES

    def sums(source: dict, position: int, keys) -> list[int]:
        totals = dict.fromkeys(keys, 0)
        for key, n in source.items():
            if key[position] in totals:
                totals[key[position]] += n
        return [totals[key] for key in keys]

    received = [Column(table.cells, table.total) for table in linked_one_way(
        [sums(counts.received, 0, months), sums(counts.received, 1, districts), sums(counts.received, 2, kinds)],
        threshold)]
    decided = [Column(table.cells, table.total) for table in linked_one_way(
        [sums(counts.decided, 0, months), sums(counts.decided, 1, districts), sums(counts.decided, 2, kinds),
         sums(counts.decided, 3, DECISIONS)], threshold)]
    base = sum(counts.decided.values())
    in_term = sum(n for key, n in counts.decided.items() if key[4])
    return Figures(
        computed_at=computed_at,
        months=counts.months,
        by_month=(received[0], decided[0]),
        by_district=(received[1], decided[1]),
        by_pressure_type=(received[2], decided[2]),
        by_decision=decided[3],
        decided=decided[0].total,
        within_term_percent=round(100 * in_term / base) if base >= threshold else None,
        active_agreements=counts.active_agreements,
        members_covered=counts.members_covered,
    )


# --- the per-process cache -------------------------------------------------------------------

_lock = threading.Lock()


def max_age() -> int:
    configured = int(current_app.config.get("PBI_PUBLIC_STATISTICS_MAX_AGE_SECONDS", 3600))
    return max(0, min(configured, MAX_AGE_LIMIT))


def figures() -> Figures:
    """The published figures, computed at most once per ``max_age()`` in this process."""
    store = current_app.extensions.setdefault("pbi.public_statistics", {})
    kept = store.get("figures")
    if kept is not None and time.monotonic() - kept[0] < max_age():
        return kept[1]
    with _lock:  # one computation at a time; the others wait for it and use its result
        kept = store.get("figures")
        if kept is not None and time.monotonic() - kept[0] < max_age():
            return kept[1]
        computed_at = utcnow()
        result = publish(count(to_local(computed_at).date()), computed_at)
        store["figures"] = (time.monotonic(), result)
        return result


def forget() -> None:
    """Drop the kept figures (tests; a deliberate refresh)."""
    current_app.extensions.get("pbi.public_statistics", {}).pop("figures", None)

