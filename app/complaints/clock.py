"""The legal clock of a complaint, in one place: as Python for one complaint, as SQL for lists.

Administrative Procedural Code of the Republic of Kazakhstan, as this registry applies it:

- **effective due date**: the consideration due date (15 working days from the
  registration day), or the date a supervisor extended it to;
- **open**: registered, assigned, in review, information requested, or appealed — a
  complaint the department still owes an answer;
- **overdue**: open, and its effective due date is before today (Asia/Almaty);
- **due soon**: open, and its effective due date is today or within the next
  ``PBI_DUE_SOON_WORKING_DAYS`` working days (the same window for the dashboard card, the
  queue filter, the queue's row marks and the daily reminders);
- **forwarding due**: the last day to forward to a competent body (3 working days);
- **first decision**: the day (Asia/Almaty) of a complaint's first decision — resolved,
  forwarded or rejected — the working days from its registration day to that day, and
  whether it was **in term**: on or before the forwarding due date for a forward, the
  effective due date (as extended then) for the others. Kept on the complaint
  (:func:`record_first_decision`) for the statistics; a decision after an appeal does not
  change it (the appeal has its own term);
- **appeal deadline**: the last day (inclusive) the complainant may appeal a decision:
  ``PBI_APPEAL_WINDOW_DAYS`` calendar days after the day it was made (Asia/Almaty) — the
  portal, the appeal check and the decision letter all read it from :func:`appeal_deadline`.

The database keeps two of these as generated columns, so that the default order of the
queue — open first, then by effective due date, then by id — is read from an index:
``complaints.effective_due`` and ``complaints.queue_rank`` (0 open, 1 otherwise).
:data:`EFFECTIVE_DUE_SQL` and :data:`QUEUE_RANK_SQL` are their definitions; the Python
functions below must give the same answers (``tests/complaints/test_clock.py`` checks it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import and_
from sqlalchemy.sql import ColumnElement

from app.calendar.workdays import default_calendar
from app.calendar.years import CalendarError
from app.complaints.statuses import OPEN_STATUSES
from app.timeutil import to_local

OPEN = tuple(sorted(status.value for status in OPEN_STATUSES))
EFFECTIVE_DUE_SQL = "coalesce(extended_until, due_date)"
QUEUE_RANK_SQL = "CASE WHEN status IN ({}) THEN 0 ELSE 1 END".format(", ".join(f"'{s}'" for s in OPEN))


# --- one complaint ----------------------------------------------------------------------

def effective_due(extended_until: date | None, due_date: date) -> date:
    return extended_until or due_date


def is_open(status: str) -> bool:
    return status in OPEN


def queue_rank(status: str) -> int:
    return 0 if is_open(status) else 1


def is_overdue(status: str, due: date, today: date) -> bool:
    return is_open(status) and due < today


def is_due_soon(status: str, due: date, today: date, soon_until: date) -> bool:
    return is_open(status) and today <= due <= soon_until


@dataclass(frozen=True)
class Window:
    """Today and the last day that counts as "due soon" (both Asia/Almaty dates)."""

    today: date
    soon_until: date

    def overdue(self, status: str, due: date) -> bool:
        return is_overdue(status, due, self.today)

    def due_soon(self, status: str, due: date) -> bool:
        return is_due_soon(status, due, self.today, self.soon_until)


def window(today: date, working_days: int | None = None) -> Window:
    """The due-soon window from ``today``: ``PBI_DUE_SOON_WORKING_DAYS`` working days by default."""
    days = current_app.config["PBI_DUE_SOON_WORKING_DAYS"] if working_days is None else working_days
    return Window(today, default_calendar().add_working_days(today, days))


def of(complaint) -> date:
    """The effective due date of ``complaint`` (from its fields, not the stored column)."""
    return effective_due(complaint.extended_until, complaint.due_date)


# --- lists: SQL conditions over the stored, indexed columns -------------------------------

def _complaint():
    # The model's generated columns are defined by this module's SQL, so the model
    # imports this module, and this module imports the model only when it is called.
    from app.complaints.models import Complaint

    return Complaint


def sql_open() -> ColumnElement[bool]:
    return _complaint().queue_rank == 0


def sql_overdue(today: date) -> ColumnElement[bool]:
    complaint = _complaint()
    return and_(complaint.queue_rank == 0, complaint.effective_due < today)


def sql_due_soon(today: date, soon_until: date) -> ColumnElement[bool]:
    complaint = _complaint()
    return and_(complaint.queue_rank == 0, complaint.effective_due >= today, complaint.effective_due <= soon_until)


def queue_order() -> tuple:
    """The default order of the queue: open first, then by effective due date, then by id."""
    complaint = _complaint()
    return complaint.queue_rank, complaint.effective_due, complaint.id


def appeal_deadline_after(decided_at: datetime) -> date:
    """The last day to appeal a decision made at ``decided_at`` (naive UTC)."""
    return to_local(decided_at).date() + timedelta(days=current_app.config["PBI_APPEAL_WINDOW_DAYS"])


def appeal_deadline(complaint) -> date | None:
    """The last day to appeal ``complaint``'s decision; ``None`` before a decision."""
    return None if complaint.decided_at is None else appeal_deadline_after(complaint.decided_at)


# --- the first decision, kept for the statistics -------------------------------------------

FORWARD = "forward"


def first_decision_facts(*, action: str, decided_day: date, registration_day: date, due_date: date,
                         forwarding_due: date, extended_until: date | None) -> tuple[int | None, bool]:
    """(working days from registration to ``decided_day``, decided in term) of a first decision.

    The working days are ``None`` when the calendar does not cover the registration year
    (only synthetic historical data has such complaints); the term is known regardless.
    """
    due = forwarding_due if action == FORWARD else effective_due(extended_until, due_date)
    try:
        working_days = default_calendar().working_days_between(registration_day, decided_day)
    except CalendarError:
        working_days = None
    return working_days, decided_day <= due


def record_first_decision(complaint, action: str, decided_at: datetime) -> None:
    """Keep ``complaint``'s first decision (made at ``decided_at``, naive UTC); later ones leave it."""
    if complaint.decided_on is not None:
        return
    day = to_local(decided_at).date()
    complaint.decision_working_days, complaint.decided_in_term = first_decision_facts(
        action=action, decided_day=day, registration_day=complaint.registration_day, due_date=complaint.due_date,
        forwarding_due=complaint.forwarding_due, extended_until=complaint.extended_until)
    complaint.decided_on = day
