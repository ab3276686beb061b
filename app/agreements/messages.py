"""Translated wording for agreement states and problems (one place for views and templates)."""

from __future__ import annotations

from flask_babel import gettext as _

from app.agreements import cms, services


def status_label(status: str) -> str:
    return {
        "draft": _("Draft"),
        "signed_by_association": _("Signed by the association, awaiting countersignature"),
        "active": _("In force"),
        "expired": _("Expired"),
        "terminated": _("Terminated"),
    }.get(status, status)


def action_label(action: str) -> str:
    return {
        "sign": _("Signed by the association"),
        "return": _("Returned for revision"),
        "countersign": _("Countersigned by the department"),
        "expire": _("Term ended"),
        "terminate": _("Terminated"),
        "accept_signature": _("Signature certificate accepted by an officer"),
    }.get(action, action)


def proof_status_label(status: str) -> str:
    return {
        "pending": _("Being checked"),
        "accepted": _("Confirmed"),
        "refused": _("Refused"),
    }.get(status, status)


def upload_problem(problem: str) -> str:
    return {
        "empty": _("The file is empty."),
        "size": _("The file is too large."),
        "type": _("This type of file is not accepted. Send a PDF, JPEG or PNG file."),
    }.get(problem, _("The file could not be accepted."))


def cms_problem(problem: cms.CmsProblem) -> str:
    return {
        cms.CmsProblem.NOT_CMS: _("This file is not a CMS/PKCS#7 signature."),
        cms.CmsProblem.NO_CERTIFICATE: _("The signature does not include the signer's certificate."),
        cms.CmsProblem.WRONG_CONTENT: _(
            "The signature was made over a different file. Sign exactly the agreement PDF "
            "downloaded from this page."
        ),
        cms.CmsProblem.BAD_SIGNATURE: _("The signature is damaged or does not match the certificate."),
        cms.CmsProblem.UNSUPPORTED_ALGORITHM: _(
            "The signature uses an algorithm this service does not support (RSA and ECDSA with "
            "SHA-256 or stronger are supported)."
        ),
        cms.CmsProblem.CERTIFICATE_NOT_VALID_AT_SIGNING: _(
            "The signer's certificate was not valid at the time of signing."
        ),
    }[problem]


def signing_problem(error: services.AgreementError) -> str:
    if isinstance(error, services.SignatureRejected):
        return cms_problem(error.problem)
    if isinstance(error, services.WrongPassword):
        return _("The password is incorrect.")
    if isinstance(error, services.AuthorityNotVerified):
        return _("Your authority to sign for the association has not been confirmed yet.")
    if isinstance(error, services.IllegalTransition):
        return _("This agreement cannot be signed in its current state.")
    if isinstance(error, services.NotAllowed):
        return _("You are not allowed to do this.")
    return _("The agreement could not be signed.")


def staff_problem(error: services.AgreementError) -> str:
    if isinstance(error, services.IllegalTransition):
        return _("This action is not possible in the agreement's current state.")
    if isinstance(error, services.ReasonRequired):
        return _("Give a reason.")
    if isinstance(error, services.SignatureNeedsAcceptance):
        return _("The association's signature certificate is not trusted: an officer must accept it first.")
    if isinstance(error, services.NotAllowed):
        return _("You are not allowed to do this.")
    return _("The action could not be completed.")
