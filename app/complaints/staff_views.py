"""The review interface: dashboard, queue, case view and the department's actions."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import transactions
from app.accounts.forms import ConfirmForm
from app.accounts.guards import STAFF, roles
from app.businesses.models import Business
from app.businesses.reference import district_choices
from app.calendar.workdays import default_calendar
from app.complaints import casework, clock, messages, queries, services, workflow
from app.complaints.forms import AssignForm, ExtendForm, ForwardForm, MessageForm, NoteForm, ReasonForm, ResolveForm
from app.complaints.reference import BODY_CATEGORIES, PRESSURE_TYPES, STATUSES
from app.complaints.views import document_pdf
from app.complaints.web import attachment, upload_limit, uploads_from
from app.database import COUNT_CAP
from app.extensions import db
from app.timeutil import local_today

bp = Blueprint("review", __name__, url_prefix="/staff")


def _window() -> clock.Window:
    return clock.window(local_today())


def _complaint(complaint_id: int):
    try:
        return services.for_staff(complaint_id)
    except services.NotFound:
        abort(404)


@bp.route("/")
@roles(*STAFF)
def dashboard():
    return render_template("complaints/staff_dashboard.html", summary=queries.dashboard(current_user.id,
                           window=_window()), count_cap=COUNT_CAP,
                           soon_days=current_app.config["PBI_DUE_SOON_WORKING_DAYS"], statuses=list(STATUSES))


def _filters() -> queries.QueueFilter:
    args = request.args
    due_within = args.get("due_within", type=int)
    covered = {"yes": True, "no": False}.get(args.get("covered", ""))
    return queries.QueueFilter(
        status=args.get("status") if args.get("status") in STATUSES else None,
        pressure_type=args.get("pressure_type") if args.get("pressure_type") in PRESSURE_TYPES else None,
        body_category=args.get("body_category") if args.get("body_category") in BODY_CATEGORIES else None,
        district=args.get("district") or None,
        officer_id=current_user.id if args.get("mine") else args.get("officer", type=int),
        covered=covered, overdue=bool(args.get("overdue")),
        due_before=default_calendar().add_working_days(local_today(), min(max(due_within, 0), 60))
        if due_within is not None else None,
        query=args.get("q", "")[:100], sort="received" if args.get("sort") == "received" else "due",
    )


@bp.route("/complaints")
@roles(*STAFF)
def queue():
    result = queries.queue(_filters(), window=_window(), page=request.args.get("page", 1, type=int))
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template(
        "complaints/staff_queue.html", result=result, args=args, officers=queries.officers(), statuses=list(STATUSES),
        districts=district_choices(), pressure_types=[(code, str(name)) for code, name in PRESSURE_TYPES.items()],
        body_categories=[(code, str(name)) for code, name in BODY_CATEGORIES.items()],
    )


@bp.route("/complaints/<int:complaint_id>")
@roles(*STAFF)
def detail(complaint_id: int):
    complaint = _complaint(complaint_id)
    services.record_staff_read(current_user, complaint, "case")
    transactions.commit()
    assign_form = AssignForm()
    assign_form.officer_id.choices = queries.officers()
    business = db.session.get(Business, complaint.business_id)
    due = clock.of(complaint)
    return render_template(
        "complaints/staff_detail.html", complaint=queries.case_view(complaint), business_name=business.name,
        business_number=business.number, effective_due=due, overdue=_window().overdue(complaint.status, due),
        events=queries.events(complaint.id), messages=queries.messages(complaint.id, include_internal=True),
        evidence=queries.evidence(complaint.id), documents=queries.documents_of(complaint.id),
        association=queries.association_name(complaint.association_id),
        actions=workflow.available(current_user, complaint), confirm=ConfirmForm(), assign_form=assign_form,
        reason_form=ReasonForm(), forward_form=ForwardForm(), resolve_form=ResolveForm(), extend_form=ExtendForm(),
        note_form=NoteForm(), message_form=MessageForm(),
    )


def _act(complaint_id: int, operation, success: str):
    """Run one case operation and commit (a decision letter it reserved is issued after the commit)."""
    complaint = _complaint(complaint_id)
    try:
        operation(complaint)
    except (services.ComplaintError, workflow.WorkflowError) as exc:
        transactions.rollback()
        flash(messages.casework_problem(exc), "error")
        return redirect(url_for("review.detail", complaint_id=complaint_id))
    transactions.commit()
    flash(success, "success")
    return redirect(url_for("review.detail", complaint_id=complaint_id))


def _text(form_class, field: str = "comment") -> str:
    form = form_class()
    return getattr(form, field).data if form.validate_on_submit() else ""


@bp.route("/complaints/<int:complaint_id>/take", methods=["POST"])
@roles(*STAFF)
def take(complaint_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return _act(complaint_id, lambda c: casework.take(current_user, c), _("You have taken the case."))


@bp.route("/complaints/<int:complaint_id>/assign", methods=["POST"])
@roles(*STAFF)
def assign(complaint_id: int):
    officer_id = request.form.get("officer_id", type=int) or 0
    return _act(complaint_id, lambda c: casework.assign(current_user, c, officer_id), _("The case has been assigned."))


@bp.route("/complaints/<int:complaint_id>/start", methods=["POST"])
@roles(*STAFF)
def start_review(complaint_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return _act(complaint_id, lambda c: casework.start_review(current_user, c), _("Consideration has started."))


@bp.route("/complaints/<int:complaint_id>/request-info", methods=["POST"])
@roles(*STAFF)
def request_info(complaint_id: int):
    question = _text(ReasonForm)
    return _act(complaint_id, lambda c: casework.request_info(current_user, c, question),
                _("The request has been sent to the complainant."))


@bp.route("/complaints/<int:complaint_id>/forward", methods=["POST"])
@roles(*STAFF)
def forward(complaint_id: int):
    form = ForwardForm()
    body, note = (form.body_name.data, form.comment.data) if form.validate_on_submit() else ("", "")
    return _act(complaint_id, lambda c: casework.forward(current_user, c, body, note),
                _("The complaint has been forwarded; the decision letter has been issued."))


@bp.route("/complaints/<int:complaint_id>/resolve", methods=["POST"])
@roles(*STAFF)
def resolve(complaint_id: int):
    form = ResolveForm()
    outcome, answer = (form.outcome.data, form.comment.data) if form.validate_on_submit() else ("", "")
    return _act(complaint_id, lambda c: casework.resolve(current_user, c, outcome, answer),
                _("The decision has been made; the decision letter has been issued."))


@bp.route("/complaints/<int:complaint_id>/reject", methods=["POST"])
@roles(*STAFF)
def reject(complaint_id: int):
    reason = _text(ReasonForm)
    return _act(complaint_id, lambda c: casework.reject(current_user, c, reason),
                _("The complaint has been rejected; the decision letter has been issued."))


@bp.route("/complaints/<int:complaint_id>/close", methods=["POST"])
@roles(*STAFF)
def close(complaint_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return _act(complaint_id, lambda c: casework.close(current_user, c), _("The case has been closed."))


@bp.route("/complaints/<int:complaint_id>/review-appeal", methods=["POST"])
@roles(*STAFF)
def review_appeal(complaint_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return _act(complaint_id, lambda c: casework.review_appeal(current_user, c), _("You have taken up the appeal."))


@bp.route("/complaints/<int:complaint_id>/extend", methods=["POST"])
@roles(*STAFF)
def extend(complaint_id: int):
    form = ExtendForm()
    if not form.validate_on_submit():
        flash(_("Give the new date and the reason."), "error")
        return redirect(url_for("review.detail", complaint_id=complaint_id))
    return _act(complaint_id, lambda c: casework.extend(current_user, c, form.until.data, form.comment.data),
                _("The period has been extended; the complainant has been told."))


@bp.route("/complaints/<int:complaint_id>/notes", methods=["POST"])
@roles(*STAFF)
def note(complaint_id: int):
    body = _text(NoteForm, "body")
    return _act(complaint_id, lambda c: services.post_message(current_user, c, body, [], internal=True, staff=True),
                _("The note has been saved."))


@bp.route("/complaints/<int:complaint_id>/messages", methods=["POST"])
@roles(*STAFF)
@upload_limit("PBI_EVIDENCE_MAX_FILE_BYTES")
def message(complaint_id: int):
    body = _text(MessageForm, "body")
    return _act(complaint_id, lambda c: services.post_message(current_user, c, body, uploads_from("attachment"),
                                                              staff=True),
                _("The message has been sent to the complainant."))


@bp.route("/complaints/<int:complaint_id>/evidence/<int:evidence_id>")
@roles(*STAFF)
def evidence(complaint_id: int, evidence_id: int):
    complaint = _complaint(complaint_id)
    try:
        data, item = services.evidence_file(current_user, complaint, evidence_id, staff=True)
    except services.NotFound:
        abort(404)
    transactions.commit()  # the read is in the audit log before the file leaves
    return attachment(data, item.kind, f"{complaint.number}-evidence-{item.id}")


@bp.route("/complaints/<int:complaint_id>/documents/<int:document_id>.pdf")
@roles(*STAFF)
def document(complaint_id: int, document_id: int):
    return document_pdf(_complaint(complaint_id), document_id)
