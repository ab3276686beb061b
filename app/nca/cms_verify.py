"""Verification of a detached CMS signature (NCA RK / Kalkan / NCALayer) over a document.

`verify_detached(cms_der, content, anchors=…, intermediates=…, crls=…, expected_bin=…, at=…)` runs these steps
in order and stops at the first one that fails (the later ones are not run: `Verification.not_run` names them):

1. ``structure``: a DER ContentInfo / SignedData (re-encoding gives the same bytes), detached (no eContent),
   exactly one SignerInfo, with signed attributes; the contentType attribute is the encapsulated content type,
   messageDigest present exactly once.
2. ``message_digest``: the messageDigest attribute equals the digest of `content` with the SignerInfo's digest
   algorithm (Streebog-512 ``1.2.398.3.10.1.3.3``, Streebog-256 ``1.2.398.3.10.1.3.2``, SHA-256).
3. ``signing_certificate``: the signer certificate is the one of the CMS that the SignerInfo names (by
   issuerAndSerialNumber or subjectKeyIdentifier), and the signingCertificateV2 (or v1) attribute's hash (and
   issuerSerial, when present) is that certificate's.
4. ``signature``: the signature over the DER SET of the signed attributes, with the certificate's key: GOST 2015
   (`gost3410` conventions), RSA PKCS#1 v1.5.
5. ``timestamp``: an RFC 3161 token in the unsigned attributes (``signatureTimeStampToken``), when there is
   one, checked by `timestamp.verify_token` (its imprint is this signature value, its TSA's signature and chain
   to `anchors`); its genTime becomes the time the signer is judged at. Without a token, `at`. Several tokens:
   refused (``unsupported_structure``).
6. ``chain``: `pki.build_chain` to one of `anchors`, through `intermediates` (and any certificate the CMS
   carries), valid at the judged time.
7. ``revocation``: first the OCSP responder when `ocsp_lookup` is given (``ocsp_lookup(leaf, issuer, at)``
   returns a checked `RevocationStatus`, `app.nca.ocsp_client.OcspLookup`; an exception or an "unknown" answer
   is noted and the CRLs decide), else the CRLs of the leaf's issuer, each checked with `check_crl` against
   that issuer, fresh at `at` (the receipt: a list current now); the status at the judged time must be GOOD.
   Neither a usable OCSP answer nor a usable (fresh, well-signed) CRL of the issuer: refused as
   ``revocation_unknown`` when `require_revocation`, passed with a note otherwise.
8. ``role``: a legal entity's first head or an employee with the right to sign.
9. ``bin``: the subject BIN equals `expected_bin`.

`at` is the time the application trusts (its clock at receipt): the chain and revocation are judged at it, or
at a verified timestamp's genTime; the signer's signingTime attribute is only reported. `at` must be
timezone-aware (TypeError otherwise: a programming error, not an input). Nothing else raises: any input that
does not decode gives ``accepted=False, reason="malformed"``.

Reason codes (stable; the application translates them):

- ``malformed``: the CMS (or a certificate / CRL given as bytes) does not decode, or is not DER;
- ``unsupported_structure``: well-formed, but not a detached single-signer CMS with signed attributes;
- ``unsupported_algorithm``: a digest or signature algorithm not handled here, or the two do not belong together;
- ``digest_mismatch``: the content is not the signed one;
- ``signer_not_found``: no certificate of the CMS is the one the SignerInfo names;
- ``signing_certificate_missing`` / ``signing_certificate_mismatch``: no signingCertificate(V2) attribute / its
  hash or issuerSerial is not the signer certificate's;
- ``bad_signature``: the signature does not verify with the signer certificate's key;
- ``chain_untrusted``, ``chain_expired``, ``chain_not_yet_valid``, ``chain_bad_signature``, ``chain_not_a_ca``,
  ``chain_path_too_long``, ``chain_unsupported_algorithm``: ``chain_`` + the `ChainReason`;
- ``timestamp_invalid`` (the token does not decode or verify, or is not over this signature) /
  ``timestamp_untrusted`` (its signer is no timestamping authority chaining to `anchors`);
- ``revoked``, ``on_hold``, ``revocation_unknown``;
- ``role``; ``bin_mismatch``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

from asn1crypto import cms, core
from asn1crypto import x509 as asn1_x509

from app.nca import gost3410
from app.nca.der import is_der, named_certificate, signed_attributes_set
from app.nca.pki import (
    ChainError,
    CheckedCrl,
    CrlError,
    NcaCertificate,
    NcaCrl,
    RevocationState,
    RevocationStatus,
    Role,
    SignedData,
    UnsupportedAlgorithm,
    build_chain,
    check_crl,
    parse_certificate,
    parse_crl,
    revocation_status,
    role_of,
    verify_signed_by,
)
from app.nca.streebog import streebog256, streebog512
from app.nca.timestamp import Timestamp, TimestampError, verify_token

__all__ = [
    "ACCEPTED_ROLES",
    "STEPS",
    "SignerDetails",
    "Step",
    "Verification",
    "verify_detached",
]

STEPS = ("structure", "message_digest", "signing_certificate", "signature", "timestamp", "chain", "revocation",
         "role", "bin")
ACCEPTED_ROLES = frozenset({Role.FIRST_HEAD, Role.SIGNING_EMPLOYEE})

DIGEST_STREEBOG_512 = "1.2.398.3.10.1.3.3"
DIGEST_STREEBOG_256 = "1.2.398.3.10.1.3.2"
DIGEST_SHA256 = "2.16.840.1.101.3.4.2.1"
_CONTENT_DIGESTS = {
    DIGEST_STREEBOG_512: streebog512,
    DIGEST_STREEBOG_256: streebog256,
    DIGEST_SHA256: lambda data: hashlib.sha256(data).digest(),
}
_RSA_ENCRYPTION = "1.2.840.113549.1.1.1"
_SHA256_WITH_RSA = "1.2.840.113549.1.1.11"
# signature algorithm → the digest algorithm it must come with
_SIGNATURE_DIGEST = {
    gost3410.SIGNATURE_OID_512: DIGEST_STREEBOG_512,
    gost3410.SIGNATURE_OID_256: DIGEST_STREEBOG_256,
    _SHA256_WITH_RSA: DIGEST_SHA256,
}
# hashes an ESSCertID(v2) may use for the certificate hash
_CERT_HASHES = {
    "sha1": lambda data: hashlib.sha1(data).digest(),  # noqa: S324 - ESSCertID v1 is SHA-1 by definition
    "sha256": lambda data: hashlib.sha256(data).digest(),
    "sha384": lambda data: hashlib.sha384(data).digest(),
    "sha512": lambda data: hashlib.sha512(data).digest(),
    DIGEST_STREEBOG_512: streebog512,
    DIGEST_STREEBOG_256: streebog256,
}


class Step(NamedTuple):
    code: str  # one of STEPS
    passed: bool
    detail: str


@dataclass(frozen=True)
class SignerDetails:
    name: str | None  # the subject's common name
    iin: str | None
    bin: str | None
    organization: str | None
    role: str  # a `Role` value
    serial_hex: str
    issuer_dn: str
    algorithm: str  # "gost2015-512", "gost2015-256", "rsa", …
    certificate_sha256: str  # of the signer certificate's DER
    signing_time: datetime | None  # the signingTime attribute: what the signer claims, informational
    revocation_source: str | None = None  # "crl" when a CRL decided the status
    revocation_time: datetime | None = None  # thisUpdate of that CRL
    timestamp_time: datetime | None = None  # genTime of a verified timestamp token (the time judged at)
    timestamp_authority: str | None = None  # its TSA's subject


@dataclass(frozen=True)
class Verification:
    accepted: bool
    reason: str | None  # None when accepted; else a code (module docstring)
    steps: tuple[Step, ...]  # the steps run, in order; the last one failed unless accepted
    at: datetime | None  # the time the chain and revocation were judged at
    received: datetime | None = None  # the `at` given: the receipt
    signer: SignerDetails | None = None  # once the signer certificate is known
    not_run: tuple[str, ...] = field(default=())  # the steps after the failing one

    @property
    def failed_step(self) -> str | None:
        return None if self.accepted or not self.steps else self.steps[-1].code


class _Refused(Exception):  # internal control flow: a refusal with its reason code
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(reason, detail)
        self.reason = reason
        self.detail = detail


def _certificates(items: Iterable[NcaCertificate | bytes]) -> list[NcaCertificate]:
    return [item if isinstance(item, NcaCertificate) else parse_certificate(bytes(item)) for item in items]


def _crls(items: Iterable[NcaCrl | bytes]) -> list[NcaCrl]:
    return [item if isinstance(item, NcaCrl) else parse_crl(bytes(item)) for item in items]


def _single_value(attributes: cms.CMSAttributes, name: str):
    """The one value of the attribute `name`; None if absent; `_Refused` if repeated or multi-valued."""
    found = [attribute for attribute in attributes if attribute["type"].native == name]
    if not found:
        return None
    if len(found) > 1 or len(found[0]["values"]) != 1:
        raise _Refused("unsupported_structure", f"the {name} attribute must occur once with one value")
    return found[0]["values"][0]


class _Run:
    """One verification: the steps so far and what they established."""

    def __init__(self, at: datetime) -> None:
        self.at = at  # the time judged at: the receipt, or a verified timestamp's genTime
        self.received = at  # the receipt: CRLs must be current then
        self.timestamp: Timestamp | None = None
        self.steps: list[Step] = []
        self.cert: NcaCertificate | None = None
        self.signing_time: datetime | None = None
        self.revocation_source: str | None = None
        self.revocation_time: datetime | None = None
        # set by the steps, for the later ones
        self.signed: Any = None
        self.signer_info: Any = None
        self.attributes: Any = None
        self.digest_algorithm: str | None = None
        self.cms_certificates: list[NcaCertificate] = []
        self.chain: Any = None

    def passed(self, code: str, detail: str) -> None:
        self.steps.append(Step(code, True, detail))

    def signer(self) -> SignerDetails | None:
        cert = self.cert
        if cert is None:
            return None
        return SignerDetails(
            name=cert.subject.common_name,
            iin=cert.subject.iin,
            bin=cert.subject.bin,
            organization=cert.subject.organization,
            role=str(role_of(cert)),
            serial_hex=cert.serial_hex,
            issuer_dn=cert.issuer_dn,
            algorithm=str(cert.key_algorithm),
            certificate_sha256=hashlib.sha256(cert.der).hexdigest(),
            signing_time=self.signing_time,
            revocation_source=self.revocation_source,
            revocation_time=self.revocation_time,
            timestamp_time=self.timestamp.gen_time if self.timestamp else None,
            timestamp_authority=self.timestamp.tsa if self.timestamp else None,
        )

    def result(self, reason: str | None) -> Verification:
        done = {step.code for step in self.steps}
        not_run = tuple(code for code in STEPS if code not in done) if reason is not None else ()
        return Verification(
            accepted=reason is None,
            reason=reason,
            steps=tuple(self.steps),
            at=self.at,
            received=self.received,
            signer=self.signer(),
            not_run=not_run,
        )


def verify_detached(
    cms_der: bytes,
    content: bytes,
    *,
    anchors: Iterable[NcaCertificate | bytes],
    intermediates: Iterable[NcaCertificate | bytes] = (),
    crls: Iterable[NcaCrl | bytes] = (),
    expected_bin: str,
    at: datetime,
    require_revocation: bool = True,
    ocsp_lookup: Callable[[NcaCertificate, NcaCertificate, datetime], RevocationStatus] | None = None,
) -> Verification:
    """Verify the detached CMS `cms_der` over `content` (see the module docstring); never raises on bad input."""
    if not isinstance(at, datetime) or at.tzinfo is None:
        raise TypeError("`at` must be a timezone-aware datetime")
    at = at.astimezone(UTC)
    run = _Run(at)
    current = STEPS[0]
    try:
        for current in STEPS:
            _STEP_FUNCTIONS[current](
                run,
                cms_der=cms_der,
                content=content,
                anchors=anchors,
                intermediates=intermediates,
                crls=crls,
                expected_bin=expected_bin,
                require_revocation=require_revocation,
                ocsp_lookup=ocsp_lookup,
            )
    except _Refused as refusal:
        run.steps.append(Step(current, False, refusal.detail))
        return run.result(refusal.reason)
    except Exception as exc:  # anything that does not decode, at any depth, is malformed input
        run.steps.append(Step(current, False, f"malformed input: {type(exc).__name__}: {exc}"[:500]))
        return run.result("malformed")
    return run.result(None)


# --- the steps -----------------------------------------------------------------------------------------------
# Each takes the run and the inputs, records what it established on the run, appends its passed Step, or
# raises _Refused (or any exception: malformed).


def _structure(run: _Run, *, cms_der: bytes, **_) -> None:
    if not isinstance(cms_der, bytes | bytearray | memoryview):
        raise _Refused("malformed", "the CMS is not bytes")
    der = bytes(cms_der)
    if not is_der(der):
        raise _Refused("malformed", "the CMS is not DER (lengths)")
    info = cms.ContentInfo.load(der, strict=True)
    if info["content_type"].dotted != "1.2.840.113549.1.7.2":
        raise _Refused("unsupported_structure", "not a SignedData")
    signed = info["content"]
    encap = signed["encap_content_info"]
    if encap["content"].native is not None:
        raise _Refused("unsupported_structure", "the CMS carries its content: not a detached signature")
    signer_infos = signed["signer_infos"]
    if len(signer_infos) != 1:
        raise _Refused("unsupported_structure", f"{len(signer_infos)} SignerInfos, not exactly one")
    signer_info = signer_infos[0]
    _check_versions_and_algorithms(signed, signer_info)
    attributes = signer_info["signed_attrs"]
    if attributes.native is None or len(attributes) == 0:
        raise _Refused("unsupported_structure", "no signed attributes")
    content_type = _single_value(attributes, "content_type")
    if content_type is None or content_type.dotted != encap["content_type"].dotted:
        raise _Refused("unsupported_structure", "the contentType attribute is missing or not the content's type")
    if _single_value(attributes, "message_digest") is None:
        raise _Refused("unsupported_structure", "no messageDigest attribute")
    signing_time = _single_value(attributes, "signing_time")
    if signing_time is not None:
        run.signing_time = signing_time.native.astimezone(UTC)
    run.signed = signed
    run.signer_info = signer_info
    run.attributes = attributes
    run.passed("structure", f"detached SignedData v{signed['version'].native[1:]}, one SignerInfo, signed attributes")


def _algorithm_parameters_ok(algorithm) -> bool:
    """Absent or NULL parameters (the only forms NCA and RFC 5754 / RFC 9215 use for these algorithms)."""
    parameters = algorithm["parameters"]
    return isinstance(parameters, core.Void) or parameters.dump() == b"\x05\x00"


def _check_versions_and_algorithms(signed, signer_info) -> None:
    """The fields the signature does not cover, held to the one form RFC 5652 allows for this layout."""
    by_key_id = signer_info["sid"].name == "subject_key_identifier"
    if signer_info["version"].native != ("v3" if by_key_id else "v1"):
        raise _Refused("unsupported_structure", "the SignerInfo version does not fit its sid (RFC 5652, 5.3)")
    other_certificates = any(choice.name != "certificate" for choice in signed["certificates"] or ())
    other_crls = any(choice.name != "crl" for choice in signed["crls"] or ())
    if other_certificates or other_crls:
        raise _Refused("unsupported_structure", "certificates or CRLs of other formats")
    if signed["version"].native != ("v3" if by_key_id else "v1"):
        raise _Refused("unsupported_structure", "the SignedData version does not fit its content (RFC 5652, 5.1)")
    digest_oid = signer_info["digest_algorithm"]["algorithm"].dotted
    digests = signed["digest_algorithms"]
    if digest_oid not in {algorithm["algorithm"].dotted for algorithm in digests}:
        raise _Refused("unsupported_structure", "digestAlgorithms does not list the SignerInfo's digest")
    algorithms = [*digests, signer_info["digest_algorithm"], signer_info["signature_algorithm"]]
    if not all(_algorithm_parameters_ok(algorithm) for algorithm in algorithms):
        raise _Refused("unsupported_structure", "algorithm parameters other than absent or NULL")


def _message_digest(run: _Run, *, content: bytes, **_) -> None:
    algorithm = run.signer_info["digest_algorithm"]["algorithm"].dotted
    digest = _CONTENT_DIGESTS.get(algorithm)
    if digest is None:
        raise _Refused("unsupported_algorithm", f"digest algorithm {algorithm}")
    if not isinstance(content, bytes | bytearray | memoryview):
        raise _Refused("malformed", "the content is not bytes")
    expected = _single_value(run.attributes, "message_digest").native
    if digest(bytes(content)) != expected:
        raise _Refused("digest_mismatch", f"messageDigest is not the {algorithm} digest of the content")
    run.digest_algorithm = algorithm
    run.passed("message_digest", f"{algorithm} digest of {len(content)} bytes matches")


def _signer_certificate(run: _Run) -> asn1_x509.Certificate:
    cert = named_certificate(run.signed, run.signer_info)
    if cert is None:
        raise _Refused("signer_not_found", "no certificate of the CMS is the one the SignerInfo names")
    return cert


def _ess_matches(ess_id, cert: asn1_x509.Certificate, hash_name: str) -> bool:
    if hash_name not in _CERT_HASHES:
        raise _Refused("unsupported_algorithm", f"signingCertificate hash algorithm {hash_name}")
    if _CERT_HASHES[hash_name](cert.dump()) != ess_id["cert_hash"].native:
        return False
    issuer_serial = ess_id["issuer_serial"]
    if issuer_serial.native is None:
        return True
    if issuer_serial["serial_number"].native != cert.serial_number:
        return False
    names = [name.chosen for name in issuer_serial["issuer"] if name.name == "directory_name"]
    return any(name == cert.issuer for name in names)  # signed: a name equal after RFC 4518 preparation is fine


def _signing_certificate(run: _Run, **_) -> None:
    cert = _signer_certificate(run)
    run.cert = parse_certificate(cert.dump())
    run.cms_certificates = [
        parse_certificate(choice.chosen.dump())
        for choice in run.signed["certificates"] or ()
        if choice.name == "certificate" and choice.chosen is not cert
    ]
    v2 = _single_value(run.attributes, "signing_certificate_v2")
    if v2 is not None:
        ess_id = v2["certs"][0]
        hash_name = ess_id["hash_algorithm"]["algorithm"].native
        which = "signingCertificateV2"
    else:
        v1 = _single_value(run.attributes, "signing_certificate")
        if v1 is None:
            raise _Refused("signing_certificate_missing", "neither signingCertificateV2 nor signingCertificate")
        ess_id = v1["certs"][0]
        hash_name = "sha1"
        which = "signingCertificate"
    if not _ess_matches(ess_id, cert, hash_name):
        raise _Refused("signing_certificate_mismatch", f"the {which} attribute names another certificate")
    run.passed("signing_certificate", f"{which} ({hash_name}) names the signer certificate {run.cert.serial_hex}")


def _signature(run: _Run, **_) -> None:
    signer_info = run.signer_info
    algorithm = signer_info["signature_algorithm"]["algorithm"].dotted
    if algorithm == _RSA_ENCRYPTION and run.digest_algorithm == DIGEST_SHA256:
        algorithm = _SHA256_WITH_RSA  # CMS may name the key algorithm alone (RFC 3370, 3.2)
    if _SIGNATURE_DIGEST.get(algorithm) != run.digest_algorithm:
        raise _Refused("unsupported_algorithm", f"signature {algorithm} with digest {run.digest_algorithm}")
    signed_set = signed_attributes_set(signer_info["signed_attrs"])
    try:
        good = verify_signed_by(SignedData(signed_set, signer_info["signature"].native, algorithm), run.cert)
    except UnsupportedAlgorithm as exc:
        raise _Refused("unsupported_algorithm", exc.detail) from exc
    if not good:
        raise _Refused("bad_signature", "the signature does not verify with the signer certificate's key")
    run.passed("signature", f"{algorithm} signature verifies ({run.cert.key_algorithm})")


def _timestamp(run: _Run, *, anchors, intermediates, **_) -> None:
    unsigned = run.signer_info["unsigned_attrs"]
    tokens = [value for attribute in (unsigned if unsigned.native is not None else ())
              if attribute["type"].native == "signature_time_stamp_token" for value in attribute["values"]]
    if not tokens:
        run.passed("timestamp", f"no timestamp token: judged at the receipt, {run.at.isoformat()}")
        return
    if len(tokens) > 1:
        raise _Refused("unsupported_structure", f"{len(tokens)} timestamp tokens")
    try:
        stamp = verify_token(tokens[0], run.signer_info["signature"].native, anchors=_certificates(anchors),
                             intermediates=_certificates(intermediates), now=run.received)
    except TimestampError as exc:
        raise _Refused(exc.reason, exc.detail) from exc
    run.timestamp = stamp
    run.at = stamp.gen_time.astimezone(UTC)
    run.passed("timestamp", f"timestamp of {stamp.tsa}: {run.at.isoformat()}")


def _chain(run: _Run, *, anchors, intermediates, **_) -> None:
    pool = _certificates(intermediates) + run.cms_certificates
    try:
        run.chain = build_chain(run.cert, _certificates(anchors), pool, run.at)
    except ChainError as exc:
        raise _Refused(f"chain_{exc.reason}", exc.detail or str(exc.reason)) from exc
    names = " → ".join(cert.subject.common_name or cert.subject_dn for cert in run.chain.certificates)
    run.passed("chain", f"{names}, valid at {run.at.isoformat()}")


def _as_of(status: RevocationStatus, at: datetime) -> RevocationStatus:
    """An answer obtained now, read at the judged time: a revocation after it leaves the signature good."""
    if status.state in (RevocationState.REVOKED, RevocationState.ON_HOLD) and status.revocation_time is not None \
            and status.revocation_time > at and not status.not_issued:
        return RevocationStatus(RevocationState.GOOD, source=status.source, source_time=status.source_time,
                                revoked_after=status.revocation_time)
    return status


def _revocation(run: _Run, *, crls, require_revocation: bool, ocsp_lookup, **_) -> None:
    require = require_revocation
    issuer = run.chain.issuer
    notes: list[str] = []
    status: RevocationStatus | None = None
    if ocsp_lookup is not None and issuer is not None:
        try:
            status = _as_of(ocsp_lookup(run.cert, issuer, run.received), run.at)
        except Exception as exc:  # the responder is down or its answer refused: the CRLs decide
            notes.append(f"OCSP: {getattr(exc, 'detail', None) or type(exc).__name__}")
            status = None
        if status is not None and status.state is RevocationState.UNKNOWN:
            notes.append("OCSP: the responder does not know the certificate")
            status = None
    if status is None:
        checked: list[CheckedCrl] = []
        if issuer is not None:
            for crl in _crls(crls):
                if crl.issuer_match != issuer.subject_match:
                    continue  # another CA's CRL
                try:
                    checked.append(check_crl(crl, issuer, run.received))
                except CrlError as exc:
                    notes.append(f"{exc.reason} ({exc.detail})")
        status = revocation_status(run.cert, checked, run.at) if checked else None
    if status is None or status.state is RevocationState.UNKNOWN:
        detail = "no usable OCSP answer or CRL of the issuer" + (f": {'; '.join(notes)}" if notes else "")
        if require:
            raise _Refused("revocation_unknown", detail)
        run.passed("revocation", f"not required; {detail}")
        return
    run.revocation_source = status.source
    run.revocation_time = status.source_time
    source = f"{status.source} of {status.source_time.isoformat() if status.source_time else '?'}"
    if status.state is RevocationState.REVOKED:
        raise _Refused("revoked", f"revoked since {status.revocation_time} ({status.reason}) by the {source}")
    if status.state is RevocationState.ON_HOLD:
        raise _Refused("on_hold", f"on hold since {status.revocation_time} by the {source}")
    later = f"; revoked later, at {status.revoked_after}" if status.revoked_after else ""
    run.passed("revocation", f"good at {run.at.isoformat()} by the {source}{later}")


def _role(run: _Run, **_) -> None:
    role = role_of(run.cert)
    if role not in ACCEPTED_ROLES:
        raise _Refused("role", f"role {role}: not a first head or an employee with the right to sign")
    run.passed("role", str(role))


def _bin(run: _Run, *, expected_bin: str, **_) -> None:
    actual = run.cert.subject.bin
    if actual is None or not isinstance(expected_bin, str) or actual != expected_bin.strip():
        raise _Refused("bin_mismatch", f"the certificate's BIN is {actual}, not {expected_bin}")
    run.passed("bin", actual)


_STEP_FUNCTIONS = {
    "structure": _structure,
    "message_digest": _message_digest,
    "signing_certificate": _signing_certificate,
    "signature": _signature,
    "timestamp": _timestamp,
    "chain": _chain,
    "revocation": _revocation,
    "role": _role,
    "bin": _bin,
}
