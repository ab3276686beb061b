"""The staff statistics read from the rollup (app.reporting.rollup): whole months, no filter.

Each function returns what its namesake in app.reporting.statistics returns for the same
period, from a few hundred rollup rows instead of the period's complaints: the tests
compare the two over generated data, and both with a plain Python oracle.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.reporting.models import (
    DECIDED,
    RECEIVED,
    RollupAmounts,
    RollupBodies,
    RollupCounts,
    RollupDays,
    RollupOfficers,
)
from app.reporting.periods import Period
from app.reporting.rollup import DIMENSIONS


def covers(period: Period) -> bool:
    """Whether ``period`` is made of whole calendar months (a month, a quarter, a year, or such a range)."""
    return period.start.day == 1 and (period.end + timedelta(days=1)).day == 1


def _months(model, period: Period) -> list:
    return [model.month >= period.start.replace(day=1), model.month <= period.end]


_TOTALS = RollupCounts.dimension == DIMENSIONS[0]  # any one dimension's rows add up to the totals


def received_totals(period: Period) -> list[int]:
    """Received, with an amount, the amounts' sum, extended."""
    m = RollupCounts
    row = db.session.execute(
        select(*(func.coalesce(func.sum(c), 0) for c in (m.n, m.amount_n, m.amount_sum, m.extended)))
        .where(m.side == RECEIVED, _TOTALS, *_months(m, period))).one()
    return [int(v) for v in row]


def decided_totals(period: Period) -> list[int]:
    """The columns of app.reporting.statistics._decisions, in its order."""
    m = RollupCounts
    columns = (m.n, m.confirmed, m.partially_confirmed, m.not_confirmed, m.forwarded, m.rejected, m.in_term,
               m.appeals, m.appeals_waiting, m.appeals_reconsidering, m.appeals_redecided)
    row = db.session.execute(select(*(func.coalesce(func.sum(c), 0) for c in columns))
                             .where(m.side == DECIDED, _TOTALS, *_months(m, period))).one()
    return [int(v) for v in row]


def _histogram(model, value, period: Period) -> dict[int, int]:
    total = func.sum(model.n)
    return {int(v): int(n) for v, n in db.session.execute(
        select(value, total).where(*_months(model, period)).group_by(value).having(total > 0))}


def working_days(period: Period) -> dict[int, int]:
    """{working days to decision: decisions} of the period."""
    return _histogram(RollupDays, RollupDays.working_days, period)


def amounts(period: Period) -> dict[int, int]:
    """{amount demanded: complaints} received in the period."""
    return _histogram(RollupAmounts, RollupAmounts.amount, period)


def _by_side(model, key, period: Period, *where) -> dict:
    """{key: [received, decided]} without the keys whose both sums are zero."""
    table: dict = {}
    total = func.sum(model.n)
    for side, value, n in db.session.execute(select(model.side, key, total).where(*_months(model, period), *where)
                                             .group_by(model.side, key).having(total > 0)):
        table.setdefault(value, [0, 0])[0 if side == RECEIVED else 1] = int(n)
    return table


def by_month(period: Period) -> dict[date, list[int]]:
    return _by_side(RollupCounts, RollupCounts.month, period, _TOTALS)


def by_dimension(column_name: str, period: Period) -> dict[str, list[int]]:
    """``column_name``: incident_district, pressure_type or body_category."""
    return _by_side(RollupCounts, RollupCounts.value, period, RollupCounts.dimension == column_name)


def by_body(period: Period) -> dict[str, list[int]]:
    return _by_side(RollupBodies, RollupBodies.body_name, period)


def decided_by_officer(period: Period) -> dict[int, int]:
    return _histogram(RollupOfficers, RollupOfficers.officer_id, period)
