"""The legal-clock calendar: official days off per year, the statutory rules, term arithmetic.

The expected per-year lists below were written out by hand from the official sources cited
in app/calendar/data/kz-YYYY.toml, not produced by running the code.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.calendar import (
    DATA_DIR,
    CalendarError,
    Holiday,
    Transfer,
    WorkCalendar,
    YearCalendar,
    build_year_calendar,
    default_calendar,
    load_calendar,
)

ALMATY = ZoneInfo("Asia/Almaty")
D = date


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return load_calendar()


def days_of(year: int):
    day = date(year, 1, 1)
    while day.year == year:
        yield day
        day += timedelta(days=1)


def non_working_weekdays(calendar: WorkCalendar, year: int) -> list[date]:
    return [d for d in days_of(year) if d.weekday() < 5 and not calendar.is_working_day(d)]


def working_weekend_days(calendar: WorkCalendar, year: int) -> list[date]:
    return [d for d in days_of(year) if d.weekday() >= 5 and calendar.is_working_day(d)]


def almaty(*args: int) -> datetime:
    return datetime(*args, tzinfo=ALMATY)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# ------------------------------------------------------------------ official data per year


def test_covered_years_and_default_calendar():
    assert default_calendar() is default_calendar()
    assert load_calendar().covered_years == range(2025, 2028)
    assert default_calendar().covered_years.start == 2025
    assert sorted(p.name for p in DATA_DIR.glob("*.toml")) == ["kz-2025.toml", "kz-2026.toml", "kz-2027.toml"]


def test_2025(cal):
    assert non_working_weekdays(cal, 2025) == [
        D(2025, 1, 1),  # Wed: New Year
        D(2025, 1, 2),  # Thu: New Year
        D(2025, 1, 3),  # Fri: transfer, MTSZN order No. 436 of 21.11.2024 (for Sun 5 January)
        D(2025, 1, 7),  # Tue: Orthodox Christmas (religious)
        D(2025, 3, 10),  # Mon: substitute for Sat 8 March, Women's Day
        D(2025, 3, 21),  # Fri: Nauryz
        D(2025, 3, 24),  # Mon: substitute for Sat 22 March, Nauryz
        D(2025, 3, 25),  # Tue: substitute for Sun 23 March, Nauryz
        D(2025, 5, 1),  # Thu: Unity Day
        D(2025, 5, 7),  # Wed: Defender of the Fatherland Day
        D(2025, 5, 9),  # Fri: Victory Day (Thu 8 May stayed a working day: no transfer)
        D(2025, 6, 6),  # Fri: Kurban Ait (religious), date per DUMK / MTSZN
        D(2025, 7, 7),  # Mon: substitute for Sun 6 July, Capital Day
        D(2025, 9, 1),  # Mon: substitute for Sat 30 August, Constitution Day
        D(2025, 10, 27),  # Mon: substitute for Sat 25 October, Republic Day
        D(2025, 12, 16),  # Tue: Independence Day
    ]
    assert working_weekend_days(cal, 2025) == [
        D(2025, 1, 5),  # Sun: working day by the same transfer (day off moved to Fri 3 January)
    ]


def test_2026(cal):
    assert non_working_weekdays(cal, 2026) == [
        D(2026, 1, 1),  # Thu: New Year
        D(2026, 1, 2),  # Fri: New Year
        D(2026, 1, 7),  # Wed: Orthodox Christmas (religious)
        D(2026, 3, 9),  # Mon: substitute for Sun 8 March, Women's Day
        D(2026, 3, 23),  # Mon: Nauryz
        D(2026, 3, 24),  # Tue: substitute for Sat 21 March, Nauryz (first day after the run)
        D(2026, 3, 25),  # Wed: substitute for Sun 22 March, Nauryz
        D(2026, 5, 1),  # Fri: Unity Day
        D(2026, 5, 7),  # Thu: Defender of the Fatherland Day
        D(2026, 5, 11),  # Mon: substitute for Sat 9 May, Victory Day
        D(2026, 5, 27),  # Wed: Kurban Ait (religious), DUMK calendar of 06.11.2025
        D(2026, 7, 6),  # Mon: Capital Day
        # Mon 31 August is a working day: 30 August stopped being Constitution Day with the
        # Constitution adopted on 15 March 2026 (MTSZN, 18.03.2026).
        D(2026, 10, 26),  # Mon: substitute for Sun 25 October, Republic Day
        D(2026, 12, 16),  # Wed: Independence Day
    ]
    assert working_weekend_days(cal, 2026) == []  # no transfers in 2026


def test_2027(cal):
    assert non_working_weekdays(cal, 2027) == [
        D(2027, 1, 1),  # Fri: New Year
        D(2027, 1, 4),  # Mon: substitute for Sat 2 January, New Year
        D(2027, 1, 7),  # Thu: Orthodox Christmas (religious)
        D(2027, 3, 8),  # Mon: Women's Day
        D(2027, 3, 15),  # Mon: Constitution Day, new date observed from 2027 (provisional)
        D(2027, 3, 22),  # Mon: Nauryz
        D(2027, 3, 23),  # Tue: Nauryz
        D(2027, 3, 24),  # Wed: substitute for Sun 21 March, Nauryz (first day after the run)
        D(2027, 5, 3),  # Mon: substitute for Sat 1 May, Unity Day
        D(2027, 5, 7),  # Fri: Defender of the Fatherland Day
        D(2027, 5, 10),  # Mon: substitute for Sun 9 May, Victory Day
        # Kurban Ait, provisionally Sun 16 May: religious, not moved, no weekday lost.
        D(2027, 7, 6),  # Tue: Capital Day
        # Mon 30 August: no longer a holiday (Constitution Day moved to 15 March).
        D(2027, 10, 25),  # Mon: Republic Day
        D(2027, 12, 16),  # Thu: Independence Day
    ]
    assert working_weekend_days(cal, 2027) == []  # transfers for 2027 not yet adopted


# ---------------------------------------------------------- statutory rules, synthetic data


def toml_date(value: date) -> str:
    return value.isoformat()


def write_year(
    directory: Path,
    year: int,
    holidays: list[tuple[date, bool]],
    transfers: list[tuple[date, date]] = (),
    *,
    file_year: int | None = None,
    extra: str = "",
) -> Path:
    lines = [f"year = {year}", 'source = "test data"', "holidays = ["]
    for day, religious in holidays:
        flag = "true" if religious else "false"
        lines.append(f'  {{ date = {toml_date(day)}, name_en = "Test holiday", religious = {flag} }},')
    lines += ["]", "transfers = ["]
    for day_off, working_day in transfers:
        lines.append(f'  {{ day_off = {toml_date(day_off)}, working_day = {toml_date(working_day)}, note = "t" }},')
    lines += ["]", extra]
    path = directory / f"kz-{file_year or year}.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def synthetic(tmp_path: Path, year: int, holidays, transfers=()) -> WorkCalendar:
    write_year(tmp_path, year, holidays, transfers)
    return load_calendar(tmp_path)


def test_religious_holiday_on_a_weekend_is_not_moved(tmp_path):
    assert date(2029, 1, 7).weekday() == 6  # 7 January 2029 is a Sunday
    calendar = synthetic(tmp_path, 2029, [(D(2029, 1, 1), False), (D(2029, 1, 2), False), (D(2029, 1, 7), True)])
    assert calendar.is_working_day(D(2029, 1, 8))
    assert non_working_weekdays(calendar, 2029) == [D(2029, 1, 1), D(2029, 1, 2)]


def test_the_religious_flag_is_what_stops_the_move(tmp_path):
    calendar = synthetic(tmp_path, 2029, [(D(2029, 1, 7), False)])
    assert non_working_weekdays(calendar, 2029) == [D(2029, 1, 8)]


@pytest.mark.parametrize(
    ("year", "weekend_day"),
    [(2025, D(2025, 3, 8)), (2026, D(2026, 3, 8))],  # Saturday, Sunday
)
def test_secular_holiday_on_a_weekend_moves_to_monday(tmp_path, year, weekend_day):
    calendar = synthetic(tmp_path, year, [(weekend_day, False)])
    monday = D(year, 3, 10) if weekend_day.weekday() == 5 else D(year, 3, 9)
    assert monday.weekday() == 0
    assert non_working_weekdays(calendar, year) == [monday]


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        # Fri-Sat-Sun: the two weekend days move to Mon 24 and Tue 25.
        (2025, [D(2025, 3, 21), D(2025, 3, 24), D(2025, 3, 25)]),
        # Sat-Sun-Mon: the run ends on Monday, so the two days move to Tue 24 and Wed 25.
        (2026, [D(2026, 3, 23), D(2026, 3, 24), D(2026, 3, 25)]),
        # Sun-Mon-Tue: the Sunday moves past the whole run to Wed 24.
        (2027, [D(2027, 3, 22), D(2027, 3, 23), D(2027, 3, 24)]),
    ],
)
def test_nauryz_run_moves_to_the_first_working_days_after_it(tmp_path, year, expected):
    nauryz = [(D(year, 3, day), False) for day in (21, 22, 23)]
    assert non_working_weekdays(synthetic(tmp_path, year, nauryz), year) == expected


def test_substitute_skips_a_religious_day_off_and_a_transferred_day_off(tmp_path):
    # Sun 9 May 2027 secular; Mon 10 May religious; Tue 11 May transferred off (for Sat 15 May).
    calendar = synthetic(
        tmp_path, 2027, [(D(2027, 5, 9), False), (D(2027, 5, 10), True)], [(D(2027, 5, 11), D(2027, 5, 15))]
    )
    assert non_working_weekdays(calendar, 2027) == [D(2027, 5, 10), D(2027, 5, 11), D(2027, 5, 12)]
    assert working_weekend_days(calendar, 2027) == [D(2027, 5, 15)]


def test_extra_day_off_without_a_swap(tmp_path):
    write_year(tmp_path, 2027, [], extra='extra_days_off = [ { date = 2027-06-04, note = "decree" } ]')
    calendar = load_calendar(tmp_path)
    assert non_working_weekdays(calendar, 2027) == [D(2027, 6, 4)]
    assert working_weekend_days(calendar, 2027) == []


def test_build_year_calendar_directly():
    year = build_year_calendar(
        2029,
        [Holiday(D(2029, 1, 6), "Secular Saturday"), Holiday(D(2029, 1, 7), "Religious Sunday", religious=True)],
        [Transfer(D(2029, 1, 9), D(2029, 1, 13))],
        source="test",
    )
    assert year.days_off == {D(2029, 1, 8), D(2029, 1, 9)}
    assert year.working_weekend_days == {D(2029, 1, 13)}
    calendar = WorkCalendar({2029: year})
    assert calendar.covered_years == range(2029, 2030)
    assert calendar.is_working_day(D(2029, 1, 13))


# ------------------------------------------------------------- registration and due dates


def test_saturday_evening_filing_counts_from_monday(cal):
    received = almaty(2025, 10, 4, 20, 0)  # Saturday evening
    assert cal.registration_day(received) == D(2025, 10, 6)  # Monday
    # 15 working days after Mon 6 October; Mon 27 October is the Republic Day substitute.
    assert cal.consideration_due(received) == D(2025, 10, 28)
    assert cal.forwarding_due(received) == D(2025, 10, 9)


def test_weekend_filing_before_a_substitute_monday_waits_for_tuesday(cal):
    received = almaty(2025, 3, 8, 18, 0)  # Sat 8 March, Women's Day; Mon 10 March is off
    assert cal.registration_day(received) == D(2025, 3, 11)
    # Tue 11 -> 15 working days, skipping Fri 21 and Mon-Tue 24-25 March (Nauryz).
    assert cal.consideration_due(received) == D(2025, 4, 4)


def test_registration_uses_the_almaty_date(cal):
    # Wednesday 23:30 in Almaty is 18:30 UTC: the local date counts.
    assert cal.registration_day(utc(2025, 11, 12, 18, 30)) == D(2025, 11, 12)
    assert cal.registration_day(almaty(2025, 11, 12, 23, 30)) == D(2025, 11, 12)
    # Monday 00:30 in Almaty is Sunday 19:30 UTC: Monday, not the Sunday's next working day.
    assert cal.registration_day(utc(2025, 11, 16, 19, 30)) == D(2025, 11, 17)
    # Friday 19:30 UTC is already Saturday 00:30 in Almaty: registered on Monday.
    assert cal.registration_day(utc(2025, 11, 14, 19, 30)) == D(2025, 11, 17)
    assert cal.consideration_due(utc(2025, 11, 14, 19, 30)) == cal.consideration_due(almaty(2025, 11, 17, 9, 0))


def test_filing_just_after_the_2025_new_year_waits_for_the_working_sunday(cal):
    # 20:00 UTC on 31 December 2024 is 01:00 on 1 January 2025 in Almaty; 1-4 January are
    # off and Sunday 5 January is a working day by transfer.
    assert cal.registration_day(utc(2024, 12, 31, 20, 0)) == D(2025, 1, 5)


def test_naive_received_time_is_refused(cal):
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.registration_day(datetime(2025, 11, 12, 10, 0))


def test_forwarding_due_across_the_new_year(cal):
    received = almaty(2025, 12, 31, 10, 0)  # Wednesday, a working day
    assert cal.registration_day(received) == D(2025, 12, 31)
    # 1-2 Jan holidays, 3-4 weekend, Mon 5 (1), Tue 6 (2), Wed 7 Christmas, Thu 8 (3).
    assert cal.forwarding_due(received) == D(2026, 1, 8)
    assert cal.consideration_due(received) == D(2026, 1, 26)


def test_consideration_due_across_the_2027_new_year(cal):
    received = almaty(2026, 12, 24, 11, 0)  # Thursday
    # Dec 25, 28, 29, 30, 31 (5); 1 Jan holiday, 4 Jan substitute, 7 Jan Christmas;
    # Jan 5, 6, 8, 11, 12, 13, 14, 15, 18, 19 (15).
    assert cal.consideration_due(received) == D(2027, 1, 19)


def test_due_dates_across_nauryz(cal):
    received = almaty(2026, 3, 18, 9, 0)  # Wednesday before Nauryz (21-25 March off)
    assert cal.forwarding_due(received) == D(2026, 3, 26)  # 19, 20, 26
    assert cal.consideration_due(received) == D(2026, 4, 13)


def test_custom_term_lengths(cal):
    received = almaty(2026, 3, 18, 9, 0)
    assert cal.consideration_due(received, working_days=0) == D(2026, 3, 18)
    assert cal.forwarding_due(received, working_days=1) == D(2026, 3, 19)


@pytest.mark.parametrize(
    ("received", "limit"),
    [
        (almaty(2025, 10, 4, 20, 0), D(2025, 12, 6)),  # registered Mon 6 October
        (almaty(2025, 12, 31, 10, 0), D(2026, 2, 28)),  # 31 December -> end of February
        (almaty(2027, 12, 31, 10, 0), D(2028, 2, 29)),  # leap year
        (almaty(2025, 8, 30, 12, 0), D(2025, 11, 2)),  # Sat holiday, Mon substitute -> Tue 2 September
        (almaty(2027, 3, 31, 12, 0), D(2027, 5, 31)),
    ],
)
def test_extension_limit_is_two_calendar_months_from_registration(cal, received, limit):
    assert cal.extension_limit(received) == limit


def test_extension_limit_months_argument(cal):
    received = almaty(2026, 1, 30, 10, 0)  # Friday
    assert cal.extension_limit(received, months=1) == D(2026, 2, 28)
    assert cal.extension_limit(received, months=0) == D(2026, 1, 30)
    with pytest.raises(ValueError):
        cal.extension_limit(received, months=-1)


# ------------------------------------------------------------------------- arithmetic


def test_next_working_day(cal):
    assert cal.next_working_day(D(2025, 11, 12)) == D(2025, 11, 12)
    assert cal.next_working_day(D(2025, 12, 27)) == D(2025, 12, 29)
    assert cal.next_working_day(D(2026, 3, 21)) == D(2026, 3, 26)


def test_add_working_days_basics(cal):
    assert cal.add_working_days(D(2026, 3, 21), 0) == D(2026, 3, 21)  # count 0: start itself
    assert cal.add_working_days(D(2026, 3, 21), 1) == D(2026, 3, 26)  # start need not be working
    assert cal.add_working_days(D(2025, 1, 2), 1) == D(2025, 1, 5)  # the working Sunday
    with pytest.raises(ValueError):
        cal.add_working_days(D(2026, 3, 21), -1)


def test_working_days_between(cal):
    assert cal.working_days_between(D(2026, 3, 18), D(2026, 3, 26)) == 3
    assert cal.working_days_between(D(2026, 3, 26), D(2026, 3, 18)) == -3
    assert cal.working_days_between(D(2026, 3, 18), D(2026, 3, 18)) == 0
    # 2025: 261 weekdays - 16 non-working weekdays + the working Sunday 5 January.
    assert cal.working_days_between(D(2025, 1, 1), D(2025, 12, 31)) == 246
    # 2026: 246 working days in the calendar published in December 2025, plus Mon 31 August.
    assert cal.working_days_between(D(2025, 12, 31), D(2026, 12, 31)) == 247


covered_days = st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 10, 31))


@settings(max_examples=300, deadline=None)
@given(start=covered_days, count=st.integers(min_value=0, max_value=40))
def test_add_working_days_and_between_agree(start, count):
    calendar = default_calendar()
    end = calendar.add_working_days(start, count)
    assert calendar.working_days_between(start, end) == count
    assert calendar.working_days_between(end, start) == -count
    if count:
        assert calendar.is_working_day(end)
        assert calendar.add_working_days(start, count - 1) < end


@settings(max_examples=200, deadline=None)
@given(day=st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 20)))
def test_next_working_day_is_the_first_one(day):
    calendar = default_calendar()
    found = calendar.next_working_day(day)
    assert calendar.is_working_day(found)
    assert all(not calendar.is_working_day(day + timedelta(n)) for n in range((found - day).days))


# ---------------------------------------------------------------------- refusals


@pytest.mark.parametrize("day", [D(2024, 12, 31), D(2028, 1, 1), D(1999, 6, 1)])
def test_dates_outside_the_covered_years_are_refused(cal, day):
    with pytest.raises(CalendarError, match="outside"):
        cal.is_working_day(day)
    with pytest.raises(CalendarError):
        cal.next_working_day(day)
    with pytest.raises(CalendarError):
        cal.add_working_days(day, 0)
    with pytest.raises(CalendarError):
        cal.working_days_between(D(2026, 1, 5), day)


def test_terms_running_past_the_last_covered_year_are_refused(cal):
    with pytest.raises(CalendarError):
        cal.add_working_days(D(2027, 12, 28), 5)
    with pytest.raises(CalendarError):
        cal.consideration_due(almaty(2027, 12, 20, 10, 0))
    with pytest.raises(CalendarError):
        cal.registration_day(utc(2024, 12, 31, 18, 0))  # 23:00 on 31 December 2024 in Almaty
    with pytest.raises(CalendarError):
        cal.next_working_day(D(2027, 12, 31) + timedelta(days=1))


def test_a_datetime_is_not_a_date(cal):
    with pytest.raises(TypeError):
        cal.is_working_day(datetime(2026, 1, 5, 10, 0))


def _write_valid(tmp_path: Path, year: int = 2029) -> None:
    write_year(tmp_path, year, [(D(year, 1, 1), False)])


@pytest.mark.parametrize(
    ("holidays", "transfers", "file_year", "extra", "message"),
    [
        # the same date twice
        ([(D(2029, 1, 1), False), (D(2029, 1, 1), False)], [], None, "", "duplicate"),
        # a holiday that is also a transfer's day off
        ([(D(2029, 1, 5), False)], [(D(2029, 1, 5), D(2029, 1, 6))], None, "", "duplicate"),
        # year key and file name disagree
        ([(D(2029, 1, 1), False)], [], 2030, "", "does not match"),
        # a date outside the file's year
        ([(D(2030, 1, 1), False)], [], None, "", "outside the year"),
        # transfer's working day on a weekday (Wed 10 January 2029)
        ([], [(D(2029, 1, 5), D(2029, 1, 10))], None, "", "not a Saturday or Sunday"),
        # transfer's day off on a weekend (Sat 6 January 2029)
        ([], [(D(2029, 1, 6), D(2029, 1, 13))], None, "", "not a weekday"),
        # unknown top-level key (a typo)
        ([], [], None, "extra_day_off = []", "unknown keys"),
        # extra day off on a weekend
        ([], [], None, 'extra_days_off = [ { date = 2029-01-06, note = "x" } ]', "not a weekday"),
    ],
)
def test_malformed_data_is_refused_at_load(tmp_path, holidays, transfers, file_year, extra, message):
    write_year(tmp_path, 2029, holidays, transfers, file_year=file_year, extra=extra)
    with pytest.raises(CalendarError, match=message):
        load_calendar(tmp_path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("year = 2029\nholidays = []\ntransfers = []\n", "missing"),  # no source
        ('year = 2029\nsource = "s"\ntransfers = []\n', "missing"),  # no holidays
        (
            'year = 2029\nsource = "s"\nholidays = [ { date = "2029-01-01", name_en = "x", religious = false } ]\n'
            "transfers = []\n",
            "TOML date",
        ),
        (
            'year = 2029\nsource = "s"\nholidays = [ { date = 2029-01-01, name_en = "x", religious = "no" } ]\n'
            "transfers = []\n",
            "true or false",
        ),
        ('year = 2029\nsource = "s"\nholidays = [ { date = 2029-01-01, name_en = "x" } ]\ntransfers = []\n', "missing"),
        ("year = 2029\nsource = [broken\n", "cannot read"),
    ],
)
def test_malformed_files_are_refused(tmp_path, text, message):
    (tmp_path / "kz-2029.toml").write_text(text, encoding="utf-8")
    with pytest.raises(CalendarError, match=message):
        load_calendar(tmp_path)


def test_directory_level_problems(tmp_path):
    with pytest.raises(CalendarError, match=r"no kz-YYYY\.toml"):
        load_calendar(tmp_path)
    _write_valid(tmp_path, 2029)
    _write_valid(tmp_path, 2031)
    with pytest.raises(CalendarError, match="contiguous"):
        load_calendar(tmp_path)
    (tmp_path / "kz-2031.toml").unlink()
    (tmp_path / "holidays.toml").write_text("", encoding="utf-8")
    with pytest.raises(CalendarError, match=r"must be named kz-YYYY\.toml"):
        load_calendar(tmp_path)
    with pytest.raises(CalendarError, match="not a directory"):
        load_calendar(tmp_path / "missing")


def test_year_calendar_invariants():
    with pytest.raises(CalendarError):
        YearCalendar(2029, frozenset({D(2029, 1, 6)}), frozenset(), "s")  # a Saturday as a day off
    with pytest.raises(CalendarError):
        YearCalendar(2029, frozenset(), frozenset({D(2029, 1, 8)}), "s")  # a Monday as working weekend
    with pytest.raises(CalendarError):
        YearCalendar(2029, frozenset({D(2030, 1, 1)}), frozenset(), "s")  # another year
    with pytest.raises(CalendarError):
        YearCalendar(2029, frozenset(), frozenset(), "  ")  # no source
    year = YearCalendar(2029, frozenset(), frozenset(), "s")
    with pytest.raises(CalendarError):
        WorkCalendar({2030: year})
    with pytest.raises(CalendarError):
        WorkCalendar({})


def test_default_calendar_never_stops_at_the_last_data_file():
    """A filing in late December of the last covered year has its deadline in the next year."""
    from app.calendar.workdays import default_calendar, load_calendar, provisional_year

    data_years = load_calendar().covered_years
    calendar = default_calendar()
    assert calendar.covered_years.stop > data_years.stop  # provisional years follow the data
    received = datetime(data_years.stop - 1, 12, 28, 6, 0, tzinfo=UTC)
    due = calendar.consideration_due(received)
    assert due.year == data_years.stop
    provisional = provisional_year(2030)
    assert date(2030, 3, 15) in provisional.days_off and date(2030, 8, 30) not in provisional.days_off
    assert "provisional" in provisional.source
