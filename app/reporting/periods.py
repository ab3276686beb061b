"""Reporting periods: a range of Asia/Almaty days, a calendar month, quarter or year.

A period is inclusive of both days. Its *previous* period is the one a report compares it
with: the previous calendar month, quarter or year for those shortcuts, and for a range
of N days the N days just before it ("this quarter vs the previous one").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from app.timeutil import LOCAL_ZONE

MONTH, QUARTER, YEAR, RANGE = "month", "quarter", "year", "range"
LONGEST_RANGE_DAYS = 3660  # ten years: the monthly trend stays a readable chart
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_QUARTER = re.compile(r"(\d{4})-Q([1-4])")
_YEAR = re.compile(r"(\d{4})")


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    kind: str = RANGE

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def code(self) -> str:
        """The shortcut's value in a URL (``month:2026-12``, ``quarter:2026-Q4``, ``year:2026``)."""
        if self.kind == MONTH:
            return f"month:{self.start:%Y-%m}"
        if self.kind == QUARTER:
            return f"quarter:{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == YEAR:
            return f"year:{self.start.year}"
        return RANGE

    def previous(self) -> Period:
        if self.kind == MONTH:
            return month(_back(self.start, 1))
        if self.kind == QUARTER:
            return quarter(_back(self.start, 3))
        if self.kind == YEAR:
            return year(self.start.year - 1)
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def months(self) -> list[date]:
        """The first day of every calendar month the period touches, in order."""
        first, out = self.start.replace(day=1), []
        while first <= self.end:
            out.append(first)
            first = _forward(first, 1)
        return out

    def utc_bounds(self) -> tuple[datetime, datetime]:
        """The period as naive-UTC instants ``[from, to)``, the form ``received_at`` is stored in."""
        return local_midnight_utc(self.start), local_midnight_utc(self.end + timedelta(days=1))


def local_midnight_utc(day: date) -> datetime:
    """The start of ``day`` in Asia/Almaty as a naive UTC datetime."""
    return datetime.combine(day, time(0), tzinfo=LOCAL_ZONE).astimezone(UTC).replace(tzinfo=None)


def _back(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def _forward(first: date, months: int) -> date:
    return _back(first, -months)


def month(first: date) -> Period:
    start = first.replace(day=1)
    return Period(start, _forward(start, 1) - timedelta(days=1), MONTH)


def quarter(inside: date) -> Period:
    start = date(inside.year, (inside.month - 1) // 3 * 3 + 1, 1)
    return Period(start, _forward(start, 3) - timedelta(days=1), QUARTER)


def year(number: int) -> Period:
    return Period(date(number, 1, 1), date(number, 12, 31), YEAR)


def from_code(code: str) -> Period | None:
    """The shortcut named by ``code`` (see :attr:`Period.code`); None when it names none."""
    kind, _, value = code.partition(":")
    try:
        if kind == MONTH and (m := _MONTH.fullmatch(value)):
            return month(date(int(m[1]), int(m[2]), 1))
        if kind == QUARTER and (m := _QUARTER.fullmatch(value)):
            return quarter(date(int(m[1]), (int(m[2]) - 1) * 3 + 1, 1))
        if kind == YEAR and _YEAR.fullmatch(value):
            return year(int(value))
    except ValueError:  # month 13, year 0
        return None
    return None


def shortcuts(today: date) -> list[Period]:
    """The shortcuts a form offers: this and the previous month, quarter and year."""
    this_month, this_quarter, this_year = month(today), quarter(today), year(today.year)
    return [this_month, this_month.previous(), this_quarter, this_quarter.previous(), this_year,
            this_year.previous()]
