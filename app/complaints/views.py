"""Portal pages of complaints: filing, the case page, messages, appeal, downloads."""

from __future__ import annotations

import secrets
from dataclasses import fields

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import confirmation, transactions
from app.accounts.guards import roles
from app.accounts.models import Role
from app.agreements import services as agreements
from app.businesses.services import businesses_of
from app.complaints import case_actions, case_page, clock, queries, refusals, services, workflow
from app.complaints.forms import AnswerForm, AppealForm, ComplaintForm, MessageForm
from app.complaints.web import attachment, upload_limit, uploads_from
from app.documents import services as documents
from app.documents.models import Document
from app.extensions import db
from app.templating import local_date

bp = Blueprint("complaints", __name__, url_prefix="/portal")


def _complaint(complaint_id: int):
    try:
        return services.for_complainant(current_user, complaint_id)
    except services.NotFound:
        abort(404)


def _filing_form() -> ComplaintForm:
    form = ComplaintForm()
    form.business_id.choices = [(b.id, f"{b.name} ({b.number})") for b in businesses_of(current_user)]
    form.association_id.choices = [("", _("Not through an association"))] + [
        (str(a.id), a.name_kk) for a in services.coverable_associations(current_user)]
    if request.method == "GET":
        form.submission_token.data = secrets.token_urlsafe(24)
    return form


def _filing(form: ComplaintForm) -> services.Filing:
    """The form's fields of :class:`services.Filing`'s names (the form declares one for each)."""
    values = {field.name: form[field.name].data for field in fields(services.Filing)}
    values["association_id"] = int(values["association_id"] or 0) or None
    values["submission_token"] = values["submission_token"] or ""
    return services.Filing(**values)


@bp.route("/complaints/new", methods=["GET", "POST"])
@roles(Role.ENTREPRENEUR)
@upload_limit("PBI_EVIDENCE_MAX_TOTAL_BYTES")
def new():
    form = _filing_form()
    if not form.business_id.choices:
        flash(_("Register your business first: a complaint is filed on behalf of a business."), "info")
        return redirect(url_for("businesses.business_new", next=url_for("complaints.new")))
    if form.validate_on_submit():
        if not form.submission_token.data:
            abort(400)
        try:
            complaint, created = services.file_complaint(current_user, _filing(form), uploads_from("evidence"))
        except services.EvidenceRejected as exc:
            form.evidence.errors.append(refusals.evidence_problem(exc))
        except services.InvalidFiling as exc:
            form.form_errors.append(refusals.filing_problem(exc))
        else:
            complaint_id, number = complaint.id, complaint.number
            transactions.commit()  # filed and durable first; the talon is issued after the commit
            if created:
                flash(_("Your complaint %(number)s has been registered. Download the talon: it proves that "
                        "the department received it.", number=number), "success")
            return redirect(url_for("complaints.detail", complaint_id=complaint_id))
    return render_template("complaints/new.html", form=form), 400 if form.errors or form.form_errors else 200


@bp.route("/complaints")
@roles(Role.ENTREPRENEUR)
def index():
    return render_template("complaints/index.html", complaints=queries.complaints_of(current_user))


PORTAL_CASE_FORMS = {"message_form": MessageForm, "answer_form": AnswerForm, "appeal_form": AppealForm}


def _case_page(complaint, status: int = 200, problem: str | None = None, **bound):
    """The complainant's case page, with ``bound`` forms (a refused submission's) in place of empty ones."""
    actions = workflow.available(current_user, complaint)
    appeal_until = case_actions.appeal_deadline(complaint) if "appeal" in actions else None
    forms = {name: bound.get(name) or form_class(formdata=None) for name, form_class in PORTAL_CASE_FORMS.items()}
    for name, form in forms.items():  # the forms share field names: each id names its form
        for field in form:
            if field.type != "CSRFTokenField":
                field.id = f"{name.removesuffix('_form')}-{field.name}"
                field.label.field_id = field.id
    events = queries.events(complaint.id)
    return render_template(
        "complaints/detail.html", complaint=queries.case_view(complaint),
        effective_due=clock.of(complaint), extras=case_page.extras(complaint.status, complaint.appealed_at, events),
        events=events, messages=queries.messages(complaint.id, include_internal=False),
        evidence=queries.evidence(complaint.id), documents=queries.documents_of(complaint.id),
        association=queries.association_name(complaint.association_id), actions=actions,
        appeal_until=appeal_until, problem=problem, refused=next(iter(bound), None), **forms,
    ), status


@bp.route("/complaints/<int:complaint_id>")
@roles(Role.ENTREPRENEUR)
def detail(complaint_id: int):
    return _case_page(_complaint(complaint_id))


def _run(complaint_id: int, name: str, form, operation, success: str, *, confirm=None) -> Response:
    """Validate ``form`` and run one operation; refused, the case page comes back with what was typed."""
    complaint = _complaint(complaint_id)
    if not form.validate_on_submit():
        return _case_page(complaint, 400, _("Nothing was sent: correct the marked fields."), **{name: form})
    if confirm is not None and not confirmation.confirmed(form) and confirmation.wants_to_edit():
        return _case_page(complaint, 200, **{name: form})
    try:
        if confirm is not None and not confirmation.confirmed(form):
            return confirm(complaint, form)  # it checks that the action is possible now
        operation(complaint)
    except (services.ComplaintError, workflow.WorkflowError) as exc:
        transactions.rollback()
        complaint = _complaint(complaint_id)
        status = 400 if refusals.place(form, exc) else 409
        return _case_page(complaint, status, refusals.problem_of(exc), **{name: form})
    transactions.commit()
    flash(success(complaint) if callable(success) else success, "success")
    return redirect(url_for("complaints.detail", complaint_id=complaint_id))


@bp.route("/complaints/<int:complaint_id>/messages", methods=["POST"])
@roles(Role.ENTREPRENEUR)
@upload_limit("PBI_EVIDENCE_MAX_FILE_BYTES")
def post_message(complaint_id: int):
    form = MessageForm()
    return _run(complaint_id, "message_form", form, lambda c: services.post_message(
        current_user, c, form.body.data, uploads_from("attachment"), staff=False),
        _("Your message has been sent to the department."))


@bp.route("/complaints/<int:complaint_id>/info", methods=["POST"])
@roles(Role.ENTREPRENEUR)
@upload_limit("PBI_EVIDENCE_MAX_FILE_BYTES")
def provide_info(complaint_id: int):
    form = AnswerForm()
    return _run(complaint_id, "answer_form", form, lambda c: case_actions.provide_info(
        current_user, c, form.comment.data, uploads_from("attachment")),
        _("Your answer has been sent to the officer; the consideration of your complaint continues."))


def _appeal_confirmation(complaint, form) -> str:
    workflow.check(current_user, complaint, "appeal")  # once and in time: checked when confirmed
    return confirmation.page(form, confirmation.Confirmation(
        title=_("Appeal the decision?"),
        consequence=_("A decision may be appealed only once; a supervisor will reconsider the case."),
        button=_("Send the appeal"), facts=[(form.comment.label.text, form.comment.data)],
        action_url=url_for("complaints.appeal", complaint_id=complaint.id),
        back_url=url_for("complaints.detail", complaint_id=complaint.id)))


@bp.route("/complaints/<int:complaint_id>/appeal", methods=["POST"])
@roles(Role.ENTREPRENEUR)
def appeal(complaint_id: int):
    form = AppealForm()
    return _run(complaint_id, "appeal_form", form, lambda c: case_actions.appeal(current_user, c, form.comment.data),
                _appeal_filed, confirm=_appeal_confirmation)


def _appeal_filed(complaint) -> str:
    return _("Your appeal has been filed. A supervisor will take it up and consider it by %(date)s.",
             date=local_date(case_page.appeal_due(complaint.appealed_at)))


def document_pdf(complaint, document_id: int) -> Response:
    """A talon or decision letter of this complaint, issuing it now if an earlier attempt failed."""
    document = db.session.get(Document, document_id)
    if document is None or document.subject_type != "complaint" or document.subject_id != complaint.id:
        abort(404)
    document = documents.produce(document.id)
    response = Response(documents.pdf_bytes(document), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{document.number}.pdf"'
    return response


@bp.route("/complaints/<int:complaint_id>/talon.pdf")
@roles(Role.ENTREPRENEUR)
def talon(complaint_id: int):
    complaint = _complaint(complaint_id)
    return document_pdf(complaint, complaint.talon_document_id)


@bp.route("/complaints/<int:complaint_id>/documents/<int:document_id>.pdf")
@roles(Role.ENTREPRENEUR)
def document(complaint_id: int, document_id: int):
    return document_pdf(_complaint(complaint_id), document_id)


@bp.route("/complaints/<int:complaint_id>/evidence/<int:evidence_id>")
@roles(Role.ENTREPRENEUR)
def evidence(complaint_id: int, evidence_id: int):
    complaint = _complaint(complaint_id)
    try:
        data, item = services.evidence_file(current_user, complaint, evidence_id, staff=False)
    except services.NotFound:
        abort(404)
    return attachment(data, item.kind, f"{complaint.number}-evidence-{item.id}")


@bp.route("/associations/<int:association_id>/complaints")
@roles(Role.ENTREPRENEUR)
def covered(association_id: int):
    if not agreements.is_representative(current_user, association_id):
        abort(404)
    return render_template("complaints/covered.html", rows=queries.covered_for_association(association_id),
                           association=queries.association_name(association_id))
