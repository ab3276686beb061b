"""Staff pages for agreements: authority checks, signature acceptance, countersigning."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import transactions
from app.accounts.forms import ConfirmForm
from app.accounts.guards import STAFF, roles
from app.accounts.models import Role
from app.agreements import messages, queries, rendering, services, trust
from app.agreements.forms import AuthorityDecisionForm, CommentForm, TrustAnchorForm
from app.agreements.models import AuthorityProof
from app.agreements.views import final_pdf, pdf_response
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


@bp.route("/agreements/<int:agreement_id>")
@roles(*STAFF)
def detail(agreement_id: int):
    agreement = _agreement(agreement_id)
    return render_template(
        "agreements/staff_detail.html", agreement=queries.agreement_view(agreement),
        events=queries.events(agreement_id), confirm=ConfirmForm(), comment_form=CommentForm(),
        can_decide=Role(current_user.role) in SUPERVISORS,
        actions=services.allowed_actions(agreement.status),
    )


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


@bp.route("/agreements/<int:agreement_id>/accept-signature", methods=["POST"])
@roles(*STAFF)
def accept_signature(agreement_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return _run(agreement_id, lambda: services.accept_untrusted_signature(agreement_id, current_user),
                _("The signature certificate has been accepted."))


def _with_reason(agreement_id: int, operation, success: str):
    """Run ``operation(agreement_id, actor, reason)``; an empty reason is the service's to refuse."""
    form = CommentForm()
    reason = form.comment.data if form.validate_on_submit() else ""
    return _run(agreement_id, lambda: operation(agreement_id, current_user, reason), success)


@bp.route("/agreements/<int:agreement_id>/return", methods=["POST"])
@roles(*SUPERVISORS)
def return_to_draft(agreement_id: int):
    return _with_reason(agreement_id, services.return_to_draft,
                        _("The agreement has been returned to the association."))


@bp.route("/agreements/<int:agreement_id>/terminate", methods=["POST"])
@roles(*SUPERVISORS)
def terminate(agreement_id: int):
    return _with_reason(agreement_id, services.terminate, _("The agreement has been terminated."))


@bp.route("/agreements/<int:agreement_id>/countersign", methods=["POST"])
@roles(*SUPERVISORS)
def countersign(agreement_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
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


@bp.route("/authority")
@roles(*STAFF)
def proofs():
    return render_template("agreements/staff_proofs.html", proofs=queries.proofs(pending_only=False),
                           form=AuthorityDecisionForm())


@bp.route("/authority/<int:proof_id>/file")
@roles(*STAFF)
def proof_file(proof_id: int):
    proof = db.session.get(AuthorityProof, proof_id)
    if proof is None:
        abort(404)
    mimetype, extension = KINDS[proof.file_type]
    response = Response(file_store().get(proof.file_sha256), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="authority-{proof_id}.{extension}"'
    return response


@bp.route("/authority/<int:proof_id>/decision", methods=["POST"])
@roles(*STAFF)
def proof_decide(proof_id: int):
    form = AuthorityDecisionForm()
    if not form.validate_on_submit():
        flash(_("Choose a decision."), "error")
        return redirect(url_for("agreement_review.proofs"))
    try:
        services.decide_authority_proof(current_user, proof_id, accept=form.decision.data == "accept",
                                        reason=form.reason.data)
    except services.NotFound:
        abort(404)
    except services.AgreementError as exc:
        transactions.rollback()
        flash(messages.staff_problem(exc), "error")
        return redirect(url_for("agreement_review.proofs"))
    transactions.commit()
    flash(_("The decision has been recorded."), "success")
    return redirect(url_for("agreement_review.proofs"))


@bp.route("/trust-anchors", methods=["GET", "POST"])
@roles(Role.ADMIN)
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
            form.certificate.errors.append(_("The file must hold one or more PEM certificates of a CA."))
        else:
            transactions.commit()
            flash(_("Certificates added: %(count)d.", count=sum(1 for *_rest, new in added if new)), "success")
            return redirect(url_for("agreement_review.trust_anchors"))
    return render_template("agreements/trust_anchors.html", anchors=trust.anchors(), form=form,
                           confirm=ConfirmForm()), 400 if form.errors else 200


@bp.route("/trust-anchors/<int:anchor_id>/remove", methods=["POST"])
@roles(Role.ADMIN)
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
