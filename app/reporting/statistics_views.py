"""``/staff/statistics``: the department's figures for a period, with charts and tables.

The page shows aggregates only — counts, shares, medians, names of state bodies, the
workload of officers — and no case, complainant or business, so reading it is not a
confidential read and is not audited (app/audit/reads.py audits reads of cases).
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.accounts.guards import STAFF, roles
from app.accounts.models import Role
from app.businesses.reference import DISTRICTS, district_choices
from app.complaints import queries
from app.complaints.reference import BODY_CATEGORIES, PRESSURE_TYPES
from app.inputs import ID_MAX, MAX_DATE, MIN_DATE
from app.reporting import periods
from app.reporting.statistics import StatisticsFilter, figures
from app.reporting.statistics_page import charts_of, period_choices, workload_chart
from app.timeutil import local_today

bp = Blueprint("statistics", __name__, url_prefix="/staff")

FIELDS = ("period", "from", "to", "district", "pressure_type", "body_category", "body", "officer", "covered")


class FilterRefused(Exception):
    def __init__(self, errors: dict[str, object]) -> None:
        super().__init__(", ".join(errors))
        self.errors = errors


def _date(raw: str, name: str, errors: dict) -> date | None:
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        errors[name] = _l("Enter a date as YYYY-MM-DD.")
        return None
    if not MIN_DATE <= value <= MAX_DATE:
        errors[name] = _l("Enter a date from %(min)s to %(max)s.", min=MIN_DATE.isoformat(), max=MAX_DATE.isoformat())
        return None
    return value


def _period(args: dict, today: date, errors: dict) -> periods.Period | None:
    code = args["period"] or periods.quarter(today).code
    if code != periods.RANGE:
        period = periods.from_code(code)
        if period is None or not MIN_DATE <= period.start <= period.end <= MAX_DATE:
            errors["period"] = _l("Choose a period from the list.")
        return period
    start = _date(args["from"], "from", errors) if args["from"] else None
    end = _date(args["to"], "to", errors) if args["to"] else None
    if not args["from"]:
        errors["from"] = _l("Enter the first day of the period.")
    if not args["to"]:
        errors["to"] = _l("Enter the last day of the period.")
    if start and end and end < start:
        errors["to"] = _l("The last day must not be before the first day.")
    elif start and end and (end - start).days + 1 > periods.LONGEST_RANGE_DAYS:
        errors["to"] = _l("A period may be at most ten years long.")
    if errors:
        return None
    return periods.Period(start, end)


def parse_filter(args: dict, today: date, officer_ids: set[int], viewer: int | None) -> StatisticsFilter:
    """The filter the query string asks for; :class:`FilterRefused` names each wrong field.

    ``viewer``: an officer's own id, who may filter by no officer but themselves.
    """
    errors: dict[str, object] = {}
    period = _period(args, today, errors)
    for name, known in (("district", DISTRICTS), ("pressure_type", PRESSURE_TYPES),
                        ("body_category", BODY_CATEGORIES)):
        if args[name] and args[name] not in known:
            errors[name] = _l("Choose a value from the list.")
    body = " ".join(args["body"].split())
    if len(body) > 300:
        errors["body"] = _l("At most %(max)d characters.", max=300)
    officer = None
    if args["officer"]:
        officer = int(args["officer"]) if args["officer"].isascii() and args["officer"].isdigit() \
            and len(args["officer"]) <= 10 and int(args["officer"]) <= ID_MAX else None
        if officer is None or officer not in officer_ids:
            errors["officer"] = _l("Choose an officer from the list.")
        elif viewer is not None and officer != viewer:
            errors["officer"] = _l("An officer may filter by their own cases only.")
    if args["covered"] not in ("", "yes", "no"):
        errors["covered"] = _l("Choose a value from the list.")
    if errors:
        raise FilterRefused(errors)
    return StatisticsFilter(period, district=args["district"] or None, pressure_type=args["pressure_type"] or None,
                            body_category=args["body_category"] or None, body_name=body or None,
                            officer_id=officer, covered={"yes": True, "no": False}.get(args["covered"]))


def requested_args() -> dict[str, str]:
    """The filter's fields from the query string (the period defaults to this quarter)."""
    args = {name: request.args.get(name, "").strip() for name in FIELDS}
    if not args["period"]:
        args["period"] = periods.quarter(local_today()).code
    return args


def viewer_of(user) -> int | None:
    """An officer's own id (they see their own workload row only); None for supervisors and admins."""
    return user.id if user.role == Role.OFFICER.value else None


def requested_filter(user, today: date) -> tuple[StatisticsFilter, int | None]:
    """The filter of this request for ``user`` and their viewer id; :class:`FilterRefused` if wrong."""
    viewer = viewer_of(user)
    return parse_filter(requested_args(), today, {officer_id for officer_id, _ in queries.officers()}, viewer), viewer


@bp.route("/statistics")
@roles(*STAFF)
def statistics():
    today = local_today()
    args = requested_args()
    viewer = viewer_of(current_user)
    officers = queries.officers()
    if viewer is not None:
        officers = [(officer_id, name) for officer_id, name in officers if officer_id == viewer]
    context = {"args": args, "period_choices": period_choices(today, args["period"]), "districts": district_choices(),
               "pressure_types": [(code, str(name)) for code, name in PRESSURE_TYPES.items()],
               "body_categories": [(code, str(name)) for code, name in BODY_CATEGORIES.items()],
               "officers": officers, "own_view": viewer is not None}
    try:
        chosen = parse_filter(args, today, {officer_id for officer_id, _ in queries.officers()}, viewer)
    except FilterRefused as refused:
        return render_template("reporting/statistics.html", errors=refused.errors, figures=None, **context), 400
    result = figures(chosen, today, only_officer=viewer)
    return render_template("reporting/statistics.html", errors={}, figures=result, charts=charts_of(result),
                           workload_chart=workload_chart(result),
                           chosen=chosen, **context)
