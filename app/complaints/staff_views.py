"""The review interface: dashboard, queue, case view and the department's actions."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import confirmation, transactions
from app.accounts.forms import ConfirmForm
from app.accounts.guards import STAFF, roles
from app.accounts.step_up import step_up_required
from app.audit import reads
from app.businesses.models import Business
from app.businesses.reference import district_choices
from app.complaints import (
    case_actions,
    clock,
    contacts,
    letter_preview,
    queries,
    queue_filters,
    reference,
    refusals,
    services,
    staff_wording,
    workflow,
)
from app.complaints.forms import (
    AssignForm,
    ExtendForm,
    ForwardForm,
    MessageForm,
    NoteForm,
    RejectForm,
    RequestInfoForm,
    ResolveForm,
)
from app.complaints.reference import BODY_CATEGORIES, PRESSURE_TYPES, STATUSES
from app.complaints.views import document_pdf
from app.complaints.web import attachment, upload_limit, uploads_from
from app.database import COUNT_CAP
from app.documents.models import Document
from app.extensions import db
from app.inputs import page_number
from app.reporting import patterns
from app.timeutil import local_today

bp = Blueprint("review", __name__, url_prefix="/staff")
bp.record_once(lambda state: staff_wording.register(state.app))


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


@bp.route("/complaints")
@roles(*STAFF)
def queue():
    filters = queue_filters.from_request(current_user)
    result = queries.queue(filters, window=_window(), page=page_number())
    if filters.query.strip():  # a search reads the complaints' texts: audited with what it showed
        reads.search(current_user, filters.query, page=result.page, matches=result.total, capped=result.capped,
                     shown=[row.number for row in result.rows])
        transactions.commit()
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template(
        "complaints/staff_queue.html", result=result, args=args, officers=queries.officers(), statuses=list(STATUSES),
        districts=district_choices(), pressure_types=[(code, str(name)) for code, name in PRESSURE_TYPES.items()],
        body_categories=[(code, str(name)) for code, name in BODY_CATEGORIES.items()],
    )


# The case page's forms by their template names; a refused submission's bound form replaces its empty one.
CASE_FORMS = {
    "assign_form": AssignForm, "request_form": RequestInfoForm, "forward_form": ForwardForm,
    "resolve_form": ResolveForm, "reject_form": RejectForm, "extend_form": ExtendForm, "note_form": NoteForm,
    "message_form": MessageForm,
}


def _distinct_ids(forms: dict) -> None:
    """Several forms share field names ("comment"): each field's id (and its label's) names its form."""
    for name, form in forms.items():
        prefix = name.removesuffix("_form").replace("_", "-")
        for field in form:
            if field.type != "CSRFTokenField":
                field.id = f"{prefix}-{field.name.replace('_', '-')}"
                field.label.field_id = field.id


def _case_page(complaint, status: int = 200, problem: str | None = None, **bound):
    """The case page, with ``bound`` forms (what was typed, and its errors) in place of empty ones.

    The read is audited (with whether the complainant's contacts were shown) and committed
    before the page is shown: the request's one commit point.
    """
    reachable = contacts.for_reader(current_user, complaint)
    reads.case(current_user, complaint, "case", **({"contacts": True} if reachable else {}))
    transactions.commit()
    forms = {name: bound.get(name) or form_class(formdata=None) for name, form_class in CASE_FORMS.items()}
    forms["assign_form"].officer_id.choices = queries.officers()
    _distinct_ids(forms)
    business = db.session.get(Business, complaint.business_id)
    due = clock.of(complaint)
    return render_template(
        "complaints/staff_detail.html", complaint=queries.case_view(complaint), business_name=business.name,
        business_number=business.number, effective_due=due, overdue=_window().overdue(complaint.status, due),
        events=queries.events(complaint.id), messages=queries.messages(complaint.id, include_internal=True),
        evidence=queries.evidence(complaint.id), documents=queries.documents_of(complaint.id),
        association=queries.association_name(complaint.association_id), contacts=reachable, problem=problem,
        refused=next(iter(bound), None), others=patterns.others(complaint),
        actions=workflow.available(current_user, complaint), confirm=ConfirmForm(formdata=None), **forms,
    ), status


@bp.route("/complaints/<int:complaint_id>")
@roles(*STAFF)
def detail(complaint_id: int):
    return _case_page(_complaint(complaint_id))


def _refused(complaint_id: int, name: str, form, error: Exception | None = None):
    """Nothing is saved; the case page comes back with what was typed and the problem beside its field."""
    transactions.rollback()
    complaint = _complaint(complaint_id)
    status, problem = 400, _("The action was not done: correct the marked fields.")
    if error is not None:
        problem = refusals.problem_of(error)  # also above the page: the form may no longer be offered
        if not refusals.place(form, error):
            status = 403 if isinstance(error, workflow.NotPermitted) else 409
    return _case_page(complaint, status, problem, **{name: form})


def _act(complaint_id: int, name: str, form, operation, success: str, *, confirm=None):
    """Validate ``form``, run one case operation and commit (a decision letter it reserved is issued after).

    ``confirm`` — ``(action, build)`` for an irreversible action: until the confirmation page
    sends ``confirmed``, ``build(complaint, form)`` gives that page and nothing is done
    (app.confirmation).
    """
    complaint = _complaint(complaint_id)
    if form is not None and not form.validate_on_submit():
        return _refused(complaint_id, name, form)
    if confirm is not None and not confirmation.confirmed(form):
        if confirmation.wants_to_edit():
            return _case_page(complaint, 200, **{name: form})
        action, build = confirm
        try:
            workflow.check(current_user, complaint, action)
        except workflow.WorkflowError as exc:
            return _refused(complaint_id, name, form, exc)
        page = build(complaint, form)
        reads.case(current_user, complaint, "confirmation", action=action)  # it repeats the case's content
        transactions.commit()
        return page
    try:
        operation(complaint)
    except (services.ComplaintError, workflow.WorkflowError) as exc:
        if form is not None:
            return _refused(complaint_id, name, form, exc)
        transactions.rollback()  # a button with nothing typed: the problem is said on the case page
        flash(refusals.problem_of(exc), "error")
        return redirect(url_for("review.detail", complaint_id=complaint_id))
    transactions.commit()
    flash(success, "success")
    return redirect(url_for("review.detail", complaint_id=complaint_id))


def _confirmation(complaint, form, action: str, title: str, consequence: str, button: str, facts, detail=None):
    preview = letter_preview.decision_letter(current_user, complaint, action, form.comment.data, detail)
    return confirmation.page(form, confirmation.Confirmation(
        title=title, consequence=consequence, button=button, facts=facts, preview=preview,
        action_url=url_for(f"review.{request.endpoint.rsplit('.', 1)[-1]}", complaint_id=complaint.id),
        back_url=url_for("review.detail", complaint_id=complaint.id)))


@bp.route("/complaints/<int:complaint_id>/take", methods=["POST"])
@roles(*STAFF)
def take(complaint_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return _act(complaint_id, "", None, lambda c: case_actions.take(current_user, c), _("You have taken the case."))


@bp.route("/complaints/<int:complaint_id>/assign", methods=["POST"])
@roles(*STAFF)
def assign(complaint_id: int):
    form = AssignForm()
    form.officer_id.choices = queries.officers()
    return _act(complaint_id, "assign_form", form, lambda c: case_actions.assign(current_user, c, form.officer_id.data),
                _("The case has been assigned."))


@bp.route("/complaints/<int:complaint_id>/start", methods=["POST"])
@roles(*STAFF)
def start_review(complaint_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return _act(complaint_id, "", None, lambda c: case_actions.start_review(current_user, c),
                _("Consideration has started."))


@bp.route("/complaints/<int:complaint_id>/request-info", methods=["POST"])
@roles(*STAFF)
def request_info(complaint_id: int):
    form = RequestInfoForm()
    return _act(complaint_id, "request_form", form,
                lambda c: case_actions.request_info(current_user, c, form.comment.data),
                _("The request has been sent to the complainant."))


@bp.route("/complaints/<int:complaint_id>/forward", methods=["POST"])
@roles(*STAFF)
def forward(complaint_id: int):
    form = ForwardForm()
    return _act(
        complaint_id, "forward_form", form,
        lambda c: case_actions.forward(current_user, c, form.body_name.data, form.comment.data),
        _("The complaint has been forwarded; the decision letter has been issued."),
        confirm=("forward", lambda c, f: _confirmation(
            c, f, "forward", _("Forward the complaint to the competent body?"),
            _("The complaint will be forwarded and the complainant will receive a signed decision letter."),
            _("Forward"), [(f.body_name.label.text, f.body_name.data), (f.comment.label.text, f.comment.data)],
            detail=f.body_name.data)))


@bp.route("/complaints/<int:complaint_id>/resolve", methods=["POST"])
@roles(*STAFF)
def resolve(complaint_id: int):
    form = ResolveForm()
    return _act(
        complaint_id, "resolve_form", form,
        lambda c: case_actions.resolve(current_user, c, form.outcome.data, form.comment.data),
        _("The decision has been made; the decision letter has been issued."),
        confirm=("resolve", lambda c, f: _confirmation(
            c, f, "resolve", _("Make this decision?"),
            _("The decision letter below will be signed and sent to the complainant."), _("Make the decision"),
            [(f.outcome.label.text, reference.label(reference.OUTCOMES, f.outcome.data)),
             (f.comment.label.text, f.comment.data)], detail=f.outcome.data)))


@bp.route("/complaints/<int:complaint_id>/reject", methods=["POST"])
@roles(*STAFF)
def reject(complaint_id: int):
    form = RejectForm()
    return _act(
        complaint_id, "reject_form", form, lambda c: case_actions.reject(current_user, c, form.comment.data),
        _("The complaint has been rejected; the decision letter has been issued."),
        confirm=("reject", lambda c, f: _confirmation(
            c, f, "reject", _("Reject the complaint as inadmissible?"),
            _("The complaint will be rejected and the complainant will receive a signed decision letter."),
            _("Reject"), [(f.comment.label.text, f.comment.data)])))


@bp.route("/complaints/<int:complaint_id>/close", methods=["POST"])
@roles(*STAFF)
def close(complaint_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return _act(complaint_id, "", None, lambda c: case_actions.close(current_user, c), _("The case has been closed."))


@bp.route("/complaints/<int:complaint_id>/review-appeal", methods=["POST"])
@roles(*STAFF)
def review_appeal(complaint_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return _act(complaint_id, "", None, lambda c: case_actions.review_appeal(current_user, c),
                _("You have taken up the appeal."))


@bp.route("/complaints/<int:complaint_id>/extend", methods=["POST"])
@roles(*STAFF)
@step_up_required(back=lambda complaint_id: url_for("review.detail", complaint_id=complaint_id))
def extend(complaint_id: int):
    form = ExtendForm()
    return _act(complaint_id, "extend_form", form,
                lambda c: case_actions.extend(current_user, c, form.until.data, form.comment.data),
                _("The period has been extended; the complainant has been told."))


@bp.route("/complaints/<int:complaint_id>/notes", methods=["POST"])
@roles(*STAFF)
def note(complaint_id: int):
    form = NoteForm()
    return _act(complaint_id, "note_form", form,
                lambda c: services.post_message(current_user, c, form.body.data, [], internal=True, staff=True),
                _("The note has been saved."))


@bp.route("/complaints/<int:complaint_id>/messages", methods=["POST"])
@roles(*STAFF)
@upload_limit("PBI_EVIDENCE_MAX_FILE_BYTES")
def message(complaint_id: int):
    form = MessageForm()
    return _act(complaint_id, "message_form", form,
                lambda c: services.post_message(current_user, c, form.body.data, uploads_from("attachment"),
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
    complaint = _complaint(complaint_id)
    try:
        reads.document(current_user, complaint, db.session.get(Document, document_id))
    except reads.NotFound:
        abort(404)
    transactions.commit()  # the read is in the audit log before the file leaves
    return document_pdf(complaint, document_id)
