"""``/staff/statistics/monthly-report``: supervisors and admins issue and download the monthly report.

The page lists the reports issued and offers a month to issue (a POST with CSRF; the
month's existing report is returned, never a second one — reissuing is the command
line's ``--reissue``). The download is a GET of the month's current report and is audited
(``report.downloaded``); issuing is audited by the service (``report.issued``).
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import transactions
from app.accounts.guards import roles
from app.accounts.models import Role
from app.documents import services as documents
from app.reporting import monthly_report, periods
from app.timeutil import local_today

bp = Blueprint("monthly_report", __name__, url_prefix="/staff/statistics")
SUPERVISION = (Role.SUPERVISOR, Role.ADMIN)


def _refusal(problem: str) -> str:
    return {
        "format": _("Enter the month as YYYY-MM, for example 2026-11."),
        "too_early": _("The registry holds no months that early."),
        "not_ended": _("This month has not ended yet: a month is reported once it is over."),
    }[problem]


def _page(month_text: str, error: str | None, status: int = 200):
    reports = [(monthly_report.month_of(document.subject_id), document) for document in monthly_report.issued_reports()]
    return render_template("reporting/monthly_report.html", month=month_text, error=error, reports=reports), status


def default_month(today: date) -> str:
    """The month a form offers: the last one that has ended."""
    return f"{periods.month(today).previous().start:%Y-%m}"


@bp.route("/monthly-report", methods=["GET", "POST"])
@roles(*SUPERVISION)
def monthly_report_page():
    today = local_today()
    if request.method == "GET":
        return _page(default_month(today), None)
    month_text = request.form.get("month", "").strip()[:20]
    try:
        first = monthly_report.parse_month(month_text, today)
    except monthly_report.MonthRefused as refused:
        return _page(month_text, _refusal(refused.problem), 400)
    issued = monthly_report.issue(first, actor_id=current_user.id, actor_label=current_user.email)
    number = issued.document.number
    transactions.commit()
    flash(_("The monthly report %(number)s has been issued.", number=number) if issued.new else
          _("The report of this month was issued before: %(number)s.", number=number), "success")
    return redirect(url_for("monthly_report.monthly_report_page"))


@bp.route("/monthly-report.pdf")
@roles(*SUPERVISION)
def monthly_report_pdf():
    month_text = request.args.get("month", "").strip()[:20]
    try:
        first = monthly_report.parse_month(month_text, local_today())
    except monthly_report.MonthRefused as refused:
        return _page(month_text, _refusal(refused.problem), 400)
    document = monthly_report.current(first)
    if document is None:
        abort(404)
    document = documents.produce(document.id)  # made now if the first attempt failed
    data = documents.pdf_bytes(document)
    monthly_report.record_download(current_user, document)
    transactions.commit()
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{document.number}.pdf"'
    return response
