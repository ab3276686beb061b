"""Downloads of the staff queue, the statistics tables and the audit log as CSV or XLSX (blueprint ``exports``).

Each export steps up (the password and the code again, app.accounts.step_up, on the GET
itself: the file is the sensitive part), is audited with its format and filters
(app.audit.reads.export) and committed before the first row is read, then streams.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from flask import Blueprint, Response, current_app, redirect, request, stream_with_context, url_for
from flask_login import current_user

from app import transactions
from app.accounts.guards import STAFF, roles
from app.accounts.step_up import step_up_required
from app.audit import reads
from app.audit import services as audit
from app.audit.views import AUDITORS, FILTERS, AuditFilterForm
from app.complaints import clock, queue_filters
from app.reporting import audit_export, exports, queue_export, statistics_page, statistics_views
from app.reporting.statistics import figures
from app.timeutil import local_today

bp = Blueprint("exports", __name__, url_prefix="/staff")

KINDS = {"csv": exports.CSV_MIMETYPE, "xlsx": exports.XLSX_MIMETYPE}


def _this_export(**_view_args) -> str:
    """Where the step-up page returns: this same download, with its filters."""
    return request.full_path.rstrip("?")


def _download(kind: str, stem: str, header: list[str], rows: Iterable) -> Response:
    if kind == "csv":
        chunks: Iterator[bytes] = exports.csv_chunks(header, rows)
    else:
        chunks = exports.xlsx_chunks(current_app.instance_path, stem, header, rows)
    response = Response(stream_with_context(chunks), mimetype=KINDS[kind])
    response.headers["Content-Disposition"] = f'attachment; filename="{stem}-{local_today().isoformat()}.{kind}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response


def _queue(kind: str) -> Response:
    filters = queue_filters.from_request(current_user)
    reads.export(current_user, "complaints", kind, queue_filters.chosen(request.args))
    transactions.commit()  # the export is in the audit log before its first row is read
    rows = queue_export.rows(filters, clock.window(local_today()), current_user)
    return _download(kind, "complaints", queue_export.header(), rows)


def _statistics(kind: str) -> Response:
    """The statistics page's tables for its filters; a wrong filter goes back to the page, which says why."""
    today = local_today()
    try:
        chosen, viewer = statistics_views.requested_filter(current_user, today)
    except statistics_views.FilterRefused:
        return redirect(url_for("statistics.statistics", **request.args))
    args = statistics_views.requested_args()
    reads.export(current_user, "statistics", kind, {name: value for name, value in args.items() if value})
    transactions.commit()
    result = figures(chosen, today, only_officer=viewer)
    return _download(kind, "statistics", statistics_page.table_header(), statistics_page.table_rows(result))


def _audit_log(kind: str) -> Response:
    criteria = AuditFilterForm(request.args).criteria()
    head = audit.head_state()
    upto = head[0] if head else 0  # the entries before this export's own
    reads.export(current_user, "audit", kind, {name: request.args[name] for name in FILTERS if request.args.get(name)})
    transactions.commit()
    return _download(kind, "audit-log", audit_export.header(), audit_export.rows(criteria, upto))


@bp.route("/complaints/export.csv")
@roles(*STAFF)
@step_up_required(back=_this_export, reads=True)
def queue_csv():
    return _queue("csv")


@bp.route("/complaints/export.xlsx")
@roles(*STAFF)
@step_up_required(back=_this_export, reads=True)
def queue_xlsx():
    return _queue("xlsx")


@bp.route("/statistics/export.csv")
@roles(*STAFF)
@step_up_required(back=_this_export, reads=True)
def statistics_csv():
    return _statistics("csv")


@bp.route("/statistics/export.xlsx")
@roles(*STAFF)
@step_up_required(back=_this_export, reads=True)
def statistics_xlsx():
    return _statistics("xlsx")


@bp.route("/audit/export.csv")
@roles(*AUDITORS)
@step_up_required(back=_this_export, reads=True)
def audit_csv():
    return _audit_log("csv")


@bp.route("/audit/export.xlsx")
@roles(*AUDITORS)
@step_up_required(back=_this_export, reads=True)
def audit_xlsx():
    return _audit_log("xlsx")
