"""OCSP responses about NCA RK certificates (RFC 6960): parsing and checking. Pure functions, no network.

The status `check_ocsp` returns (`RevocationStatus`) and the rule of revocation time against the time of use
are those of `app.nca.revocation`; the HTTP client that asks the responder is `app.nca.ocsp_client`.

OCSP
    `parse_ocsp_response` (DER OCSPResponse). `check_ocsp(response, cert, issuer, at, max_age)` returns a
    `RevocationStatus` (source "ocsp") or raises `OcspError`:
    - ``ocsp_not_successful``: responseStatus other than successful, or not a BasicOCSPResponse;
    - ``ocsp_cert_mismatch``: `issuer` is not `cert`'s issuer, or no SingleResponse has the CertID of `cert`
      (issuerNameHash over `cert`'s issuer name DER, issuerKeyHash over the issuer's subjectPublicKey bits,
      the serial number; with the hash algorithm each CertID names: SHA-1/2 or Streebog);
    - ``ocsp_unauthorised_responder``: the signer (found by the ResponderID among the certificates the
      response carries, and `issuer` itself) is neither the CA itself nor a delegated responder, i.e. a
      certificate issued by that same CA (names, key identifiers and signature checked), with the
      id-kp-OCSPSigning EKU (1.3.6.1.5.5.7.3.9), digitalSignature if it has a keyUsage, and valid at the
      response's producedAt (RFC 6960, 4.2.2.2). Its own revocation is not checked (the NCA responders carry
      id-pkix-ocsp-nocheck);
    - ``ocsp_bad_signature``: the BasicOCSPResponse signature does not verify under that certificate;
    - ``ocsp_nonce_mismatch``: a nonce was expected (`nonce=`) and the response does not echo it;
    - ``ocsp_not_yet_valid``: thisUpdate later than `at` + `clock_skew`;
    - ``ocsp_stale``: `at` − thisUpdate > `max_age`, or `at` after nextUpdate (+ `clock_skew`).
    certStatus good → GOOD; revoked → REVOKED / ON_HOLD by the rule of `app.nca.revocation` (revocation time
    against the time of use); unknown → UNKNOWN. RFC 6960, 2.2: "revoked", certificateHold, revocationTime
    1970-01-01 with the extended-revoke extension is how a responder says the serial number was never issued:
    REVOKED with ``not_issued`` (this is what the TEST response ``ocsp_response_individual_2015.bin`` says —
    about serial 0x0ff06211…f454f, not one of the TEST keys).

What a deployment sends to the NCA responder (`app.nca.ocsp_client.build_request`)
    An unsigned OCSPRequest (RFC 6960, 4.1) with one Request: CertID with hashAlgorithm SHA-256 (the NCA TEST
    responder answers with SHA-256 CertIDs; SHA-1 is the RFC default), issuerNameHash = H(DER of the
    certificate's issuer name), issuerKeyHash = H(the issuer's subjectPublicKey BIT STRING value), the
    certificate's serialNumber; and a requestExtensions nonce (id-pkix-ocsp-nonce 1.3.6.1.5.5.7.48.1.2, an
    OCTET STRING of 32 random bytes, RFC 8954), checked with ``check_ocsp(..., nonce=...)``.
    HTTP POST, Content-Type application/ocsp-request, to the responder the deployment configures
    (``PBI_NCA_OCSP_URL``; not the certificate's AIA OCSP URL, ``http://test.pki.gov.kz/ocsp/`` on the TEST
    keys, which a signer would choose); the answer is application/ocsp-response.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from asn1crypto import ocsp as asn1_ocsp

from app.nca.certificates import (
    MalformedData,
    NcaCertificate,
    PkiError,
    name_match_key,
    name_parts,
    parse_certificate,
    readable_name,
    utc,
)
from app.nca.chains import issuer_matches, require_aware, verify_signed_by
from app.nca.revocation import (
    RevocationReason,
    RevocationState,
    RevocationStatus,
    RevokedEntry,
    _status_from_entry,
)
from app.nca.streebog import streebog256, streebog512

__all__ = [
    "OCSP_SIGNING",
    "NcaOcspResponse",
    "OcspError",
    "OcspReason",
    "OcspSingleResponse",
    "check_ocsp",
    "parse_ocsp_response",
]

OCSP_SIGNING = "1.3.6.1.5.5.7.3.9"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class OcspReason(StrEnum):
    NOT_SUCCESSFUL = "ocsp_not_successful"
    CERT_MISMATCH = "ocsp_cert_mismatch"
    UNAUTHORISED_RESPONDER = "ocsp_unauthorised_responder"
    BAD_SIGNATURE = "ocsp_bad_signature"
    NONCE_MISMATCH = "ocsp_nonce_mismatch"
    NOT_YET_VALID = "ocsp_not_yet_valid"
    STALE = "ocsp_stale"


class OcspError(PkiError):
    def __init__(self, reason: OcspReason, detail: str = "") -> None:
        super().__init__(reason, detail)
        self.reason = reason


_CERT_ID_HASHES: dict[str, Callable[[bytes], bytes]] = {
    "1.3.14.3.2.26": lambda data: hashlib.sha1(data, usedforsecurity=False).digest(),
    "2.16.840.1.101.3.4.2.1": lambda data: hashlib.sha256(data).digest(),
    "2.16.840.1.101.3.4.2.2": lambda data: hashlib.sha384(data).digest(),
    "2.16.840.1.101.3.4.2.3": lambda data: hashlib.sha512(data).digest(),
    "1.2.398.3.10.1.3.2": streebog256,  # NCA
    "1.2.398.3.10.1.3.3": streebog512,
    "1.2.643.7.1.1.2.2": streebog256,  # TC26
    "1.2.643.7.1.1.2.3": streebog512,
}


@dataclass(frozen=True)
class OcspSingleResponse:
    hash_algorithm: str  # OID of the CertID's hash
    issuer_name_hash: bytes
    issuer_key_hash: bytes
    serial: int
    status: str  # "good", "revoked", "unknown"
    revocation_time: datetime | None
    revocation_reason: RevocationReason | None
    this_update: datetime
    next_update: datetime | None


@dataclass(frozen=True, eq=False)
class NcaOcspResponse:
    der: bytes
    response_status: str  # "successful", "malformed_request", "internal_error", "try_later", …
    response_type: str | None = None  # "1.3.6.1.5.5.7.48.1.1" for a BasicOCSPResponse
    produced_at: datetime | None = None
    responder_name_match: str | None = None  # ResponderID byName, normalised
    responder_dn: str | None = None
    responder_key_hash: bytes | None = None  # ResponderID byKey (SHA-1 of the key bits)
    responses: tuple[OcspSingleResponse, ...] = ()
    certs: tuple[NcaCertificate, ...] = ()
    nonce: bytes | None = None
    extended_revoke: bool = False
    signature_algorithm: str = ""
    tbs: bytes = b""
    signature: bytes = b""
    critical_extensions: tuple[str, ...] = field(default=())

    def __repr__(self) -> str:
        return f"NcaOcspResponse({self.response_status}, produced_at={self.produced_at}, {len(self.responses)})"


def parse_ocsp_response(data: bytes) -> NcaOcspResponse:
    """An `NcaOcspResponse` from DER; `MalformedData` for anything else."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise MalformedData(f"expected bytes, not {type(data).__name__}")
    der = bytes(data)
    try:
        return _parse_ocsp(der)
    except PkiError:
        raise
    except Exception as exc:  # asn1crypto's errors on damaged DER are of many types
        raise MalformedData(f"not a DER OCSP response: {type(exc).__name__}: {exc}") from exc


def _parse_ocsp(der: bytes) -> NcaOcspResponse:
    response = asn1_ocsp.OCSPResponse.load(der, strict=True)
    status = response["response_status"].native
    body = response["response_bytes"]
    if status != "successful":
        return NcaOcspResponse(der=der, response_status=status)
    if body.native is None:
        raise MalformedData("a successful OCSP response without responseBytes")
    response_type = body["response_type"].dotted
    if response_type != "1.3.6.1.5.5.7.48.1.1":
        return NcaOcspResponse(der=der, response_status=status, response_type=response_type)
    basic = asn1_ocsp.BasicOCSPResponse.load(body["response"].contents, strict=True)
    data = basic["tbs_response_data"]
    responder = data["responder_id"]
    singles = []
    for single in data["responses"]:
        cert_id = single["cert_id"]
        cert_status = single["cert_status"]
        revoked = cert_status.chosen if cert_status.name == "revoked" else None
        reason = revoked["revocation_reason"].native if revoked is not None else None
        next_update = single["next_update"].native
        singles.append(
            OcspSingleResponse(
                hash_algorithm=cert_id["hash_algorithm"]["algorithm"].dotted,
                issuer_name_hash=cert_id["issuer_name_hash"].native,
                issuer_key_hash=cert_id["issuer_key_hash"].native,
                serial=cert_id["serial_number"].native,
                status=cert_status.name,
                revocation_time=utc(revoked["revocation_time"].native, "revocationTime") if revoked else None,
                revocation_reason=RevocationReason(reason) if reason is not None else None,
                this_update=utc(single["this_update"].native, "thisUpdate"),
                next_update=utc(next_update, "nextUpdate") if next_update is not None else None,
            )
        )
    nonce = None
    extended_revoke = False
    critical = []
    for ext in data["response_extensions"]:
        oid = ext["extn_id"].dotted
        if ext["critical"].native:
            critical.append(oid)
        if oid == "1.3.6.1.5.5.7.48.1.2":
            nonce = ext["extn_value"].native
        elif oid == "1.3.6.1.5.5.7.48.1.9":
            extended_revoke = True
    algorithm = basic["signature_algorithm"]["algorithm"].dotted
    by_name = responder.name == "by_name"
    return NcaOcspResponse(
        der=der,
        response_status=status,
        response_type=response_type,
        produced_at=utc(data["produced_at"].native, "producedAt"),
        responder_name_match=name_match_key(responder.chosen) if by_name else None,
        responder_dn=readable_name(name_parts(responder.chosen)) if by_name else None,
        responder_key_hash=None if by_name else responder.chosen.native,
        responses=tuple(singles),
        certs=tuple(parse_certificate(cert.dump()) for cert in basic["certs"]),
        nonce=nonce if isinstance(nonce, bytes) or nonce is None else None,
        extended_revoke=extended_revoke,
        signature_algorithm=algorithm,
        tbs=data.dump(),
        signature=bytes(basic["signature"].native),
        critical_extensions=tuple(critical),
    )


def _is_responder(response: NcaOcspResponse, cert: NcaCertificate) -> bool:
    if response.responder_name_match is not None:
        return cert.subject_match == response.responder_name_match
    key_hash = hashlib.sha1(cert.public_key_bits, usedforsecurity=False).digest()
    return key_hash == response.responder_key_hash


def _matching_single(response: NcaOcspResponse, cert: NcaCertificate, issuer: NcaCertificate) -> OcspSingleResponse:
    for single in response.responses:
        digest = _CERT_ID_HASHES.get(single.hash_algorithm)
        if (
            digest is not None
            and single.serial == cert.serial
            and single.issuer_name_hash == digest(cert.issuer_name_der)
            and single.issuer_key_hash == digest(issuer.public_key_bits)
        ):
            return single
    raise OcspError(OcspReason.CERT_MISMATCH, f"no answer about serial {cert.serial_hex} of {issuer.subject_dn!r}")


def _check_responder(response: NcaOcspResponse, signer: NcaCertificate, issuer: NcaCertificate) -> None:
    if signer == issuer:
        return
    if not issuer_matches(signer, issuer) or not verify_signed_by(signer, issuer):
        raise OcspError(OcspReason.UNAUTHORISED_RESPONDER, f"{signer.subject_dn!r} is not issued by the CA")
    if OCSP_SIGNING not in signer.extended_key_usage:
        raise OcspError(OcspReason.UNAUTHORISED_RESPONDER, f"{signer.subject_dn!r} lacks id-kp-OCSPSigning")
    if signer.key_usage and "digital_signature" not in signer.key_usage:
        raise OcspError(OcspReason.UNAUTHORISED_RESPONDER, f"{signer.subject_dn!r} lacks digitalSignature")
    if response.produced_at is None or not signer.valid_at(response.produced_at):
        raise OcspError(OcspReason.UNAUTHORISED_RESPONDER, "responder certificate not valid at producedAt")


def check_ocsp(
    response: NcaOcspResponse,
    cert: NcaCertificate,
    issuer: NcaCertificate,
    at: datetime,
    max_age: timedelta,
    *,
    nonce: bytes | None = None,
    clock_skew: timedelta = timedelta(minutes=5),
) -> RevocationStatus:
    """The status of `cert` at `at` by `response` (see the module docstring for each refusal)."""
    at = require_aware(at)
    if response.response_status != "successful" or response.response_type != "1.3.6.1.5.5.7.48.1.1":
        raise OcspError(OcspReason.NOT_SUCCESSFUL, f"{response.response_status} ({response.response_type})")
    if not issuer_matches(cert, issuer):
        raise OcspError(OcspReason.CERT_MISMATCH, f"{issuer.subject_dn!r} is not the issuer of {cert.subject_dn!r}")
    single = _matching_single(response, cert, issuer)
    signer = next((c for c in (*response.certs, issuer) if _is_responder(response, c)), None)
    if signer is None:
        raise OcspError(OcspReason.UNAUTHORISED_RESPONDER, "the responder's certificate is not at hand")
    if not verify_signed_by(response, signer):
        raise OcspError(OcspReason.BAD_SIGNATURE, f"not signed by {signer.subject_dn!r}")
    _check_responder(response, signer, issuer)
    if nonce is not None and response.nonce != nonce:
        raise OcspError(OcspReason.NONCE_MISMATCH, "the response does not echo the request's nonce")
    if single.this_update > at + clock_skew:
        raise OcspError(OcspReason.NOT_YET_VALID, f"thisUpdate {single.this_update} is after {at}")
    if at - single.this_update > max_age:
        raise OcspError(OcspReason.STALE, f"thisUpdate {single.this_update} is older than {max_age} at {at}")
    if single.next_update is not None and at > single.next_update + clock_skew:
        raise OcspError(OcspReason.STALE, f"nextUpdate {single.next_update} is before {at}")
    if single.status == "good":
        return RevocationStatus(RevocationState.GOOD, source="ocsp", source_time=single.this_update)
    if single.status == "revoked" and single.revocation_time is not None:
        reason = single.revocation_reason
        not_issued = (
            response.extended_revoke
            and single.revocation_time == _EPOCH
            and reason is RevocationReason.CERTIFICATE_HOLD
        )
        entry = RevokedEntry(cert.serial, single.revocation_time, reason)
        return _status_from_entry(entry, at, "ocsp", single.this_update, not_issued=not_issued)
    return RevocationStatus(RevocationState.UNKNOWN, source="ocsp", source_time=single.this_update)
