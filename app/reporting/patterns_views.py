"""``/staff/patterns``: the repeat-offender view (app.reporting.patterns), for every member of staff.

The filter comes in the query string. A value that cannot be used (a threshold outside
2 … 1000 or not a number, a date that is not one, a period that ends before it starts,
an unknown type of pressure) is not guessed at: the page answers 400 with the form as
typed and the problem beside its field, and lists nothing (so nothing is read or audited).
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app import transactions
from app.accounts.guards import STAFF, roles
from app.complaints.reference import PRESSURE_TYPES
from app.inputs import MAX_DATE, MIN_DATE, InputOutOfRange, bounded_int, page_number
from app.reporting import patterns
from app.reporting.names import KEY_LENGTH

bp = Blueprint("patterns", __name__, url_prefix="/staff")

OUTCOME_NAMES = {
    "confirmed": _l("Confirmed"), "partially_confirmed": _l("Partially confirmed"),
    "not_confirmed": _l("Not confirmed"), "open": _l("Under consideration"), "forwarded": _l("Forwarded"),
    "rejected": _l("Rejected"),
}
# What a row's "all its complaints" link keeps of the page's query: the filter, not the place in the list.
_NOT_KEPT = frozenset({"page", "cases_page", "body", "official"})


def _day(name: str, problems: dict[str, str]) -> date | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        day = None
    if day is None or not MIN_DATE <= day <= MAX_DATE:
        problems[name] = _("Enter a date from %(min)s to %(max)s.", min=MIN_DATE.isoformat(), max=MAX_DATE.isoformat())
        return None
    return day


def _minimum(problems: dict[str, str]) -> int:
    raw = request.args.get("min", "").strip()
    if not raw:
        return patterns.MIN_COUNT
    try:
        value = bounded_int(raw, None, minimum=patterns.MIN_COUNT, maximum=patterns.MAX_COUNT)
    except InputOutOfRange:
        value = None
    if value is None:
        problems["min"] = _("Enter a whole number from %(min)d to %(max)d.", min=patterns.MIN_COUNT,
                            max=patterns.MAX_COUNT)
        return patterns.MIN_COUNT
    return value


def _key(name: str) -> str | None:
    value = request.args.get(name)
    return value[:KEY_LENGTH] if value else None


def _filters() -> tuple[patterns.PatternFilter, dict[str, str]]:
    problems: dict[str, str] = {}
    minimum = _minimum(problems)
    received_from, received_to = _day("from", problems), _day("to", problems)
    if received_from and received_to and received_to < received_from:
        problems["to"] = _("The end of the period cannot be before its start.")
    pressure = request.args.get("pressure_type") or None
    if pressure is not None and pressure not in PRESSURE_TYPES:
        problems["pressure_type"] = _("Choose a type of pressure from the list.")
    official = _key("official")
    kind = "official" if official or request.args.get("kind") == "official" else "body"
    return patterns.PatternFilter(kind=kind, minimum=minimum, received_from=received_from, received_to=received_to,
                                  pressure_type=pressure, body=_key("body"), official=official), problems


@bp.route("/patterns")
@roles(*STAFF)
def patterns_page():
    filters, problems = _filters()
    args = {k: v for k, v in request.args.items() if k != "page"}
    row_args = {k: v for k, v in request.args.items() if k not in _NOT_KEPT}
    if problems:
        return render_template("reporting/patterns.html", filters=filters, args=args, problems=problems,
                               result=None, pressure_types=PRESSURE_TYPES), 400
    result = patterns.patterns(filters, page=page_number())
    cases = patterns.cases(filters, page=page_number("cases_page")) if filters.body is not None else None
    patterns.record_read(current_user, filters, result, cases)  # the names and cases it shows: audited
    transactions.commit()
    return render_template("reporting/patterns.html", filters=filters, args=args, problems={}, result=result,
                           cases=cases, case_args={k: v for k, v in request.args.items() if k != "cases_page"},
                           pressure_types=PRESSURE_TYPES, outcomes=patterns.OUTCOMES, outcome_names=OUTCOME_NAMES,
                           row_args=row_args)
