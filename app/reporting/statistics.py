"""The department's staff statistics: one service, :func:`figures`, and every query it runs.

What is counted (all days are Asia/Almaty days; a period includes both its days):

- **received**: complaints received (``received_at``) in the period;
- **decided**: first decisions made in the period (``decided_on``: resolve, forward or
  reject), classified by the decision *as it stands now*: forwarded (``forwarded_to``),
  else by ``outcome`` (confirmed / partially / not confirmed), else rejected — a decision
  re-made after an appeal counts as the new one, except that a resolved complaint
  rejected on reconsideration keeps its outcome (the indexes hold no rejection text; the
  workflow allows it, the department does not do it);
- **open** and **overdue**: now, whatever the period (the legal clock, app.complaints.clock);
- **working days to decision** (``decision_working_days``), median and 90th percentile of
  the period's decisions, by the **nearest-rank** definition: with the n values sorted
  x₁ ≤ … ≤ xₙ, the p-th percentile is x_k, k = ⌈p·n/100⌉ (the median is p = 50); always a
  value that occurred, never an interpolation;
- **decided within the legal term**: the share of the period's decisions with
  ``decided_in_term`` (the due date that applied: forwarding due for a forward);
- **extensions**: complaints received in the period whose consideration period was extended;
- **appeals**: appeals against the period's decisions, and where they stand: awaiting a
  supervisor (status appealed), under reconsideration (taken up, no new decision yet), or
  re-decided (a decision made after the appeal: ``decided_at`` later than ``appealed_at``);
- **amounts demanded**: sum and median (nearest rank) of the amounts stated in complaints
  received in the period;
- **officer workload**: per officer the case is assigned to now: open and overdue now, and
  the period's decisions.

Filters narrow every figure (the officer filter: the officer a case is assigned to now).
Where the figures come from:

- **the rollup** (app.reporting.rollup, read by app.reporting.rollup_figures) for the
  department-wide view of whole calendar months — no filter but the period, and the
  period a month, a quarter, a year or a range of whole months. Triggers keep it in the
  same transaction as every change, so it is as current as the complaints themselves;
  the cost is that of a few hundred rollup rows, whatever the number of complaints. The
  previous period of a comparison is read from the rollup when it is whole months too.
- **the complaints** otherwise (a filter, a period that starts or ends within a month):
  aggregates computed by the database over indexed columns (the period by ``received_at`` /
  ``decided_on``), with conditional aggregation; Python only adds up the groups. Two covering
  indexes (migration 0010_statistics) keep every query off the table. The cost grows with the
  rows the filter and the period select (a year of one district at 1,000,000 complaints: the
  district's share of a year's complaints).
- **open and overdue now** (and the workload's open columns) are always read from the open
  cases (``queue_rank`` indexes): they are not about a period.

Either way at most 22 queries in all. ``make bench`` (P6) measures both at 1,000 and
1,000,000 complaints; BENCHMARKS.md holds the figures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, case, func, select

from app.accounts.models import User
from app.complaints import clock, queries
from app.complaints.models import Complaint, ComplaintStatus, Outcome
from app.extensions import db
from app.reporting import rollup_figures as rolled
from app.reporting.periods import Period, local_midnight_utc

TOP_BODIES = 20


@dataclass(frozen=True)
class StatisticsFilter:
    period: Period
    district: str | None = None
    pressure_type: str | None = None
    body_category: str | None = None
    body_name: str | None = None  # exact, as filed
    officer_id: int | None = None  # assigned now
    covered: bool | None = None  # filed through an association or not


@dataclass(frozen=True)
class Headline:
    """The figures of one period."""

    period: Period
    received: int
    decided: int
    confirmed: int
    partially_confirmed: int
    not_confirmed: int
    forwarded: int
    rejected: int
    in_term: int
    median_days: int | None
    p90_days: int | None
    extended: int
    appeals: int
    appeals_waiting: int
    appeals_reconsidering: int
    appeals_redecided: int
    amount_count: int
    amount_sum: int
    amount_median: int | None

    @property
    def in_term_share(self) -> float | None:
        return self.in_term / self.decided if self.decided else None


@dataclass(frozen=True)
class Change:
    name: str
    current: int | float | None
    previous: int | float | None

    @property
    def delta(self) -> int | float | None:
        if self.current is None or self.previous is None:
            return None
        return self.current - self.previous

    @property
    def percent(self) -> float | None:
        if self.delta is None or not self.previous:
            return None
        return 100.0 * self.delta / self.previous


@dataclass(frozen=True)
class Row:
    key: str  # a code (district, type, category, ``YYYY-MM``) or a body's name
    received: int
    decided: int


@dataclass(frozen=True)
class Workload:
    officer_id: int
    officer: str
    open: int
    overdue: int
    decided: int


@dataclass(frozen=True)
class Figures:
    current: Headline
    previous: Headline
    open_now: int
    overdue_now: int
    months: list[Row]
    districts: list[Row]
    pressure_types: list[Row]
    body_categories: list[Row]
    bodies: list[Row]  # the TOP_BODIES bodies with most complaints received in the period
    workload: list[Workload]
    comparison: list[Change] = field(default_factory=list)


def nearest_rank(histogram: dict[int, int], percent: int) -> int | None:
    """The nearest-rank ``percent``-th percentile of values given as {value: how many}."""
    n = sum(histogram.values())
    if not n:
        return None
    rank, seen = math.ceil(percent * n / 100), 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    return None  # unreachable: seen reaches n


# --- conditions --------------------------------------------------------------------------

def _scope(f: StatisticsFilter) -> list:
    return queries.kind_conditions(district=f.district, pressure_type=f.pressure_type,
                                   body_category=f.body_category, body_name=f.body_name, officer_id=f.officer_id,
                                   covered=f.covered)


def _received_in(period: Period):
    start, end = period.utc_bounds()
    return and_(Complaint.received_at >= start, Complaint.received_at < end)


def _decided_in(period: Period):
    return and_(Complaint.decided_on >= period.start, Complaint.decided_on <= period.end)


def _count(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _decisions():
    """The decision columns, each a count over the rows of a query limited to the period's decisions."""
    forwarded = Complaint.forwarded_to.is_not(None)
    by_outcome = and_(Complaint.forwarded_to.is_(None), Complaint.outcome.is_not(None))
    rejected = and_(Complaint.forwarded_to.is_(None), Complaint.outcome.is_(None))
    appealed = Complaint.appealed_at.is_not(None)
    redecided = and_(appealed, Complaint.decided_at > Complaint.appealed_at)
    return [
        func.count(),
        *(_count(and_(by_outcome, Complaint.outcome == o.value)) for o in Outcome),
        _count(forwarded), _count(rejected), _count(Complaint.decided_in_term.is_(True)),
        _count(appealed), _count(and_(appealed, Complaint.status == ComplaintStatus.APPEALED.value)),
        _count(and_(appealed, Complaint.status != ComplaintStatus.APPEALED.value, ~redecided)),
        _count(redecided),
    ]


# --- queries -------------------------------------------------------------------------------
# The received side reads ix_complaints_stats_received, the decided side ix_complaints_stats_decided:
# each holds the period's column first, then every column these queries filter, group or count on,
# so that no query reads the table itself. Each breakdown is one small grouped query per side: the
# database returns a few dozen groups, not a row per complaint.

def _month_bucket(column, bounds: list):
    """The index of the month ``column`` falls in (``bounds[i]`` ≤ value < ``bounds[i + 1]``)."""
    return case(*((column < bounds[i + 1], i) for i in range(len(bounds) - 1)), else_=None)


def _month_bounds(period: Period) -> tuple[list[date], list]:
    """Day bounds of each month within the period (its first day or the period's, then the next month's)."""
    days = [max(first, period.start) for first in period.months()] + [period.end + timedelta(days=1)]
    return days, [local_midnight_utc(day) for day in days]


def _received_totals(f: StatisticsFilter, period: Period) -> list[int]:
    """Received, with an amount, the amounts' sum, extended."""
    row = db.session.execute(
        select(func.count(), _count(Complaint.amount_demanded.is_not(None)),
               func.coalesce(func.sum(Complaint.amount_demanded), 0), _count(Complaint.extended_until.is_not(None)))
        .where(_received_in(period), *_scope(f))).one()
    return [int(v) for v in row]


def _decided_totals(f: StatisticsFilter, period: Period) -> list[int]:
    """The columns of :func:`_decisions` over the period's decisions."""
    return [int(v) for v in db.session.execute(select(*_decisions()).where(_decided_in(period), *_scope(f))).one()]


def _counted_by(f: StatisticsFilter, received_key, decided_key) -> dict:
    """{key: [received, decided]} in the period: one small grouped query per side (a few dozen groups)."""
    table: dict = {}
    for side, key, period_of in ((0, received_key, _received_in), (1, decided_key, _decided_in)):
        for value, n in db.session.execute(select(key, func.count()).where(period_of(f.period), *_scope(f))
                                           .group_by(key)):
            table.setdefault(value, [0, 0])[side] = int(n)
    return table


def _unfiltered(f: StatisticsFilter) -> bool:
    return (f.district, f.pressure_type, f.body_category, f.body_name, f.officer_id, f.covered) == (None,) * 6


def _rolled_headline(period: Period) -> Headline:
    received_n, amount_n, amount_sum, extended = rolled.received_totals(period)
    (decided, confirmed, partially, not_confirmed, forwarded, rejected, in_term, appeals, waiting, reconsidering,
     redecided) = rolled.decided_totals(period)
    days = rolled.working_days(period)
    median_amount = nearest_rank(rolled.amounts(period), 50) if amount_n else None
    return Headline(period, received_n, decided, confirmed, partially, not_confirmed, forwarded, rejected, in_term,
                    nearest_rank(days, 50), nearest_rank(days, 90), extended, appeals, waiting, reconsidering,
                    redecided, amount_n, amount_sum, median_amount)


def _headline(f: StatisticsFilter, period: Period, use_rollup: bool) -> Headline:
    if use_rollup and rolled.covers(period):
        return _rolled_headline(period)
    scope = _scope(f)
    received_n, amount_n, amount_sum, extended = _received_totals(f, period)
    (decided, confirmed, partially, not_confirmed, forwarded, rejected, in_term, appeals, waiting, reconsidering,
     redecided) = _decided_totals(f, period)
    days = dict(db.session.execute(
        select(Complaint.decision_working_days, func.count())
        .where(_decided_in(period), Complaint.decision_working_days.is_not(None), *scope)
        .group_by(Complaint.decision_working_days)).all())
    median_amount = None
    if amount_n:
        median_amount = db.session.scalar(
            select(Complaint.amount_demanded)
            .where(_received_in(period), Complaint.amount_demanded.is_not(None), *scope)
            .order_by(Complaint.amount_demanded).offset(math.ceil(amount_n / 2) - 1).limit(1))
    return Headline(period, received_n, decided, confirmed, partially, not_confirmed, forwarded, rejected, in_term,
                    nearest_rank(days, 50), nearest_rank(days, 90), extended, appeals, waiting, reconsidering,
                    redecided, amount_n, amount_sum, median_amount)


def _now(f: StatisticsFilter, today: date) -> tuple[int, int]:
    row = db.session.execute(select(func.count(), _count(Complaint.effective_due < today))
                             .where(clock.sql_open(), *_scope(f))).one()
    return int(row[0]), int(row[1])


def _months(f: StatisticsFilter, use_rollup: bool) -> list[Row]:
    if use_rollup:
        table = rolled.by_month(f.period)
        return [Row(f"{first:%Y-%m}", *table.get(first, (0, 0))) for first in f.period.months()]
    days, instants = _month_bounds(f.period)
    table = _counted_by(f, _month_bucket(Complaint.received_at, instants), _month_bucket(Complaint.decided_on, days))
    return [Row(f"{first:%Y-%m}", *table.get(i, (0, 0))) for i, first in enumerate(f.period.months())]


def _dimension(f: StatisticsFilter, column, use_rollup: bool) -> list[Row]:
    if use_rollup:
        return _rows(rolled.by_dimension(column.key, f.period))
    return _rows(_counted_by(f, column, column))


def _rows(table: dict[str, list[int]]) -> list[Row]:
    rows = [Row(key, received, decided) for key, (received, decided) in table.items()]
    return sorted(rows, key=lambda row: (-row.received, -row.decided, row.key))


def _bodies(f: StatisticsFilter, use_rollup: bool) -> list[Row]:
    if use_rollup:
        return _rows(rolled.by_body(f.period))[:TOP_BODIES]
    return _rows(_counted_by(f, Complaint.body_name, Complaint.body_name))[:TOP_BODIES]


def _workload(f: StatisticsFilter, today: date, only_officer: int | None, use_rollup: bool) -> list[Workload]:
    scope = [*_scope(f), Complaint.assigned_officer_id.is_not(None)]
    if only_officer is not None:
        scope.append(Complaint.assigned_officer_id == only_officer)
    officer = Complaint.assigned_officer_id
    open_rows = {o: (int(n), int(late)) for o, n, late in db.session.execute(
        select(officer, func.count(), _count(Complaint.effective_due < today))
        .where(clock.sql_open(), *scope).group_by(officer))}
    if use_rollup:
        decided = rolled.decided_by_officer(f.period)
        if only_officer is not None:
            decided = {o: n for o, n in decided.items() if o == only_officer}
    else:
        decided = {o: int(n) for o, n in db.session.execute(
            select(officer, func.count()).where(_decided_in(f.period), *scope).group_by(officer))}
    ids = open_rows.keys() | decided.keys()
    names = {user_id: name for user_id, name in db.session.execute(
        select(User.id, User.full_name).where(User.id.in_(list(ids))))} if ids else {}
    out = [Workload(o, names.get(o, "—"), *open_rows.get(o, (0, 0)), decided.get(o, 0)) for o in ids]
    return sorted(out, key=lambda w: (-w.open, -w.decided, w.officer, w.officer_id))


COMPARED = ("received", "decided", "confirmed", "partially_confirmed", "not_confirmed", "forwarded", "rejected",
            "median_days", "p90_days", "in_term_share", "extended", "appeals", "amount_sum", "amount_median")


def figures(f: StatisticsFilter, today: date, *, only_officer: int | None = None,
            use_rollup: bool = True) -> Figures:
    """Every figure of the page for filter ``f`` (see the module's docstring for what each counts).

    ``only_officer``: the workload table lists that officer alone (an officer's own view);
    the other figures stay department-wide. ``use_rollup=False`` reads the complaints even
    where the rollup could answer (the tests compare the two).
    """
    unfiltered = use_rollup and _unfiltered(f)
    whole = unfiltered and rolled.covers(f.period)
    current, previous = _headline(f, f.period, unfiltered), _headline(f, f.period.previous(), unfiltered)
    open_now, overdue_now = _now(f, today)
    comparison = [Change(name, getattr(current, name), getattr(previous, name)) for name in COMPARED]
    return Figures(current, previous, open_now, overdue_now, _months(f, whole),
                   _dimension(f, Complaint.incident_district, whole), _dimension(f, Complaint.pressure_type, whole),
                   _dimension(f, Complaint.body_category, whole), _bodies(f, whole),
                   _workload(f, today, only_officer, whole), comparison)
