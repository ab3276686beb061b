"""Staff pages for agreements: authority checks, signature acceptance, countersigning."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import confirmation, transactions
from app.accounts.forms import ConfirmForm
from app.accounts.guards import STAFF, roles
from app.accounts.models import Role
from app.accounts.step_up import step_up_required
from app.agreements import messages, nca, queries, rendering, services, trust
from app.agreements.forms import (
    AuthorityDecisionForm,
    CountersignForm,
    CrlImportForm,
    ReturnForm,
    TerminateForm,
    TrustAnchorForm,
)
from app.agreements.models import AuthorityProof
from app.agreements.views import final_pdf, pdf_response
from app.audit import reads
from app.documents import services as documents
from app.documents.runtime import file_store
from app.extensions import db
from app.uploads import KINDS, read_limited

bp = Blueprint("agreement_review", __name__, url_prefix="/staff")

SUPERVISORS = (Role.SUPERVISOR, Role.ADMIN)


def _agreement(agreement_id: int):
    try:
        return services.get_agreement(agreement_id)
    except services.NotFound:
        abort(404)


def _back(agreement_id: int):
    return redirect(url_for("agreement_review.detail", agreement_id=agreement_id))


@bp.route("/agreements")
@roles(*STAFF)
def agreements():
    status = request.args.get("status") or None
    return render_template("agreements/staff_list.html", rows=queries.staff_list(status),
                           counts=queries.status_counts(), status=status)


AGREEMENT_FORMS = {"return_form": ReturnForm, "terminate_form": TerminateForm, "countersign_form": CountersignForm}


def _detail_page(agreement, status: int = 200, problem: str | None = None, **bound):
    """The staff agreement page, with ``bound`` forms (a refused submission's) in place of empty ones."""
    forms = {name: bound.get(name) or form_class(formdata=None) for name, form_class in AGREEMENT_FORMS.items()}
    for name, form in forms.items():  # the two reason forms share the field name "comment"
        for field in form:
            if field.type != "CSRFTokenField":
                field.id = f"{name.removesuffix('_form')}-{field.name}"
                field.label.field_id = field.id
    return render_template(
        "agreements/staff_detail.html", agreement=queries.agreement_view(agreement),
        events=queries.events(agreement.id), confirm=ConfirmForm(formdata=None), problem=problem,
        can_decide=Role(current_user.role) in SUPERVISORS,
        actions=services.allowed_actions(agreement.status), nca_signer=nca.signer_of(agreement.id),
        nca_role_label=messages.nca_role_label, **forms,
    ), status


@bp.route("/agreements/<int:agreement_id>")
@roles(*STAFF)
def detail(agreement_id: int):
    return _detail_page(_agreement(agreement_id))


def _run(agreement_id: int, operation, success: str):
    try:
        operation()
    except services.AgreementError as exc:
        transactions.rollback()
        flash(messages.staff_problem(exc), "error")
        return _back(agreement_id)
    transactions.commit()
    flash(success, "success")
    return _back(agreement_id)


def _refused(agreement_id: int, name: str, form, error: services.AgreementError | None = None):
    """Nothing is saved; the page comes back with what was typed and the problem beside its field."""
    transactions.rollback()
    agreement = _agreement(agreement_id)
    if error is None:
        return _detail_page(agreement, 400, _("The action was not done: correct the marked fields."), **{name: form})
    problem = messages.staff_problem(error)
    if isinstance(error, services.ReasonRequired) and "comment" in form:
        form.comment.errors = [*form.comment.errors, problem]
        return _detail_page(agreement, 400, problem, **{name: form})
    return _detail_page(agreement, 403 if isinstance(error, services.NotAllowed) else 409, problem, **{name: form})


def _confirmation_page(agreement, form, title: str, consequence: str, button: str, facts) -> str:
    endpoint = request.endpoint.rsplit(".", 1)[-1]
    return confirmation.page(form, confirmation.Confirmation(
        title=title, consequence=consequence, button=button, facts=facts,
        action_url=url_for(f"agreement_review.{endpoint}", agreement_id=agreement.id),
        back_url=url_for("agreement_review.detail", agreement_id=agreement.id)))


@bp.route("/agreements/<int:agreement_id>/accept-signature", methods=["POST"])
@roles(*STAFF)
def accept_signature(agreement_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return _run(agreement_id, lambda: services.accept_untrusted_signature(agreement_id, current_user),
                _("The signature certificate has been accepted."))


def _with_reason(agreement_id: int, name: str, form, operation, success: str, confirm=None):
    """Run ``operation(agreement_id, actor, reason)``; refused, the reason typed stays in the form.

    ``confirm(agreement, form)`` — for an irreversible action, the confirmation page shown
    until it sends ``confirmed`` (app.confirmation).
    """
    agreement = _agreement(agreement_id)
    if not form.validate_on_submit():
        return _refused(agreement_id, name, form)
    if confirm is not None and not confirmation.confirmed(form):
        if confirmation.wants_to_edit():
            return _detail_page(agreement, 200, **{name: form})
        if "terminate" not in services.allowed_actions(agreement.status):
            return _refused(agreement_id, name, form, services.IllegalTransition("terminate", agreement.status))
        return confirm(agreement, form)
    try:
        operation(agreement_id, current_user, form.comment.data)
    except services.AgreementError as exc:
        return _refused(agreement_id, name, form, exc)
    transactions.commit()
    flash(success, "success")
    return _back(agreement_id)


@bp.route("/agreements/<int:agreement_id>/return", methods=["POST"])
@roles(*SUPERVISORS)
def return_to_draft(agreement_id: int):
    return _with_reason(agreement_id, "return_form", ReturnForm(), services.return_to_draft,
                        _("The agreement has been returned to the association."))


@bp.route("/agreements/<int:agreement_id>/terminate", methods=["POST"])
@roles(*SUPERVISORS)
def terminate(agreement_id: int):
    return _with_reason(
        agreement_id, "terminate_form", TerminateForm(), services.terminate, _("The agreement has been terminated."),
        confirm=lambda agreement, form: _confirmation_page(
            agreement, form, _("Terminate the agreement?"),
            _("The agreement will no longer be in force and the public registry will show it as terminated."),
            _("Terminate the agreement"), [(form.comment.label.text, form.comment.data)]))


@bp.route("/agreements/<int:agreement_id>/countersign", methods=["POST"])
@roles(*SUPERVISORS)
@step_up_required(back=lambda agreement_id: url_for("agreement_review.detail", agreement_id=agreement_id))
def countersign(agreement_id: int):
    form = CountersignForm()
    if not form.validate_on_submit():
        abort(400)
    if not confirmation.confirmed(form):
        agreement = _agreement(agreement_id)
        if "countersign" not in services.allowed_actions(agreement.status):
            return _refused(agreement_id, "countersign_form", form,
                            services.IllegalTransition("countersign", agreement.status))
        return _confirmation_page(
            agreement, form, _("Countersign the agreement?"),
            _("The agreement will be numbered, signed by the department and put into force; the public registry "
              "will show it."), _("Countersign and put into force"), [])
    try:
        agreement = services.countersign(agreement_id, current_user)
    except services.AgreementError as exc:
        transactions.rollback()
        flash(messages.staff_problem(exc), "error")
        return _back(agreement_id)
    document_id = agreement.document_id
    transactions.commit()  # in force and numbered first; the PDF is issued after the commit
    if documents.is_issued(document_id):
        flash(_("The agreement is in force. The signed document has been issued."), "success")
    else:
        flash(_("The agreement is in force. Its signed document could not be made just now; it will be "
                "made when it is first downloaded."), "warning")
    return _back(agreement_id)


@bp.route("/agreements/<int:agreement_id>/draft.pdf")
@roles(*STAFF)
def draft_pdf(agreement_id: int):
    _agreement(agreement_id)
    return pdf_response(services.ensure_draft_pdf(agreement_id, rendering.draft_html),
                        f"agreement-draft-{agreement_id}.pdf")


@bp.route("/agreements/<int:agreement_id>/agreement.pdf")
@roles(*STAFF)
def agreement_pdf(agreement_id: int):
    agreement = _agreement(agreement_id)
    return pdf_response(final_pdf(agreement), f"{agreement.number}.pdf")


@bp.route("/agreements/<int:agreement_id>/signature.p7s")
@roles(*STAFF)
def signature_file(agreement_id: int):
    agreement = _agreement(agreement_id)
    if not agreement.cms_signature_sha256:
        abort(404)
    response = Response(file_store().get(agreement.cms_signature_sha256), mimetype="application/pkcs7-signature")
    response.headers["Content-Disposition"] = f'attachment; filename="agreement-{agreement_id}.p7s"'
    return response


def _proofs_page(status: int = 200, form=None, proof_id: int | None = None, problem: str | None = None):
    """The authority checks; a refused decision comes back in its own row with what was typed."""
    return render_template("agreements/staff_proofs.html", proofs=queries.proofs(pending_only=False),
                           form=form or AuthorityDecisionForm(formdata=None), bound_proof_id=proof_id,
                           problem=problem), status


@bp.route("/authority")
@roles(*STAFF)
def proofs():
    return _proofs_page()


@bp.route("/authority/<int:proof_id>/file")
@roles(*STAFF)
def proof_file(proof_id: int):
    proof = db.session.get(AuthorityProof, proof_id)
    if proof is None:
        abort(404)
    reads.authority_proof(current_user, proof)
    transactions.commit()  # the read is in the audit log before the file leaves
    mimetype, extension = KINDS[proof.file_type]
    response = Response(file_store().get(proof.file_sha256), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="authority-{proof_id}.{extension}"'
    return response


@bp.route("/authority/<int:proof_id>/decision", methods=["POST"])
@roles(*STAFF)
def proof_decide(proof_id: int):
    form = AuthorityDecisionForm()
    if not form.validate_on_submit():
        return _proofs_page(400, form, proof_id, _("The decision was not recorded: correct the marked fields."))
    try:
        services.decide_authority_proof(current_user, proof_id, accept=form.decision.data == "accept",
                                        reason=form.reason.data)
    except services.NotFound:
        abort(404)
    except services.AgreementError as exc:
        transactions.rollback()
        problem = messages.staff_problem(exc)
        if isinstance(exc, services.ReasonRequired):
            form.reason.errors = [*form.reason.errors, problem]
        return _proofs_page(400 if isinstance(exc, services.ReasonRequired) else 409, form, proof_id, problem)
    transactions.commit()
    flash(_("The decision has been recorded."), "success")
    return redirect(url_for("agreement_review.proofs"))


@bp.route("/trust-anchors", methods=["GET", "POST"])
@roles(Role.ADMIN)
@step_up_required(back=lambda: url_for("agreement_review.trust_anchors"))  # adding keys (POST) only
def trust_anchors():
    form = TrustAnchorForm()
    if form.validate_on_submit():
        data = read_limited(form.certificate.data.stream, 1024 * 1024)
        try:
            if data is None:
                raise trust.InvalidCertificate("too large")
            added = trust.add_anchors(data, admin=current_user)
        except trust.InvalidCertificate:
            transactions.rollback()
            form.certificate.errors.append(_("The file must hold one or more certificates of a CA, in PEM or DER."))
        else:
            transactions.commit()
            flash(_("Certificates added: %(count)d.", count=sum(1 for *_rest, new in added if new)), "success")
            return redirect(url_for("agreement_review.trust_anchors"))
    return _trust_page(form, CrlImportForm(formdata=None))


def _trust_page(form, crl_form):
    status = 400 if form.errors or crl_form.errors else 200
    return render_template("agreements/trust_anchors.html", anchors=trust.anchors(), form=form, crl_form=crl_form,
                           crls=nca.revocation_lists(), confirm=ConfirmForm()), status


@bp.route("/trust-anchors/crl", methods=["POST"])
@roles(Role.ADMIN)
@step_up_required(back=lambda: url_for("agreement_review.trust_anchors"))
def trust_crl_import():
    crl_form = CrlImportForm()
    if crl_form.validate_on_submit():
        data = read_limited(crl_form.crl.data.stream, nca.MAX_CRL_BYTES)
        try:
            if data is None:
                raise nca.InvalidCrl("malformed", "too large")
            view, added = nca.import_crl(data, admin=current_user)
        except nca.InvalidCrl as exc:
            transactions.rollback()
            crl_form.crl.errors.append(messages.crl_problem(exc))
        else:
            transactions.commit()
            if view.stale:
                flash(_("The list was imported, but it is past its next update: revocation cannot be checked "
                        "with it. Import the current list."), "error")
            else:
                flash(_("The revocation list has been imported.") if added
                      else _("This revocation list was already imported."), "success")
            return redirect(url_for("agreement_review.trust_anchors"))
    return _trust_page(TrustAnchorForm(formdata=None), crl_form)


@bp.route("/trust-anchors/<int:anchor_id>/remove", methods=["POST"])
@roles(Role.ADMIN)
@step_up_required(back=lambda anchor_id: url_for("agreement_review.trust_anchors"))
def trust_anchor_remove(anchor_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        trust.remove_anchor(anchor_id, admin=current_user)
    except services.NotFound:
        abort(404)
    transactions.commit()
    flash(_("The certificate is no longer trusted."), "success")
    return redirect(url_for("agreement_review.trust_anchors"))
