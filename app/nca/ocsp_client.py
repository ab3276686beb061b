"""Asking an OCSP responder (NCA RK's) for a certificate's status: the request, the HTTP call, the check.

`OcspLookup(url, timeout=…)` is a callable ``lookup(cert, issuer, now) -> RevocationStatus`` for
:func:`app.nca.cms_verify.verify_detached`: it sends an unsigned OCSPRequest (RFC 6960, 4.1) — one CertID with
SHA-256 (issuerNameHash over the DER of the certificate's issuer name, issuerKeyHash over the issuer's
subjectPublicKey bits, the serial number) and a 32-byte nonce (RFC 8954) — by HTTP POST
(``application/ocsp-request``) to the configured responder, reads at most 64 KiB of the answer, and checks it
with :func:`app.nca.ocsp.check_ocsp`: the responder is the CA or a responder the CA delegated, the
signature verifies, the nonce is echoed, thisUpdate is at most ``max_age`` old. Any failure — the network, a
refusal of the check — raises `OcspUnavailable` with the reason; the verifier then falls back to the CRLs.

The URL is the deployment's (``PBI_NCA_OCSP_URL``), never the one a certificate names (its AIA): a signer
cannot point the server at a responder of their choosing.
"""

from __future__ import annotations

import hashlib
import secrets
import urllib.error
import urllib.request
from datetime import datetime, timedelta

from asn1crypto import ocsp
from asn1crypto import x509 as asn1_x509

from app.nca.certificates import NcaCertificate, PkiError
from app.nca.ocsp import check_ocsp, parse_ocsp_response
from app.nca.revocation import RevocationStatus

MAX_RESPONSE_BYTES = 64 * 1024
NONCE_OID = "1.3.6.1.5.5.7.48.1.2"


class OcspUnavailable(Exception):
    """No usable answer from the responder; ``detail`` says why (for the verification report)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def build_request(cert: NcaCertificate, issuer: NcaCertificate, nonce: bytes) -> bytes:
    """The DER OCSPRequest for ``cert`` issued by ``issuer``, with ``nonce``."""
    issuer_name = asn1_x509.Certificate.load(cert.der)["tbs_certificate"]["issuer"].dump()
    cert_id = ocsp.CertId({
        "hash_algorithm": {"algorithm": "sha256"},
        "issuer_name_hash": hashlib.sha256(issuer_name).digest(),
        "issuer_key_hash": hashlib.sha256(issuer.public_key_bits).digest(),
        "serial_number": cert.serial,
    })
    request = ocsp.OCSPRequest({
        "tbs_request": {
            "request_list": [{"req_cert": cert_id}],
            "request_extensions": [{"extn_id": "nonce", "critical": False, "extn_value": nonce}],
        },
    })
    return request.dump()


class OcspLookup:
    """``lookup(cert, issuer, now)``: the responder's checked answer for ``cert``, or `OcspUnavailable`."""

    def __init__(self, url: str, *, timeout: float = 5.0, max_age: timedelta = timedelta(hours=1)) -> None:
        self.url = url
        self.timeout = timeout
        self.max_age = max_age

    def _post(self, body: bytes) -> bytes:
        request = urllib.request.Request(  # noqa: S310 - the URL is the deployment's configuration
            self.url, data=body, method="POST",
            headers={"Content-Type": "application/ocsp-request", "Accept": "application/ocsp-response"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:  # noqa: S310
                data = answer.read(MAX_RESPONSE_BYTES + 1)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise OcspUnavailable(f"the OCSP responder did not answer: {exc}") from exc
        if len(data) > MAX_RESPONSE_BYTES:
            raise OcspUnavailable("the OCSP answer is larger than 64 KiB")
        return data

    def __call__(self, cert: NcaCertificate, issuer: NcaCertificate, now: datetime) -> RevocationStatus:
        nonce = secrets.token_bytes(32)
        data = self._post(build_request(cert, issuer, nonce))
        try:
            return check_ocsp(parse_ocsp_response(data), cert, issuer, now, self.max_age, nonce=nonce)
        except PkiError as exc:
            raise OcspUnavailable(f"the OCSP answer was refused: {exc.reason} ({exc.detail})") from exc
