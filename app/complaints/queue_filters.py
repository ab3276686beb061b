"""The staff queue's filters read from a request's arguments: one parser for the queue page and its exports."""

from __future__ import annotations

from collections.abc import Mapping

from flask import request

from app.calendar.workdays import default_calendar
from app.complaints import queue_search
from app.complaints.queries import QueueFilter
from app.complaints.reference import BODY_CATEGORIES, PRESSURE_TYPES, STATUSES
from app.inputs import query_int, record_id
from app.timeutil import local_today

# The arguments that choose the queue's rows (``page`` only chooses which of them are shown).
ARGUMENTS = ("q", "status", "pressure_type", "body_category", "district", "officer", "covered", "due_within",
             "overdue", "mine", "sort")


def from_request(user) -> QueueFilter:
    """The queue's filters for ``user`` from this request's query string (unknown values are ignored)."""
    args = request.args
    due_within = query_int("due_within", minimum=-1000, maximum=1000)
    covered = {"yes": True, "no": False}.get(args.get("covered", ""))
    return QueueFilter(
        status=args.get("status") if args.get("status") in STATUSES else None,
        pressure_type=args.get("pressure_type") if args.get("pressure_type") in PRESSURE_TYPES else None,
        body_category=args.get("body_category") if args.get("body_category") in BODY_CATEGORIES else None,
        district=args.get("district") or None,
        officer_id=user.id if args.get("mine") else record_id("officer"),
        covered=covered, overdue=bool(args.get("overdue")),
        due_before=default_calendar().add_working_days(local_today(), min(max(due_within, 0), 60))
        if due_within is not None else None,
        query=args.get("q", "")[:100], sort="received" if args.get("sort") == "received" else "due",
        search_reader=queue_search.search_reader(user),
    )


def chosen(args: Mapping[str, str]) -> dict[str, str]:
    """The filter arguments that were given (for links and for the export's audit entry)."""
    return {name: args[name] for name in ARGUMENTS if args.get(name)}
