"""Public verification of documents: the page, the root certificate, and the JSON API."""

from __future__ import annotations

from cryptography.hazmat.primitives.serialization import Encoding
from flask import Blueprint, Response, current_app, jsonify, render_template, request
from flask_babel import gettext as _

from app import throttles
from app.accounts.guards import public
from app.documents import sandbox, services
from app.documents.forms import VerifyUploadForm
from app.documents.runtime import keystore
from app.extensions import csrf, limiter
from app.timeutil import to_local
from app.uploads import read_limited

bp = Blueprint("documents", __name__)


def _verify_limit() -> str:
    return current_app.config["PBI_VERIFY_LIMIT"]


_REASON_MESSAGES = {
    None: lambda: _("The document is authentic: signed by the department, unchanged, and registered."),
    "not_pdf": lambda: _("The file is not a PDF document."),
    "no_signature": lambda: _("The document carries no electronic signature."),
    "signature_invalid": lambda: _(
        "The signature does not match the document: it was changed or the signature is damaged."
    ),
    "modified_after_signing": lambda: _("The document was changed after it was signed."),
    "untrusted_signer": lambda: _("The signature was not made by the department's certificate."),
    "not_registered": lambda: _("The signature is the department's, but this document is not in the registry."),
    "not_found": lambda: _("No document with this number and code was found. Check both and try again."),
    "no_file": lambda: _("Attach the PDF document to check."),
    "too_large": lambda: _("The file is too large to be one of our documents."),
    "too_complex": lambda: _(
        "The file is malformed or too complex to check: it exceeds the limits that any of our documents keeps."
    ),
    "busy": lambda: _("Too many documents are being checked right now. Please try again in a few seconds."),
}


def reason_message(reason: str | None) -> str:
    """The message for ``reason`` in the request's language (only that one is translated)."""
    message = _REASON_MESSAGES.get(reason)
    return message() if message else _("The document could not be verified.")


def kind_label(kind: str) -> str:
    return {
        "agreement": _("Agreement"),
        "complaint_receipt": _("Talon of acceptance of a complaint"),
        "decision": _("Decision letter"),
        "forwarding_letter": _("Covering letter to the competent body"),
        "extension_notice": _("Notice of the extended period"),
        "monthly_report": _("Monthly report of the department"),
    }.get(kind, kind)


def _payload(valid: bool, reason: str | None, record: services.PublicRecord | None) -> dict:
    return {
        "valid": valid,
        "number": record.number if record else None,
        "kind": record.kind if record else None,
        "issued_at": to_local(record.issued_at).isoformat() if record and record.issued_at else None,
        "subject_number": record.subject_number if record else None,
        "subject_status": record.subject_status if record else None,
        "sha256": record.sha256 if record else None,
        "reason": reason,
        "message": reason_message(reason),
    }


def _uploaded_document(field: str = "document") -> tuple[bytes | None, str | None]:
    upload = request.files.get(field)
    if upload is None:
        return None, "no_file"
    data = read_limited(upload.stream, current_app.config["PBI_VERIFY_MAX_BYTES"])
    if data is None:
        return None, "too_large"
    return data, None


def _lookup_error(problem: str) -> str:
    return {
        "complaint_number": _("This is the number of a complaint, not of a document. Enter the document's own "
                              "number (PBI-D-…), printed on the document next to the QR code."),
        "agreement_number": _("This is the number of an agreement, not of a document. Enter the document's own "
                              "number (PBI-D-…), printed on the document next to the QR code."),
    }.get(problem, "")


def _page_result(valid: bool, reason: str | None, record: services.PublicRecord | None) -> dict:
    """The payload as the page shows it: the time as a date in the reader's format, the status by name."""
    result = _payload(valid, reason, record)
    if valid:  # the heading already says "authentic"; the sentence says why
        result["message"] = _("It carries the department's signature, has not been changed since it was signed, "
                              "and is in the registry.")
    result["issued"] = record.issued_at if record else None
    result["subject_type"] = record.subject_type if record else None
    return result


@bp.route("/verify")
@public
@limiter.limit(throttles.verify_limit, exempt_when=throttles.not_a_lookup)
def verify():
    number, code = request.args.get("number", "")[:40], request.args.get("code", "")[:40]
    result, errors, status = None, {}, 200
    if "number" in request.args or "code" in request.args:  # the form was sent
        try:
            services.check_lookup(number, code)
        except services.InvalidLookup as refused:
            status = 400
            errors[refused.field] = _lookup_error(refused.problem) or (
                _("Enter the document number.") if refused.field == "number" else _("Enter the verification code."))
        else:
            record = services.find_public(number, code)
            result = _page_result(record is not None, None if record else "not_found", record)
    return render_template("documents/verify.html", number=number, code=code, result=result, errors=errors,
                           form=VerifyUploadForm()), status


@bp.route("/verify/upload", methods=["POST"])
@public
@limiter.limit(_verify_limit)
def verify_upload():
    form = VerifyUploadForm()  # CSRF is checked globally before this runs
    data, problem = _uploaded_document()
    if problem:
        result, status = _page_result(False, problem, None), 400
    else:
        try:
            verdict = services.verify_upload(data)
        except sandbox.VerificationBusy as busy:
            page = render_template("documents/verify.html", number="", code="",
                                   result=_page_result(False, "busy", None), form=form, errors={})
            return page, 503, {"Retry-After": str(busy.retry_after)}
        result, status = _page_result(verdict.valid, verdict.reason, verdict.record), 200
    return render_template("documents/verify.html", number="", code="", result=result, form=form,
                           errors={}), status


@bp.route("/verify/root.pem")
@public
def root_certificate():
    pem = keystore().root_certificate().public_bytes(Encoding.PEM)
    response = Response(pem, mimetype="application/x-pem-file")
    response.headers["Content-Disposition"] = 'attachment; filename="pbi-root-ca.pem"'
    return response


@bp.route("/api/v1/verify", methods=["POST"])
@public
@csrf.exempt
@limiter.limit(_verify_limit)
def api_verify():
    """``multipart/form-data`` with the PDF in the field ``document``."""
    data, problem = _uploaded_document()
    if problem:
        return jsonify(_payload(False, problem, None)), 400
    try:
        verdict = services.verify_upload(data)
    except sandbox.VerificationBusy as busy:
        return jsonify(_payload(False, "busy", None)), 503, {"Retry-After": str(busy.retry_after)}
    return jsonify(_payload(verdict.valid, verdict.reason, verdict.record))


@bp.route("/api/v1/verify/<number>")
@public
@limiter.limit(_verify_limit)
def api_verify_number(number: str):
    record = services.find_public(number[:40], request.args.get("code", "")[:40])
    if record is None:
        return jsonify(_payload(False, "not_found", None)), 404
    return jsonify(_payload(True, None, record))
