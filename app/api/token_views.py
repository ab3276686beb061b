"""The API's token operations: complaints (``complaints:read``) and the staff statistics (``statistics:read``).

Each is checked by app.api.bearer (the token, its scope, its rate limit) and audited with
the parameters and the numbers of the complaints it disclosed (``api.token_use``).
"""

from __future__ import annotations

import base64
import binascii
from datetime import date, datetime, time

from flask import Blueprint, json
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.api import complaint_queries, models
from app.api.registry import REFUSED, Answer, ApiError, operation
from app.api.tokens import COMPLAINTS_READ, STATISTICS_READ
from app.calendar.workdays import default_calendar
from app.complaints import clock
from app.complaints.queries import QueueFilter
from app.complaints.reference import STATUSES
from app.inputs import MAX_DATE, MIN_DATE
from app.reporting import periods
from app.reporting.statistics import Headline, StatisticsFilter, figures
from app.timeutil import LOCAL_ZONE, local_today, to_local

bp = Blueprint("api_tokens", __name__, url_prefix="/api/v1")

NO_COMPLAINT = Answer(404, _l("There is no complaint with this number."))


# --- complaints ---------------------------------------------------------------------------

def _encode(position: tuple) -> str:
    values = [value.isoformat() if isinstance(value, date) else value for value in position]
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def _decode(cursor: str | None, filters: QueueFilter) -> tuple | None:
    if cursor is None:
        return None
    types = complaint_queries.position_types(filters)
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if isinstance(values, list) and len(values) == len(types):
            position = tuple(date.fromisoformat(value) if kind is date else value
                             for value, kind in zip(values, types, strict=True))
            if all(isinstance(value, kind) and not isinstance(value, bool) for value, kind in zip(position, types,
                                                                                                 strict=True)):
                return position
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        pass
    raise ApiError(400, _("The cursor is not one this API gave for these filters: start again without it."),
                   parameter="cursor")


def _filters(params: models.ComplaintQuery, today: date) -> QueueFilter:
    due_before = default_calendar().add_working_days(today, params.due_within) \
        if params.due_within is not None else None
    return QueueFilter(status=params.status, pressure_type=params.pressure_type, body_category=params.body_category,
                       district=params.district, officer_id=params.officer, covered=params.covered,
                       overdue=bool(params.overdue), due_before=due_before)


def _complaint(row: complaint_queries.Row) -> models.Complaint:
    officer = models.Officer(id=row.officer_id, name=row.officer_name) if row.officer_id else None
    return models.Complaint(
        number=row.number, status=row.status, status_notes=str(STATUSES[row.status]),
        pressure_type=row.pressure_type, body_category=row.body_category, body_name=row.body_name,
        district=row.district, covered=row.covered, assigned_officer=officer,
        requested_datetime=to_local(row.received_at), updated_datetime=to_local(row.updated_at),
        expected_datetime=datetime.combine(row.due, time(23, 59, 59), tzinfo=LOCAL_ZONE), due_date=row.due,
        overdue=row.overdue)


def _numbers(answer) -> dict:
    return {"numbers": [item.number for item in answer.items]}


@operation(bp, "/complaints", operation_id="listComplaints", tag="complaints", query=models.ComplaintQuery,
           scope=COMPLAINTS_READ, disclosed=_numbers,
           summary=_l("The queue of complaints"),
           description=_l("The staff queue's filters and order (open first, then by due date), one page at a "
                          "time: pass next_cursor as cursor for the next one, with the same filters. Never a "
                          "description, the business or a person's identity."),
           answers=(Answer(200, _l("A page of the queue."), models.ComplaintPage), REFUSED))
def complaints(params: models.ComplaintQuery) -> models.ComplaintPage:
    today = local_today()
    filters = _filters(params, today)
    rows, more = complaint_queries.page(filters, window=clock.window(today), after=_decode(params.cursor, filters),
                                        limit=params.limit)
    return models.ComplaintPage(items=[_complaint(row) for row in rows],
                                next_cursor=_encode(rows[-1].position) if more else None)


@operation(bp, "/complaints/<number>", operation_id="getComplaint", tag="complaints", scope=COMPLAINTS_READ,
           summary=_l("One complaint"), description=_l("By its number, e.g. PBI-C-2026-000001: its queue fields."),
           path_parameters={"number": _l("The complaint's number.")},
           answers=(Answer(200, _l("The complaint."), models.Complaint), NO_COMPLAINT))
def complaint(number: str) -> models.Complaint:
    row = complaint_queries.one(number[:40], window=clock.window(local_today()))
    if row is None:
        raise ApiError(404, _("There is no complaint with this number."))
    return _complaint(row)


@operation(bp, "/complaints/<number>/events", operation_id="listComplaintEvents", tag="complaints",
           scope=COMPLAINTS_READ, summary=_l("The steps of a complaint"),
           description=_l("What happened to the case and when, oldest first; never the texts of the steps."),
           path_parameters={"number": _l("The complaint's number.")},
           answers=(Answer(200, _l("The steps."), models.ComplaintEvents), NO_COMPLAINT))
def complaint_events(number: str) -> models.ComplaintEvents:
    steps = complaint_queries.steps(number[:40])
    if steps is None:
        raise ApiError(404, _("There is no complaint with this number."))
    return models.ComplaintEvents(number=number, items=[
        models.ComplaintEvent(at=to_local(step.at), action=step.action, status=step.status,
                              by_department=step.by_department) for step in steps])


# --- the staff statistics -----------------------------------------------------------------

def _figures(h: Headline) -> models.Figures:
    return models.Figures(
        received=h.received, decided=h.decided, confirmed=h.confirmed, partially_confirmed=h.partially_confirmed,
        not_confirmed=h.not_confirmed, forwarded=h.forwarded, rejected=h.rejected, decided_within_term=h.in_term,
        median_working_days=h.median_days, p90_working_days=h.p90_days, extended=h.extended, appeals=h.appeals,
        amount_demanded_sum=h.amount_sum, amount_demanded_median=h.amount_median)


def _counted(rows) -> dict[str, models.Counted]:
    return {row.key: models.Counted(received=row.received, decided=row.decided) for row in rows}


@operation(bp, "/statistics/staff", operation_id="getStaffStatistics", tag="statistics",
           query=models.StaffStatisticsQuery, scope=STATISTICS_READ,
           summary=_l("The staff statistics"),
           description=_l("The figures of /staff/statistics for a month, a quarter or a year, with the period "
                          "before it, unsuppressed: for the department's own systems."),
           answers=(Answer(200, _l("The figures."), models.StaffStatistics), REFUSED))
def staff_statistics(params: models.StaffStatisticsQuery) -> models.StaffStatistics:
    today = local_today()
    period = periods.from_code(params.period) if params.period else periods.quarter(today)
    if period is None or not MIN_DATE <= period.start <= period.end <= MAX_DATE:
        raise ApiError(400, _("The parameter “%(name)s” has a value that is not accepted.", name="period"),
                       parameter="period")
    chosen = StatisticsFilter(period, district=params.district, pressure_type=params.pressure_type,
                              body_category=params.body_category)
    f = figures(chosen, today, only_officer=-1)  # no officer's workload: it is not in the answer
    return models.StaffStatistics(
        period_from=period.start, period_to=period.end, current=_figures(f.current), previous=_figures(f.previous),
        open_now=f.open_now, overdue_now=f.overdue_now, by_month=_counted(f.months),
        by_district=_counted(f.districts), by_pressure_type=_counted(f.pressure_types),
        by_body_category=_counted(f.body_categories))
