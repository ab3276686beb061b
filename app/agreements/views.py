"""Agreement pages of the portal (association representatives) and the public registry."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import transactions
from app.accounts.forms import ConfirmForm
from app.accounts.guards import public, roles
from app.accounts.models import Role
from app.accounts.step_up import step_up_required
from app.agreements import messages, nca, queries, rendering, services
from app.agreements.forms import AuthorityProofForm, CmsSignForm, PasswordSignForm
from app.agreements.models import AgreementStatus
from app.businesses.services import NotFound as AssociationNotFound
from app.businesses.services import association_for
from app.documents import services as documents
from app.extensions import limiter
from app.i18n import current_locale
from app.inputs import page_number
from app.security import NCALAYER_CONTENT_SECURITY_POLICY
from app.uploads import read_limited

bp = Blueprint("agreements", __name__)


def pdf_response(data: bytes, filename: str) -> Response:
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _own_agreement(agreement_id: int):
    try:
        agreement = services.get_agreement(agreement_id)
    except services.NotFound:
        abort(404)
    if not services.is_representative(current_user, agreement.association_id):
        abort(404)
    return agreement


def _association_page(association_id: int, status: int = 200, proof_form=None, problem: str | None = None):
    try:
        association = association_for(current_user, association_id)
    except AssociationNotFound:
        abort(404)
    return render_template(
        "agreements/association_home.html", association=association,
        verified=services.authority_verified(association_id, current_user.id),
        proofs=queries.proofs(association_id=association_id),
        agreements=queries.agreements_of_association(association_id),
        proof_form=proof_form or AuthorityProofForm(formdata=None), confirm=ConfirmForm(formdata=None),
        problem=problem,
    ), status


@bp.route("/portal/associations/<int:association_id>/agreement")
@roles(Role.ENTREPRENEUR)
def association_home(association_id: int):
    return _association_page(association_id)


@bp.route("/portal/associations/<int:association_id>/authority", methods=["POST"])
@roles(Role.ENTREPRENEUR)
def authority_upload(association_id: int):
    form = AuthorityProofForm()
    if form.validate_on_submit():
        upload = form.document.data
        data = read_limited(upload.stream, current_app.config["PBI_AUTHORITY_MAX_BYTES"])
        try:
            if data is None:
                raise services.BadUpload("size")
            services.submit_authority_proof(current_user, association_id, data, upload.filename)
        except services.NotAllowed:
            abort(404)
        except services.BadUpload as exc:
            transactions.rollback()
            form.document.errors = [*form.document.errors, messages.upload_problem(exc.problem)]
        else:
            transactions.commit()
            flash(_("The document has been sent. An officer will check it."), "success")
            return redirect(url_for("agreements.association_home", association_id=association_id))
    return _association_page(association_id, 400, form, _("Nothing was sent: correct the marked fields."))


@bp.route("/portal/associations/<int:association_id>/agreements", methods=["POST"])
@roles(Role.ENTREPRENEUR)
def agreement_start(association_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        agreement = services.start_agreement(current_user, association_id)
    except services.NotAllowed:
        abort(404)
    except services.OpenAgreementExists as exc:
        flash(_("This association already has an agreement in progress or in force."), "error")
        return redirect(url_for("agreements.agreement_detail", agreement_id=exc.args[0]))
    transactions.commit()
    services.ensure_draft_pdf(agreement.id, rendering.draft_html)  # the exact file to review and sign
    return redirect(url_for("agreements.agreement_detail", agreement_id=agreement.id))


def _agreement_page(agreement, status: int = 200, problem: str | None = None, **bound):
    """The representative's agreement page, with a refused signing form and its errors in place."""
    return render_template(
        "agreements/agreement.html", agreement=queries.agreement_view(agreement),
        events=queries.events(agreement.id),
        verified=services.authority_verified(agreement.association_id, current_user.id),
        password_form=bound.get("password_form") or PasswordSignForm(formdata=None),
        cms_form=bound.get("cms_form") or CmsSignForm(formdata=None), problem=problem,
        nca_signer=nca.signer_of(agreement.id), nca_role_label=messages.nca_role_label, locale=current_locale(),
    ), status, {"Content-Security-Policy": NCALAYER_CONTENT_SECURITY_POLICY}


@bp.route("/portal/agreements/<int:agreement_id>")
@roles(Role.ENTREPRENEUR)
def agreement_detail(agreement_id: int):
    return _agreement_page(_own_agreement(agreement_id))


@bp.route("/portal/agreements/<int:agreement_id>/draft.pdf")
@roles(Role.ENTREPRENEUR)
def agreement_draft_pdf(agreement_id: int):
    _own_agreement(agreement_id)
    data = services.ensure_draft_pdf(agreement_id, rendering.draft_html)
    return pdf_response(data, f"agreement-draft-{agreement_id}.pdf")


def _signing_failed(agreement_id: int, name: str, form, field, message: str | None = None):
    """Nothing is signed; the page comes back with the problem beside the signing field."""
    transactions.rollback()
    if message is not None:
        field.errors = [*field.errors, message]
    return _agreement_page(_own_agreement(agreement_id), 400, message or _("Nothing was signed: correct the marked "
                                                                           "fields."), **{name: form})


@bp.route("/portal/agreements/<int:agreement_id>/sign/password", methods=["POST"])
@roles(Role.ENTREPRENEUR)
@limiter.limit("10 per 15 minutes", key_func=lambda: f"sign:{current_user.id}")
def sign_password(agreement_id: int):
    _own_agreement(agreement_id)
    form = PasswordSignForm()
    if not form.validate_on_submit():
        return _signing_failed(agreement_id, "password_form", form, form.password)
    try:
        services.sign_with_password(agreement_id, current_user, form.password.data)
    except services.AgreementError as exc:
        return _signing_failed(agreement_id, "password_form", form, form.password, messages.signing_problem(exc))
    transactions.commit()
    flash(_("The agreement has been signed and sent to the department for countersigning."), "success")
    return redirect(url_for("agreements.agreement_detail", agreement_id=agreement_id))


@bp.route("/portal/agreements/<int:agreement_id>/sign/cms", methods=["POST"])
@roles(Role.ENTREPRENEUR)
@step_up_required(back=lambda agreement_id: url_for("agreements.agreement_detail", agreement_id=agreement_id))
def sign_cms(agreement_id: int):
    _own_agreement(agreement_id)
    form = CmsSignForm()
    if not form.validate_on_submit():
        return _signing_failed(agreement_id, "cms_form", form, form.signature)
    data = read_limited(form.signature.data.stream, 1024 * 1024)
    if data is None:
        return _signing_failed(agreement_id, "cms_form", form, form.signature, messages.upload_problem("size"))
    try:
        agreement = services.sign_with_cms(agreement_id, current_user, data)
    except services.AgreementError as exc:
        if isinstance(exc, nca.NcaSignatureRefused):  # nothing signed; the refusal itself is kept
            transactions.rollback()
            nca.record_refusal(agreement_id, current_user, exc.verification)
            transactions.commit()
        return _signing_failed(agreement_id, "cms_form", form, form.signature, messages.signing_problem(exc))
    transactions.commit()
    if agreement.cms_trusted:
        flash(_("The signature is valid. The agreement has been sent to the department for countersigning."),
              "success")
    else:
        flash(_("The signature is valid, but its certificate is not from a trusted certifying centre. "
                "An officer will check it before countersigning."), "info")
    return redirect(url_for("agreements.agreement_detail", agreement_id=agreement_id))


def final_pdf(agreement) -> bytes:
    """The issued agreement PDF, producing it now if an earlier attempt did not finish."""
    if agreement.document_id is None:
        abort(404)
    document = documents.produce(agreement.document_id)
    return documents.pdf_bytes(document)


@bp.route("/portal/agreements/<int:agreement_id>/agreement.pdf")
@roles(Role.ENTREPRENEUR)
def agreement_pdf(agreement_id: int):
    agreement = _own_agreement(agreement_id)
    return pdf_response(final_pdf(agreement), f"{agreement.number}.pdf")


@bp.route("/registry")
@public
def registry():
    query = request.args.get("q", "")[:100]
    page = page_number()
    return render_template("agreements/registry.html", result=queries.registry(query, page), query=query)


@bp.route("/registry/<number>")
@public
def registry_entry(number: str):
    entry = queries.registry_entry(number.upper())
    if entry is None:
        abort(404)
    return render_template("agreements/registry_entry.html", entry=entry,
                           active=entry.status == AgreementStatus.ACTIVE.value)
