"""Translated wording for agreement states and problems (one place for views and templates)."""

from __future__ import annotations

from flask_babel import gettext as _

from app.agreements import cms, nca, services


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


def nca_problem(reason: str) -> str:
    """Why the NCA RK verifier refused an association's signature (reason codes of app.nca.cms_verify)."""
    messages = {
        "malformed": _("This file is not a readable CMS signature."),
        "unsupported_structure": _("The signature must be a detached CMS with one signer, made over the "
                                   "agreement PDF (NCALayer: detached CMS signature)."),
        "unsupported_algorithm": _("The signature uses an algorithm this service does not verify."),
        "digest_mismatch": _("The signature was made over a different file. Sign exactly the agreement PDF "
                             "downloaded from this page."),
        "signer_not_found": _("The signature does not include the signer's certificate."),
        "signing_certificate_missing": _("The signature does not name its signer's certificate."),
        "signing_certificate_mismatch": _("The signature names a different certificate from the one it carries."),
        "bad_signature": _("The signature is damaged or does not match the certificate."),
        "chain_untrusted": _("The certificate was not issued by a certifying centre this service trusts "
                             "(NCA RK)."),
        "chain_expired": _("The signer's certificate (or its certifying centre's) has expired."),
        "chain_not_yet_valid": _("The signer's certificate is not valid yet."),
        "chain_bad_signature": _("The signer's certificate is not genuinely signed by its certifying centre."),
        "chain_not_a_ca": _("The signer's certificate was issued by a certificate that may not issue others."),
        "chain_path_too_long": _("The signer's certificate chain is longer than its certifying centre allows."),
        "chain_unsupported_algorithm": _("The certificate chain uses an algorithm this service does not verify."),
        "timestamp_invalid": _("The signature's timestamp is damaged or was not made for this signature."),
        "timestamp_untrusted": _("The signature's timestamp was not issued by a timestamping authority this "
                                 "service trusts."),
        "revoked": _("The signer's certificate has been revoked by the certifying centre."),
        "on_hold": _("The signer's certificate is suspended by the certifying centre."),
        "revocation_unknown": _("It cannot be checked now whether the certificate has been revoked (no current "
                                "revocation list). Please try again later or contact the department."),
        "role": _("This certificate may not sign for an organisation: use the key of the first head or of an "
                  "employee with the right to sign, issued to the association."),
        "bin_mismatch": _("The certificate was issued to another organisation: its BIN is not the "
                          "association's."),
    }
    return messages.get(reason, _("The signature could not be verified."))


def nca_role_label(role: str) -> str:
    return {
        "first_head": _("First head of the organisation"),
        "signing_employee": _("Employee with the right to sign"),
        "employee_without_signing_right": _("Employee without the right to sign"),
        "information_system": _("Information system"),
        "treasury_client": _("Treasury client"),
        "individual": _("Individual"),
    }.get(role, role)


def crl_problem(error: nca.InvalidCrl) -> str:
    return {
        "malformed": _("The file is not a certificate revocation list (CRL)."),
        "no_issuer": _("No installed certifying centre issued this list: add its certificate first."),
        "bad_signature": _("The list's signature does not verify with its certifying centre's certificate."),
    }.get(error.problem, _("The list could not be imported."))


def signing_problem(error: services.AgreementError) -> str:
    if isinstance(error, nca.NcaSignatureRefused):
        return nca_problem(error.reason)
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
