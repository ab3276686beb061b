"""Portal pages of complaints: filing, the case page, messages, appeal, downloads."""

from __future__ import annotations

import secrets

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import transactions
from app.accounts.guards import roles
from app.accounts.models import Role
from app.agreements import services as agreements
from app.businesses.services import businesses_of
from app.complaints import casework, clock, messages, queries, services, workflow
from app.complaints.forms import AnswerForm, ComplaintForm, MessageForm, ReasonForm
from app.complaints.web import attachment, upload_limit, uploads_from
from app.documents import services as documents
from app.documents.models import Document
from app.extensions import db

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
    return services.Filing(
        business_id=form.business_id.data, association_id=int(form.association_id.data or 0) or None,
        association_may_follow=form.association_may_follow.data, pressure_type=form.pressure_type.data,
        body_category=form.body_category.data, body_name=form.body_name.data,
        official_name=form.official_name.data, official_position=form.official_position.data,
        incident_date=form.incident_date.data, incident_district=form.incident_district.data,
        description=form.description.data, amount_demanded=form.amount_demanded.data,
        keep_identity_confidential=form.keep_identity_confidential.data, consent=form.consent.data,
        submission_token=form.submission_token.data or "",
    )


@bp.route("/complaints/new", methods=["GET", "POST"])
@roles(Role.ENTREPRENEUR)
@upload_limit("PBI_EVIDENCE_MAX_TOTAL_BYTES")
def new():
    form = _filing_form()
    if not form.business_id.choices:
        flash(_("Register your business first: a complaint is filed on behalf of a business."), "info")
        return redirect(url_for("businesses.business_new"))
    if form.validate_on_submit():
        if not form.submission_token.data:
            abort(400)
        try:
            complaint, created = services.file_complaint(current_user, _filing(form), uploads_from("evidence"))
        except services.EvidenceRejected as exc:
            form.evidence.errors.append(messages.evidence_problem(exc))
        except services.InvalidFiling as exc:
            form.form_errors.append(messages.filing_problem(exc))
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


@bp.route("/complaints/<int:complaint_id>")
@roles(Role.ENTREPRENEUR)
def detail(complaint_id: int):
    complaint = _complaint(complaint_id)
    actions = workflow.available(current_user, complaint)
    appeal_until = casework.appeal_deadline(complaint) if "appeal" in actions else None
    return render_template(
        "complaints/detail.html", complaint=queries.case_view(complaint),
        effective_due=clock.of(complaint),
        events=queries.events(complaint.id), messages=queries.messages(complaint.id, include_internal=False),
        evidence=queries.evidence(complaint.id), documents=queries.documents_of(complaint.id),
        association=queries.association_name(complaint.association_id), actions=actions,
        appeal_until=appeal_until, message_form=MessageForm(), answer_form=AnswerForm(), appeal_form=ReasonForm(),
    )


def _run(complaint_id: int, operation) -> Response:
    try:
        operation()
    except (services.ComplaintError, workflow.WorkflowError) as exc:
        transactions.rollback()
        flash(messages.casework_problem(exc), "error")
    else:
        transactions.commit()
        flash(_("Sent."), "success")
    return redirect(url_for("complaints.detail", complaint_id=complaint_id))


@bp.route("/complaints/<int:complaint_id>/messages", methods=["POST"])
@roles(Role.ENTREPRENEUR)
@upload_limit("PBI_EVIDENCE_MAX_FILE_BYTES")
def post_message(complaint_id: int):
    complaint = _complaint(complaint_id)
    form = MessageForm()
    if not form.validate_on_submit():
        flash(_("Write a message."), "error")
        return redirect(url_for("complaints.detail", complaint_id=complaint_id))
    return _run(complaint_id, lambda: services.post_message(
        current_user, complaint, form.body.data, uploads_from("attachment"), staff=False))


@bp.route("/complaints/<int:complaint_id>/info", methods=["POST"])
@roles(Role.ENTREPRENEUR)
@upload_limit("PBI_EVIDENCE_MAX_FILE_BYTES")
def provide_info(complaint_id: int):
    complaint = _complaint(complaint_id)
    form = AnswerForm()
    answer = form.comment.data if form.validate_on_submit() else ""
    return _run(complaint_id, lambda: casework.provide_info(current_user, complaint, answer,
                                                            uploads_from("attachment")))


@bp.route("/complaints/<int:complaint_id>/appeal", methods=["POST"])
@roles(Role.ENTREPRENEUR)
def appeal(complaint_id: int):
    complaint = _complaint(complaint_id)
    form = ReasonForm()
    reason = form.comment.data if form.validate_on_submit() else ""
    return _run(complaint_id, lambda: casework.appeal(current_user, complaint, reason))


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
