"""Legal-clock calendar: working days in Kazakhstan and the complaint terms counted in them.

Plain Python (no Flask, no database); see ``app.calendar.workdays`` for the counting rules
and ``app/calendar/data/`` for the per-year holiday data and its sources.
"""

from app.calendar.workdays import (
    DATA_DIR,
    LOCAL_ZONE,
    CalendarError,
    Holiday,
    Transfer,
    WorkCalendar,
    YearCalendar,
    build_year_calendar,
    default_calendar,
    load_calendar,
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
