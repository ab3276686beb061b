"""Agreement rules: the lifecycle state machine, signing, countersigning, the registry.

Lifecycle: the table is in :mod:`app.agreements.lifecycle`; all transitions go through
:func:`_apply` and the shared state machine, the only place that changes ``status``.

Operations flush and never commit. The two that produce PDFs run after the caller's
commit and record their result in a short transaction of their own: :func:`ensure_draft_pdf`,
and the final document, which countersigning reserves and :mod:`app.transactions`
issues after the commit (if that fails the agreement is in force all the same, and its
PDF is issued on download or by ``flask documents issue-pending``, as for talons).
"""

from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import select, update

from app import transactions
from app.accounts import passwords
from app.accounts.models import User
from app.accounts.services import hasher
from app.agreements import cms, lifecycle, nca, trust
from app.agreements.authority import (  # noqa: F401 (part of this module's interface)
    authority_verified,
    decide_authority_proof,
    is_representative,
    require_representative,
    submit_authority_proof,
)
from app.agreements.errors import (  # noqa: F401 (part of this module's interface)
    OFFICERS,
    SUPERVISORS,
    AgreementError,
    AuthorityNotVerified,
    BadUpload,
    IllegalTransition,
    NotAllowed,
    NotFound,
    OpenAgreementExists,
    ReasonRequired,
    SignatureNeedsAcceptance,
    SignatureRejected,
    WrongPassword,
    require_role,
)
from app.agreements.lifecycle import TRANSITIONS, allowed_actions  # noqa: F401 (part of this interface)
from app.agreements.models import (
    Agreement,
    AgreementEvent,
    AgreementStatus,
    SignatureMethod,
)
from app.agreements.texts import AgreementText, latest_published
from app.businesses.models import Association
from app.documents import services as documents
from app.documents.models import DocumentKind
from app.documents.pdf import render_pdf
from app.documents.runtime import file_store
from app.extensions import db
from app.numbering import next_number
from app.timeutil import add_months, local_today, utcnow

STANDARD_TEXT = "pbi-standard"
OPEN_STATUSES = (AgreementStatus.DRAFT, AgreementStatus.SIGNED_BY_ASSOCIATION, AgreementStatus.ACTIVE)


def _apply(agreement: Agreement, action: str, actor: User | None, comment: str | None = None) -> None:
    lifecycle.AGREEMENT.fire(agreement, action, actor=actor, comment=comment)


# --- texts ---------------------------------------------------------------------------

def texts() -> dict:
    return current_app.extensions["pbi_agreement_texts"]


def text_of(agreement: Agreement) -> AgreementText:
    return texts()[(agreement.text_slug, agreement.text_version)]


# --- agreements ----------------------------------------------------------------------

def get_agreement(agreement_id: int) -> Agreement:
    agreement = db.session.get(Agreement, agreement_id)
    if agreement is None:
        raise NotFound(agreement_id)
    return agreement


# --- drafting and signing --------------------------------------------------------------

def start_agreement(user: User, association_id: int) -> Agreement:
    """A new draft of the current standard text; one open agreement per association."""
    require_representative(user, association_id)
    open_one = db.session.scalar(select(Agreement.id).where(
        Agreement.association_id == association_id,
        Agreement.status.in_([s.value for s in OPEN_STATUSES]),
    ))
    if open_one is not None:
        raise OpenAgreementExists(open_one)
    text = latest_published(texts(), STANDARD_TEXT)
    agreement = Agreement(
        association_id=association_id, text_slug=text.slug, text_version=text.version,
        text_sha256=text.sha256, created_by_id=user.id,
    )
    db.session.add(agreement)
    db.session.flush()
    return agreement


def ensure_draft_pdf(agreement_id: int, render_html) -> bytes:
    """The PDF the association signs: made once, stored, and then always the same bytes.

    ``render_html(agreement_id) -> str`` builds the HTML. Call it outside a write
    transaction (after the caller's commit): the PDF is rendered outside any
    transaction, then recorded in a short one of its own.
    """
    agreement = get_agreement(agreement_id)
    if agreement.draft_pdf_sha256 is None:
        html = render_html(agreement_id)
        transactions.end_read()
        digest = file_store().put(render_pdf(html, asset_dir=documents.ASSETS))
        db.session.execute(
            update(Agreement)
            .where(Agreement.id == agreement_id, Agreement.draft_pdf_sha256.is_(None))
            .values(draft_pdf_sha256=digest)
        )
        transactions.commit()
        db.session.refresh(agreement)
    return file_store().get(agreement.draft_pdf_sha256)


def _before_signing(agreement: Agreement, user: User) -> None:
    require_representative(user, agreement.association_id)
    lifecycle.AGREEMENT.guard(agreement.status, "sign")
    if not authority_verified(agreement.association_id, user.id):
        raise AuthorityNotVerified()
    if agreement.draft_pdf_sha256 is None:
        raise AgreementError("the agreement PDF has not been prepared for review")


def _clear_signature(agreement: Agreement) -> None:
    for field in ("signed_by_id", "signed_at", "signature_method", "signed_pdf_sha256",
                  "cms_signature_sha256", "cms_signer_subject", "cms_signer_fingerprint",
                  "cms_trusted", "cms_accepted_by_id", "cms_accepted_at"):
        setattr(agreement, field, None)
    nca.forget_signature(agreement.id)


def sign_with_password(agreement_id: int, user: User, password: str) -> Agreement:
    """Click-to-sign: the representative re-enters their password (step-up)."""
    agreement = get_agreement(agreement_id)
    _before_signing(agreement, user)
    if not passwords.verify(hasher(), user.password_hash, password or ""):
        raise WrongPassword()
    _apply(agreement, "sign", user)
    agreement.signed_by_id, agreement.signed_at = user.id, utcnow()
    agreement.signature_method = SignatureMethod.PASSWORD.value
    agreement.signed_pdf_sha256 = agreement.draft_pdf_sha256
    db.session.flush()
    return agreement


def sign_with_cms(agreement_id: int, user: User, signature: bytes) -> Agreement:
    """Sign by uploading a detached CMS signature over the exact agreement PDF."""
    agreement = get_agreement(agreement_id)
    _before_signing(agreement, user)
    pdf = file_store().get(agreement.draft_pdf_sha256)
    der = _nca_candidate(signature)
    if der is not None:
        return _sign_with_nca(agreement, user, signature, der, pdf)
    try:
        signer = cms.verify_detached(signature, pdf, trust.anchor_certificates())
    except cms.CmsSignatureError as exc:
        raise SignatureRejected(exc.problem) from exc
    _apply(agreement, "sign", user)
    agreement.signed_by_id, agreement.signed_at = user.id, utcnow()
    agreement.signature_method = SignatureMethod.CMS.value
    agreement.signed_pdf_sha256 = agreement.draft_pdf_sha256
    agreement.cms_signature_sha256 = file_store().put(signature)
    agreement.cms_signer_subject = signer.subject
    agreement.cms_signer_fingerprint = signer.fingerprint_sha256
    agreement.cms_trusted = signer.trusted
    db.session.flush()
    return agreement


def _nca_candidate(signature: bytes) -> bytes | None:
    """The DER of an NCA RK CMS (see :mod:`app.agreements.nca`), None for any other upload."""
    if not signature or len(signature) > cms.MAX_SIGNATURE_SIZE:
        return None
    try:
        der = cms.to_der(signature)
    except cms.CmsSignatureError:
        return None
    return der if nca.is_nca_signature(der) else None


def _sign_with_nca(agreement: Agreement, user: User, signature: bytes, der: bytes, pdf: bytes) -> Agreement:
    """The association's NCA RK signature: accepted only as the national PKI and the agreement's BIN allow."""
    association = db.session.get(Association, agreement.association_id)
    verification = nca.verify(der, pdf, association_bin=association.bin)
    if not verification.accepted:
        raise nca.NcaSignatureRefused(verification)
    signer = verification.signer
    _apply(agreement, "sign", user)
    agreement.signed_by_id, agreement.signed_at = user.id, utcnow()
    agreement.signature_method = SignatureMethod.CMS.value
    agreement.signed_pdf_sha256 = agreement.draft_pdf_sha256
    agreement.cms_signature_sha256 = file_store().put(signature)
    agreement.cms_signer_subject = _signer_subject(signer)[:1000]
    agreement.cms_signer_fingerprint = signer.certificate_sha256
    agreement.cms_trusted = True
    db.session.flush()
    nca.record_signature(agreement, verification, user)
    return agreement


def _signer_subject(signer: nca.SignerDetails) -> str:
    """What the older CMS columns show of an NCA signer: name, IIN, BIN."""
    parts = [signer.name, f"IIN {signer.iin}" if signer.iin else None, f"BIN {signer.bin}" if signer.bin else None]
    return ", ".join(part for part in parts if part)


def accept_untrusted_signature(agreement_id: int, officer: User) -> Agreement:
    require_role(officer, OFFICERS)
    agreement = get_agreement(agreement_id)
    if (AgreementStatus(agreement.status) is not AgreementStatus.SIGNED_BY_ASSOCIATION
            or agreement.signature_method != SignatureMethod.CMS.value or agreement.cms_trusted):
        raise IllegalTransition("accept_signature", agreement.status)
    agreement.cms_accepted_by_id, agreement.cms_accepted_at = officer.id, utcnow()
    db.session.add(AgreementEvent(
        agreement_id=agreement.id, actor_id=officer.id, action="accept_signature",
        from_status=agreement.status, to_status=agreement.status,
        comment=agreement.cms_signer_subject,
    ))
    db.session.flush()
    return agreement


def needs_signature_acceptance(agreement: Agreement) -> bool:
    return (agreement.signature_method == SignatureMethod.CMS.value and not agreement.cms_trusted
            and agreement.cms_accepted_by_id is None)


# --- the department's side -------------------------------------------------------------

def return_to_draft(agreement_id: int, supervisor: User, comment: str) -> Agreement:
    require_role(supervisor, SUPERVISORS)
    if not (comment or "").strip():
        raise ReasonRequired()
    agreement = get_agreement(agreement_id)
    _apply(agreement, "return", supervisor, comment.strip())
    agreement.return_comment = comment.strip()
    _clear_signature(agreement)
    db.session.flush()
    return agreement


def countersign(agreement_id: int, supervisor: User) -> Agreement:
    """Activate: number, validity, and the final document reserved (produce it after commit)."""
    require_role(supervisor, SUPERVISORS)
    agreement = get_agreement(agreement_id)
    lifecycle.AGREEMENT.guard(agreement.status, "countersign")
    if needs_signature_acceptance(agreement):
        raise SignatureNeedsAcceptance()
    today = local_today()
    agreement.number = next_number("agreement", today.year)
    _apply(agreement, "countersign", supervisor)
    agreement.countersigned_by_id, agreement.countersigned_at = supervisor.id, utcnow()
    agreement.valid_from = today
    agreement.valid_until = add_months(today, text_of(agreement).term_months)
    document = documents.reserve(
        kind=DocumentKind.AGREEMENT, subject_type="agreement", subject_id=agreement.id,
        subject_number=agreement.number, issue_key=f"agreement:{agreement.id}",
    )
    db.session.flush()
    agreement.document_id = document.id
    return agreement


def terminate(agreement_id: int, supervisor: User, reason: str) -> Agreement:
    require_role(supervisor, SUPERVISORS)
    if not (reason or "").strip():
        raise ReasonRequired()
    agreement = get_agreement(agreement_id)
    _apply(agreement, "terminate", supervisor, reason.strip())
    agreement.termination_reason, agreement.ended_at = reason.strip(), utcnow()
    db.session.flush()
    return agreement


def expire_due(today: date | None = None) -> list[str]:
    """Move active agreements whose term has ended to ``expired``; returns their numbers."""
    today = today or local_today()
    due = db.session.scalars(select(Agreement).where(
        Agreement.status == AgreementStatus.ACTIVE.value, Agreement.valid_until < today,
    )).all()
    for agreement in due:
        _apply(agreement, "expire", None, None)
        agreement.ended_at = utcnow()
    db.session.flush()
    return [a.number for a in due]


def public_status(agreement_id: int) -> str:
    agreement = db.session.get(Agreement, agreement_id)
    return agreement.status if agreement else "unknown"
