"""Working-day calendar for the legal clock of complaints (Republic of Kazakhstan).

How terms are counted
=====================
Complaints are considered under the Administrative Procedural Code of the Republic of
Kazakhstan (Code of 29 June 2020 No. 350-VI, in force since 1 July 2021; "APPK",
Әкімшілік рәсімдік-процестік кодекс / Административный процедурно-процессуальный
кодекс). Its terms for considering a filing are counted in WORKING days:

* A filing is registered on the day it is received, in local time (Asia/Almaty). A filing
  received on a non-working day (a weekend, a public holiday, a substitute day off or a
  day off transferred by the authorities) is registered on the next working day.
* A term of N working days runs from the day AFTER registration: the registration day
  itself is not counted, and the term ends on the N-th working day after it
  (``add_working_days(registration_day, N)``). With the defaults: consideration within
  15 working days, forwarding to the competent body within 3 working days.
* An extension is limited in calendar months: it may never go beyond the same calendar
  date ``months`` later than the registration day; when that month is shorter, the limit
  is the month's last day (31 December + 2 months = 28 February, or 29 in a leap year).
  The limit is not moved off a non-working day: an extension must end on or before it.

Which days are working days
===========================
The calendar is the five-day week (Saturday and Sunday off) that state bodies work.

* Law of the Republic of Kazakhstan of 13 December 2001 No. 267-II "On Holidays in the
  Republic of Kazakhstan": lists the national and state holidays, which are days off;
  art. 5: when a holiday falls on a day off, the next working day after the holiday is a
  day off (a "substitute" day).
* Labour Code of the Republic of Kazakhstan of 23 November 2015 No. 414-V: art. 84 p. 5
  makes the first day of Kurban Ait and 7 January (Orthodox Christmas) days off; being
  religious days off rather than state holidays, they get no substitute day when they fall
  on a weekend. Art. 85 p. 3 lets the authorized labour body (the Ministry of Labour and
  Social Protection of the Population; earlier years: the Government) transfer days off
  to other working days, e.g. make a Friday a day off and a Saturday or Sunday a working
  day instead.
* The date of Kurban Ait is fixed every year by the Ministry of Labour on the basis of the
  calendar of the Spiritual Administration of Muslims of Kazakhstan (DUMK / QMDB).

The per-year facts (holiday dates, Kurban Ait, transfers, and the sources of each) are
data, one TOML file per year in ``data/``; the substitute days are computed here from the
rule above and never listed in the data. Substitutes are assigned in date order to the
first Monday-Friday after the holiday that is not already a day off, so a run such as
Nauryz (21-23 March) with days on a weekend moves those days to the first working days
after the whole run.

Local time comes from the system time-zone database; Asia/Almaty is UTC+5 since
1 March 2024 (tzdata 2024a or later is required for correct registration days).
"""

from __future__ import annotations

import calendar as _gregorian
import functools
import re
import tomllib
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from app.calendar.years import (
    ONE_DAY,
    CalendarError,
    Holiday,
    Transfer,
    YearCalendar,
    build_year_calendar,
    check_plain_date,
    is_weekend,
)

__all__ = [
    "DATA_DIR",
    "LOCAL_ZONE",
    "CalendarError",
    "Holiday",
    "Transfer",
    "WorkCalendar",
    "YearCalendar",
    "build_year_calendar",
    "default_calendar",
    "load_calendar",
]

LOCAL_ZONE = ZoneInfo("Asia/Almaty")
DATA_DIR = Path(__file__).resolve().parent / "data"

_FILE_NAME = re.compile(r"^kz-(\d{4})\.toml$")
_TOP_LEVEL_KEYS = frozenset({"year", "source", "holidays", "transfers", "extra_days_off"})


def _add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, _gregorian.monthrange(year, month)[1]))


class WorkCalendar:
    """Working days over a contiguous run of years; every query outside it is refused."""

    def __init__(self, years: Mapping[int, YearCalendar]) -> None:
        if not years:
            raise CalendarError("a calendar needs at least one year")
        for key, year_calendar in years.items():
            if not isinstance(year_calendar, YearCalendar) or year_calendar.year != key:
                raise CalendarError(f"the calendar given for {key} is not the year {key}")
        first, last = min(years), max(years)
        missing = sorted(set(range(first, last + 1)) - set(years))
        if missing:
            raise CalendarError(f"the covered years must be contiguous; missing: {missing}")
        self._years = dict(years)
        self._range = range(first, last + 1)

    def __repr__(self) -> str:
        return f"WorkCalendar({self._range.start}-{self._range.stop - 1})"

    @property
    def covered_years(self) -> range:
        return self._range

    def year(self, year: int) -> YearCalendar:
        """The data behind one covered year."""
        try:
            return self._years[year]
        except KeyError:
            raise self._outside(year) from None

    def _outside(self, year: int) -> CalendarError:
        return CalendarError(
            f"{year} is outside the years this calendar covers "
            f"({self._range.start}-{self._range.stop - 1}); add the year's data file first"
        )

    def is_working_day(self, day: date) -> bool:
        check_plain_date(day, "day")
        year_calendar = self._years.get(day.year)
        if year_calendar is None:
            raise self._outside(day.year)
        if is_weekend(day):
            return day in year_calendar.working_weekend_days
        return day not in year_calendar.days_off

    def next_working_day(self, day: date) -> date:
        """``day`` itself when it is a working day, otherwise the first one after it."""
        while not self.is_working_day(day):
            day += ONE_DAY
        return day

    def add_working_days(self, start: date, count: int) -> date:
        """The ``count``-th working day after ``start`` (``start`` itself is not counted)."""
        if isinstance(count, bool) or not isinstance(count, int):
            raise TypeError("count must be an integer")
        if count < 0:
            raise ValueError("count must not be negative")
        self.is_working_day(start)  # refuses a start outside the covered years
        day = start
        while count:
            day += ONE_DAY
            if self.is_working_day(day):
                count -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative, with the same magnitude, if end < start."""
        self.is_working_day(start)
        self.is_working_day(end)
        if end < start:
            return -self.working_days_between(end, start)
        total, day = 0, start
        while day < end:
            day += ONE_DAY
            total += self.is_working_day(day)
        return total

    def registration_day(self, received: datetime) -> date:
        """The day a filing received at ``received`` (an aware datetime) is registered."""
        if not isinstance(received, datetime):
            raise TypeError("received must be a datetime")
        if received.tzinfo is None or received.utcoffset() is None:
            raise ValueError("received must be timezone-aware")
        return self.next_working_day(received.astimezone(LOCAL_ZONE).date())

    def consideration_due(self, received: datetime, working_days: int = 15) -> date:
        """Last day to consider a filing: ``working_days`` after its registration day."""
        return self.add_working_days(self.registration_day(received), working_days)

    def forwarding_due(self, received: datetime, working_days: int = 3) -> date:
        """Last day to forward a filing to the competent body."""
        return self.add_working_days(self.registration_day(received), working_days)

    def extension_limit(self, received: datetime, months: int = 2) -> date:
        """The latest date an extended consideration may reach (see the module docstring)."""
        if isinstance(months, bool) or not isinstance(months, int):
            raise TypeError("months must be an integer")
        if months < 0:
            raise ValueError("months must not be negative")
        return _add_months(self.registration_day(received), months)


# ---------------------------------------------------------------------------- loading


def _table(value: Any, where: str, required: set[str], optional: frozenset[str] = frozenset()) -> dict:
    if not isinstance(value, dict):
        raise CalendarError(f"{where}: expected a table, got {value!r}")
    missing = required - value.keys()
    unknown = value.keys() - required - optional
    if missing:
        raise CalendarError(f"{where}: missing {sorted(missing)}")
    if unknown:
        raise CalendarError(f"{where}: unknown keys {sorted(unknown)}")
    return value


def _date(value: Any, where: str) -> date:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise CalendarError(f"{where}: expected a TOML date (YYYY-MM-DD), got {value!r}")
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise CalendarError(f"{where}: expected a non-empty string, got {value!r}")
    return value


def _list(data: dict, key: str, where: str) -> list:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise CalendarError(f"{where}: {key} must be a list")
    return value


def _load_year(path: Path, year: int) -> YearCalendar:
    where = path.name
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CalendarError(f"{where}: cannot read: {exc}") from exc
    _table(data, where, {"year", "source", "holidays", "transfers"}, _TOP_LEVEL_KEYS)
    if data["year"] != year or isinstance(data["year"], bool):
        raise CalendarError(f"{where}: year = {data['year']!r} does not match the file name")
    source = _text(data["source"], f"{where}: source")

    holidays = []
    for index, item in enumerate(_list(data, "holidays", where)):
        at = f"{where}: holidays[{index}]"
        _table(item, at, {"date", "name_en", "religious"}, frozenset({"note"}))
        if not isinstance(item["religious"], bool):
            raise CalendarError(f"{at}: religious must be true or false")
        if "note" in item:
            _text(item["note"], f"{at}: note")
        holidays.append(Holiday(_date(item["date"], at), _text(item["name_en"], at), item["religious"]))

    transfers = []
    for index, item in enumerate(_list(data, "transfers", where)):
        at = f"{where}: transfers[{index}]"
        _table(item, at, {"day_off", "working_day", "note"})
        transfers.append(Transfer(_date(item["day_off"], at), _date(item["working_day"], at), _text(item["note"], at)))

    extra = []
    for index, item in enumerate(_list(data, "extra_days_off", where)):
        at = f"{where}: extra_days_off[{index}]"
        _table(item, at, {"date", "note"})
        _text(item["note"], at)
        extra.append(_date(item["date"], at))

    try:
        return build_year_calendar(year, holidays, transfers, extra, source)
    except CalendarError as exc:
        raise CalendarError(f"{where}: {exc}") from exc


def load_calendar(directory: Path | None = None) -> WorkCalendar:
    """Load and validate every ``kz-YYYY.toml`` in ``directory`` (default: the package data)."""
    directory = DATA_DIR if directory is None else Path(directory)
    if not directory.is_dir():
        raise CalendarError(f"{directory} is not a directory")
    years: dict[int, YearCalendar] = {}
    for path in sorted(directory.glob("*.toml")):
        match = _FILE_NAME.match(path.name)
        if match is None:
            raise CalendarError(f"{path.name}: calendar files must be named kz-YYYY.toml")
        year = int(match.group(1))
        years[year] = _load_year(path, year)
    if not years:
        raise CalendarError(f"{directory} holds no kz-YYYY.toml calendar files")
    return WorkCalendar(years)


# The fixed-date public holidays as the law stands from 2027 (the Constitution of 2026 moved
# Constitution Day to 15 March); used only for provisional years, see below.
_STATUTORY_FIXED = (
    ((1, 1), "New Year", False), ((1, 2), "New Year", False), ((1, 7), "Orthodox Christmas", True),
    ((3, 8), "International Women's Day", False), ((3, 15), "Constitution Day", False),
    ((3, 21), "Nauryz", False), ((3, 22), "Nauryz", False), ((3, 23), "Nauryz", False),
    ((5, 1), "Unity Day", False), ((5, 7), "Defender of the Fatherland Day", False),
    ((5, 9), "Victory Day", False), ((7, 6), "Capital Day", False), ((10, 25), "Republic Day", False),
    ((12, 16), "Independence Day", False),
)


def provisional_year(year: int) -> YearCalendar:
    """A year without a data file yet: the statutory fixed-date holidays and the weekend rule.

    It lacks the movable Kurban Ait and the ministry's transfers, so deadlines may come a
    day early — never late. It exists so that a filing near the end of the last covered
    year (whose deadline runs into the next one) is registered instead of failing; the
    year's data file should still be added when the transfer order is published.
    """
    holidays = [Holiday(date(year, month, day), name, religious) for (month, day), name, religious in _STATUTORY_FIXED]
    return build_year_calendar(year, holidays, source=f"provisional: statutory fixed-date holidays only ({year})")


def with_provisional_years(calendar: WorkCalendar, until: int) -> WorkCalendar:
    """``calendar`` extended with provisional years up to and including ``until``."""
    years = {year: calendar.year(year) for year in calendar.covered_years}
    for year in range(calendar.covered_years.stop, until + 1):
        years[year] = provisional_year(year)
    return WorkCalendar(years)


@functools.cache
def default_calendar() -> WorkCalendar:
    """The calendar from the package's data files, loaded once per process, extended with
    provisional years up to two years after the current one (see :func:`provisional_year`)."""
    return with_provisional_years(load_calendar(), datetime.now(LOCAL_ZONE).year + 2)
