"""One year of the Kazakhstan calendar: holidays, the weekend-substitute rule, transfers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

_SATURDAY = 5
ONE_DAY = timedelta(days=1)


class CalendarError(Exception):
    """A date outside the covered years, or calendar data that cannot be trusted."""


def is_weekend(day: date) -> bool:
    return day.weekday() >= _SATURDAY


def check_plain_date(day: object, what: str) -> date:
    # datetime is a subclass of date but would never match the stored dates.
    if not isinstance(day, date) or isinstance(day, datetime):
        raise TypeError(f"{what} must be a datetime.date, not {type(day).__name__}")
    return day


@dataclass(frozen=True)
class Holiday:
    """A holiday that is a day off; ``religious`` ones are not moved off weekends."""

    date: date
    name_en: str
    religious: bool = False


@dataclass(frozen=True)
class Transfer:
    """A day off moved by the authorities: ``day_off`` (a weekday) for ``working_day``."""

    day_off: date
    working_day: date
    note: str = ""


@dataclass(frozen=True)
class YearCalendar:
    """One year's exceptions to the Monday-Friday working week.

    ``days_off``: the Monday-Friday dates that are not working days (holidays, substitute
    days, transferred and extra days off). ``working_weekend_days``: the Saturdays and
    Sundays that are working days by a transfer.
    """

    year: int
    days_off: frozenset[date]
    working_weekend_days: frozenset[date]
    source: str

    def __post_init__(self) -> None:
        if isinstance(self.year, bool) or not isinstance(self.year, int):
            raise CalendarError(f"year must be an integer, not {self.year!r}")
        for day in self.days_off:
            if day.year != self.year or is_weekend(day):
                raise CalendarError(f"{self.year}: day off {day} is not a weekday of {self.year}")
        for day in self.working_weekend_days:
            if day.year != self.year or not is_weekend(day):
                raise CalendarError(f"{self.year}: working day {day} is not a weekend day of {self.year}")
        if not isinstance(self.source, str) or not self.source.strip():
            raise CalendarError(f"{self.year}: the source of the data must be given")


def build_year_calendar(
    year: int,
    holidays: Iterable[Holiday],
    transfers: Iterable[Transfer] = (),
    extra_days_off: Iterable[date] = (),
    source: str = "",
) -> YearCalendar:
    """Apply the statutory rules to one year's holidays and decrees.

    Secular holidays on a Saturday or Sunday get a substitute day off: the first
    Monday-Friday after the holiday that is not already off. Religious ones do not.
    """
    holidays = tuple(holidays)
    transfers = tuple(transfers)
    extra_days_off = tuple(extra_days_off)
    taken: dict[date, str] = {}

    def claim(day: date, what: str) -> None:
        if day.year != year:
            raise CalendarError(f"{year}: {what} {day} is outside the year {year}")
        if day in taken:
            raise CalendarError(f"{year}: duplicate date {day} ({taken[day]}; {what})")
        taken[day] = what

    for holiday in holidays:
        claim(holiday.date, f"holiday {holiday.name_en!r}")
    for transfer in transfers:
        claim(transfer.day_off, "transferred day off")
        if is_weekend(transfer.day_off):
            raise CalendarError(f"{year}: transferred day off {transfer.day_off} is not a weekday")
        claim(transfer.working_day, "transferred working day")
        if not is_weekend(transfer.working_day):
            raise CalendarError(f"{year}: transferred working day {transfer.working_day} is not a Saturday or Sunday")
    for day in extra_days_off:
        claim(day, "extra day off")
        if is_weekend(day):
            raise CalendarError(f"{year}: extra day off {day} is not a weekday")

    off = {h.date for h in holidays} | {t.day_off for t in transfers} | set(extra_days_off)
    for holiday in sorted(holidays, key=lambda h: h.date):
        if holiday.religious or not is_weekend(holiday.date):
            continue
        candidate = holiday.date + ONE_DAY
        while is_weekend(candidate) or candidate in off:
            candidate += ONE_DAY
        if candidate.year != year:
            raise CalendarError(f"{year}: the substitute for {holiday.date} falls outside the year")
        off.add(candidate)

    return YearCalendar(
        year=year,
        days_off=frozenset(day for day in off if not is_weekend(day)),
        working_weekend_days=frozenset(t.working_day for t in transfers),
        source=source,
    )
