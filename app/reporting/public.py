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

The window's counts are two grouped reads of the statistics rollup (app.reporting.rollup:
the sums the database keeps per month, district, pressure type and body category as each
complaint changes), so computing them costs the same at a thousand or a million complaints;
the result is kept per process for ``PBI_PUBLIC_STATISTICS_MAX_AGE_SECONDS`` (at most a
day). A read takes no write lock and writes nothing.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from sqlalchemy import func, select

from app.agreements.models import Agreement, AgreementStatus
from app.businesses.models import Association
from app.businesses.reference import DISTRICTS
from app.complaints.models import Outcome, PressureType
from app.extensions import db
from app.reporting.models import DECIDED, RECEIVED, RollupCounts
from app.reporting.suppression import THRESHOLD, Cell, linked_one_way
from app.timeutil import to_local, utcnow

MONTHS = 12
MAX_AGE_LIMIT = 24 * 3600  # the figures are never older than a day
FORWARDED, REJECTED = "forwarded", "rejected"
DECISIONS = (*(outcome.value for outcome in Outcome), FORWARDED, REJECTED)
PRESSURE_TYPES = tuple(kind.value for kind in PressureType)


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
    # {breakdown: {key: count}}: "month" (its index in ``months``), "district", "pressure_type";
    # and for the decided, "decision" too. Each breakdown adds up to the same total.
    received: dict[str, dict]
    decided: dict[str, dict]
    within_term: int  # of the window's decided complaints
    active_agreements: int
    members_covered: int


def window(today: date) -> tuple[date, ...]:
    """The first days of the twelve months ending with ``today``'s."""
    months, year, month = [], today.year, today.month
    for _ in range(MONTHS):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return tuple(reversed(months))


_DECISION_SUMS = (*((outcome.value, getattr(RollupCounts, outcome.value)) for outcome in Outcome),
                  (FORWARDED, RollupCounts.forwarded), (REJECTED, RollupCounts.rejected))


_BREAKDOWNS = {"incident_district": "district", "pressure_type": "pressure_type"}


def count(today: date) -> Counts:
    """The window's counts, from one grouped read of the rollup and two over the agreements."""
    months = window(today)
    index = {month: i for i, month in enumerate(months)}
    r = RollupCounts
    received: dict[str, dict] = {"month": {}, "district": {}, "pressure_type": {}}
    decided: dict[str, dict] = {"month": {}, "district": {}, "pressure_type": {}, "decision": {}}
    within_term = 0

    def add(table: dict, key, n) -> None:
        if n:
            table[key] = table.get(key, 0) + int(n)

    rows = db.session.execute(
        select(r.side, r.month, r.dimension, r.value, func.sum(r.n), func.sum(r.in_term),
               *(func.sum(column) for _, column in _DECISION_SUMS))
        .where(r.month >= months[0], r.month <= months[-1], r.dimension.in_(list(_BREAKDOWNS)))
        .group_by(r.side, r.month, r.dimension, r.value))
    for side, month, dimension, value, n, term, *sums in rows:
        target = received if side == RECEIVED else decided
        add(target[_BREAKDOWNS[dimension]], value, n)
        if dimension != "incident_district":
            continue  # the month, the decision and the share: from one dimension's rows only
        add(target["month"], index[month], n)
        if side == DECIDED:
            within_term += int(term)
            for (decision, _), decision_n in zip(_DECISION_SUMS, sums, strict=True):
                add(decided["decision"], decision, decision_n)
    in_force = select(Agreement.association_id).where(Agreement.status == AgreementStatus.ACTIVE.value)
    active = db.session.scalar(select(func.count()).select_from(Agreement)
                               .where(Agreement.status == AgreementStatus.ACTIVE.value))
    members = db.session.scalar(select(func.coalesce(func.sum(Association.members_count), 0))
                                .where(Association.id.in_(in_force)))
    return Counts(months=months, received=received, decided=decided, within_term=within_term,
                  active_agreements=int(active or 0), members_covered=int(members or 0))


def publish(counts: Counts, computed_at: datetime, threshold: int = THRESHOLD) -> Figures:
    """Apply the suppression rule to ``counts``."""
    months = range(len(counts.months))
    districts, kinds = tuple(DISTRICTS), PRESSURE_TYPES

    def sums(source: dict, breakdown: str, keys) -> list[int]:
        return [source[breakdown].get(key, 0) for key in keys]

    received = [Column(table.cells, table.total) for table in linked_one_way(
        [sums(counts.received, "month", months), sums(counts.received, "district", districts),
         sums(counts.received, "pressure_type", kinds)], threshold)]
    decided = [Column(table.cells, table.total) for table in linked_one_way(
        [sums(counts.decided, "month", months), sums(counts.decided, "district", districts),
         sums(counts.decided, "pressure_type", kinds), sums(counts.decided, "decision", DECISIONS)], threshold)]
    base, in_term = sum(counts.decided["month"].values()), counts.within_term
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

