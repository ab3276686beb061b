"""Verification of detached CMS/PKCS#7 signatures over an agreement PDF.

An association may sign its agreement by uploading a detached CMS SignedData (``.p7s``)
made by any standard tool (``openssl cms -sign -binary ...``). :func:`verify_detached`
checks it against the exact agreement bytes and describes the signer. Trust (a chain to
an installed national CA anchor) is reported in ``CmsSigner.trusted``, never raised.

Decisions: input may be DER, PEM (``CMS``/``PKCS7``/``PKCS #7 SIGNED DATA``) or bare
base64 of the DER, at most 1 MiB. With several SignerInfos all must verify and the first
one (in encoded order: DER sorts the SET) is reported. ``signingTime`` is asserted by the
signer; it only selects the moment for the validity check (``now`` if absent). Without
signed attributes, a failing RSA PKCS#1 v1.5 signature whose padding still recovers a
DigestInfo was made by this key over other bytes: ``WRONG_CONTENT``; for ECDSA/PSS that
cannot be told from corruption: ``BAD_SIGNATURE``. RSA keys under 2048 bits, SHA-1/MD5
and GOST are ``UNSUPPORTED_ALGORITHM``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import NamedTuple

from asn1crypto import cms as asn1_cms
from asn1crypto import core as asn1_core
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator import errors as pv_errors

from app import asyncsafe

MAX_SIGNATURE_SIZE = 1024 * 1024

_HASHES = {"sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}
_CURVES = {"secp256r1", "secp384r1", "secp521r1"}
_RSA_MIN_BITS = 2048
# Kazakh GOST 34.310/34.311 (NCA RK) and Russian GOST R 34.10/34.11 arcs.
_GOST_ARCS = ("1.2.398.3.10.", "1.2.643.")
_GOST_MESSAGE = "GOST signatures are not supported; please sign with an RSA or ECDSA certificate"
_PEM_RE = re.compile(rb"-----BEGIN ([A-Z0-9 #]+)-----(.*?)-----END \1-----", re.DOTALL)
_PEM_LABELS = {b"CMS", b"PKCS7", b"PKCS #7 SIGNED DATA"}
_BASE64_RE = re.compile(rb"[A-Za-z0-9+/=\s]+")
_SIG_NAME_RE = re.compile(r"(sha\d+)_(rsa|ecdsa)")


class CmsProblem(StrEnum):
    NOT_CMS = "not_cms"
    NO_CERTIFICATE = "no_certificate"
    WRONG_CONTENT = "wrong_content"
    BAD_SIGNATURE = "bad_signature"
    UNSUPPORTED_ALGORITHM = "unsupported_algorithm"
    CERTIFICATE_NOT_VALID_AT_SIGNING = "certificate_not_valid"


class CmsSignatureError(Exception):
    """The signature was rejected; ``problem`` says why, ``detail`` is English text."""

    def __init__(self, problem: CmsProblem, detail: str = "") -> None:
        super().__init__(f"{problem.value}: {detail}" if detail else problem.value)
        self.problem = problem
        self.detail = detail


@dataclass(frozen=True)
class CmsSigner:
    subject: str
    common_name: str | None
    organization: str | None
    serial_number_attr: str | None
    fingerprint_sha256: str
    certificate_pem: str
    signing_time: datetime | None
    trusted: bool
    trust_detail: str


class _SignerInfo(NamedTuple):
    sid: asn1_cms.SignerIdentifier
    digest_oid: str  # asn1crypto's name, or the dotted OID when unknown
    sig_oid: str
    sig_params: asn1_core.Asn1Value
    signature: bytes
    signed_attrs: bytes | None  # DER re-tagged as SET OF, as actually signed
    attrs: dict[str, list]


def _fail(problem: CmsProblem, detail: str) -> CmsSignatureError:
    return CmsSignatureError(problem, detail)


def to_der(data: bytes) -> bytes:
    """The DER of a CMS given as DER, PEM or bare base64 (``CmsSignatureError`` NOT_CMS otherwise)."""
    if data[:1] == b"\x30":  # DER SEQUENCE
        return data
    stripped = data.strip()
    if stripped.startswith(b"-----BEGIN "):
        match = _PEM_RE.search(stripped)
        if not match or match.group(1) not in _PEM_LABELS:
            raise _fail(CmsProblem.NOT_CMS, "PEM data is not a CMS/PKCS#7 signature")
        stripped = match.group(2)
    if not _BASE64_RE.fullmatch(stripped):
        raise _fail(CmsProblem.NOT_CMS, "data is neither DER nor PEM CMS")
    try:
        return base64.b64decode(b"".join(stripped.split()), validate=True)
    except (binascii.Error, ValueError):
        raise _fail(CmsProblem.NOT_CMS, "invalid base64 in PEM data") from None


def _parse(der: bytes) -> tuple[bytes | None, list[asn1_x509.Certificate], list[_SignerInfo]]:
    """Return (encapsulated content, certificates, signer infos), forcing a full parse."""
    info = asn1_cms.ContentInfo.load(der, strict=True)
    if info["content_type"].native != "signed_data":
        raise _fail(CmsProblem.NOT_CMS, "CMS content is not SignedData")
    signed = info["content"]
    encap = signed["encap_content_info"]
    if encap["content_type"].native != "data":
        raise _fail(CmsProblem.WRONG_CONTENT, "signed content type is not id-data")
    econtent = encap["content"]
    embedded = None if isinstance(econtent, asn1_core.Void) else bytes(econtent.native)
    certs = [c.chosen for c in signed["certificates"] or [] if c.name == "certificate"]
    signers = []
    for si in signed["signer_infos"]:
        raw_attrs = si["signed_attrs"]
        attrs: dict[str, list] = {}
        signed_attrs = None
        if not isinstance(raw_attrs, asn1_core.Void):
            signed_attrs = raw_attrs.untag().dump(force=False)
            for attr in raw_attrs:
                name = attr["type"].native
                if name in attrs:
                    raise _fail(CmsProblem.BAD_SIGNATURE, f"duplicate signed attribute {name}")
                wanted = name in ("content_type", "message_digest", "signing_time")
                attrs[name] = [value.native for value in attr["values"]] if wanted else []
        alg = si["signature_algorithm"]
        digest_oid = si["digest_algorithm"]["algorithm"].native
        signature = bytes(si["signature"].native)
        signers.append(
            _SignerInfo(si["sid"], digest_oid, alg["algorithm"].native, alg["parameters"],
                        signature, signed_attrs, attrs)
        )
    if not signers:
        raise _fail(CmsProblem.NOT_CMS, "SignedData has no SignerInfo")
    return embedded, certs, signers


def _hash(name: str, what: str) -> hashes.HashAlgorithm:
    if name not in _HASHES:
        detail = _GOST_MESSAGE if name.startswith(_GOST_ARCS) else f"{what} {name} is not supported"
        raise _fail(CmsProblem.UNSUPPORTED_ALGORITHM, detail)
    return _HASHES[name]()


def _scheme(si: _SignerInfo, digest: hashes.HashAlgorithm) -> tuple[str, object]:
    """Return ("rsa", padding) or ("ecdsa", ECDSA) for the SignerInfo's signature algorithm."""
    oid = si.sig_oid
    if oid == "rsassa_pss":
        params = si.sig_params
        pss_hash = _hash(params["hash_algorithm"]["algorithm"].native, "PSS hash")
        mgf = params["mask_gen_algorithm"]
        if mgf["algorithm"].native != "mgf1" or params["trailer_field"].native != "trailer_field_bc":
            raise _fail(CmsProblem.UNSUPPORTED_ALGORITHM, "unsupported RSA-PSS parameters")
        mgf_hash = _hash(mgf["parameters"]["algorithm"].native, "MGF1 hash")
        if pss_hash.name != digest.name:
            raise _fail(CmsProblem.UNSUPPORTED_ALGORITHM, "PSS hash differs from the digest algorithm")
        pss = padding.PSS(mgf=padding.MGF1(mgf_hash), salt_length=params["salt_length"].native)
        return "rsa", pss
    if oid in ("rsassa_pkcs1v15", "ecdsa", "1.2.840.10045.2.1"):  # hash given by digestAlgorithm
        kind, sig_hash = ("rsa" if oid == "rsassa_pkcs1v15" else "ecdsa"), ""
    elif match := _SIG_NAME_RE.fullmatch(oid):
        sig_hash, kind = match.groups()
    else:
        detail = _GOST_MESSAGE if oid.startswith(_GOST_ARCS) else f"signature algorithm {oid} unsupported"
        raise _fail(CmsProblem.UNSUPPORTED_ALGORITHM, detail)
    if sig_hash and sig_hash != digest.name:
        raise _fail(CmsProblem.UNSUPPORTED_ALGORITHM, f"signature algorithm {oid} does not match digest")
    return kind, (padding.PKCS1v15() if kind == "rsa" else ec.ECDSA(digest))


def _find_cert(si: _SignerInfo, certs: list[asn1_x509.Certificate]) -> asn1_x509.Certificate:
    sid = si.sid
    for cert in certs:
        if sid.name == "issuer_and_serial_number":
            ias = sid.chosen
            if cert.issuer == ias["issuer"] and cert.serial_number == ias["serial_number"].native:
                return cert
        elif sid.name == "subject_key_identifier" and cert.key_identifier == sid.chosen.native:
            return cert
    raise _fail(CmsProblem.NO_CERTIFICATE, "the signer certificate is not included in the signature")


def _public_key(cert: x509.Certificate, kind: str) -> rsa.RSAPublicKey | ec.EllipticCurvePublicKey:
    try:
        key = cert.public_key()
    except UnsupportedAlgorithm:
        oid = cert.public_key_algorithm_oid.dotted_string
        detail = _GOST_MESSAGE if oid.startswith(_GOST_ARCS) else f"public key algorithm {oid}"
        raise _fail(CmsProblem.UNSUPPORTED_ALGORITHM, detail) from None
    if not isinstance(key, rsa.RSAPublicKey if kind == "rsa" else ec.EllipticCurvePublicKey):
        raise _fail(CmsProblem.BAD_SIGNATURE, f"the certificate key does not fit a {kind} signature")
    if isinstance(key, rsa.RSAPublicKey) and key.key_size < _RSA_MIN_BITS:
        raise _fail(CmsProblem.UNSUPPORTED_ALGORITHM, f"RSA key of {key.key_size} bits is too short")
    if isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name not in _CURVES:
        raise _fail(CmsProblem.UNSUPPORTED_ALGORITHM, f"elliptic curve {key.curve.name} is not supported")
    return key


def _verify_one(si: _SignerInfo, certs: list, content: bytes) -> tuple[x509.Certificate, datetime | None]:
    """Check one SignerInfo completely; return its certificate and signing time."""
    digest = _hash(si.digest_oid, "digest algorithm")
    kind, scheme = _scheme(si, digest)
    cert = x509.load_der_x509_certificate(_find_cert(si, certs).dump())
    key = _public_key(cert, kind)
    signing_time, data = None, content
    if si.signed_attrs is not None:
        content_type = si.attrs.get("content_type")
        message_digest = si.attrs.get("message_digest")
        if not content_type or not message_digest or len(content_type) + len(message_digest) != 2:
            raise _fail(CmsProblem.BAD_SIGNATURE, "content-type/message-digest attributes missing")
        if content_type[0] != "data":
            raise _fail(CmsProblem.WRONG_CONTENT, "signed content type is not id-data")
        if message_digest[0] != hashlib.new(digest.name, content).digest():
            raise _fail(CmsProblem.WRONG_CONTENT, "the signature was made over a different document")
        times = si.attrs.get("signing_time") or []
        if len(times) == 1 and isinstance(times[0], datetime):
            signing_time = times[0].astimezone(UTC)
        data = si.signed_attrs
    try:
        key.verify(si.signature, data, *((scheme, digest) if kind == "rsa" else (scheme,)))
    except InvalidSignature:
        if si.signed_attrs is None and isinstance(scheme, padding.PKCS1v15):
            try:
                key.recover_data_from_signature(si.signature, scheme, None)
            except (InvalidSignature, ValueError):
                pass
            else:
                raise _fail(CmsProblem.WRONG_CONTENT, "the signature was made over a different document")
        raise _fail(CmsProblem.BAD_SIGNATURE, "the signature value does not verify") from None

    moment = signing_time or datetime.now(UTC)
    if not cert.not_valid_before_utc <= moment <= cert.not_valid_after_utc:
        when = "at signing time" if signing_time else "now (no signing time in the signature)"
        raise _fail(CmsProblem.CERTIFICATE_NOT_VALID_AT_SIGNING, f"signer certificate not valid {when}")
    return cert, signing_time


def _trust(cert: x509.Certificate, certs: list, anchors: Sequence, moment: datetime) -> tuple[bool, str]:
    """Chain the signer to an installed anchor (no fetching, no revocation checks)."""
    if not anchors:
        return False, "no trust anchor installed"
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        usage = None
    if usage is not None and not (usage.digital_signature or usage.content_commitment):
        return False, "certificate not valid for signing"
    der = cert.public_bytes(serialization.Encoding.DER)
    try:
        roots = [asn1_x509.Certificate.load(a.public_bytes(serialization.Encoding.DER)) for a in anchors]
        context = ValidationContext(
            trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail", moment=moment
        )
        validator = CertificateValidator(
            asn1_x509.Certificate.load(der),
            intermediate_certs=[c for c in certs if c.dump() != der],
            validation_context=context,
        )
        asyncsafe.run(validator.async_validate_path())
    except pv_errors.PathBuildingError:
        return False, "chain does not reach an installed anchor"
    except (pv_errors.ExpiredError, pv_errors.NotYetValidError):
        return False, "a certificate in the chain is outside its validity period"
    except pv_errors.DisallowedAlgorithmError:
        return False, "the chain uses a disallowed algorithm"
    except pv_errors.PathValidationError:
        return False, "chain does not verify up to an installed anchor"
    except Exception:  # any other validation failure is reported, not raised
        return False, "chain validation failed"
    return True, ""


def _name_attr(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    values = name.get_attributes_for_oid(oid)
    return values[0].value if values and isinstance(values[0].value, str) else None


def verify_detached(
    signature: bytes, content: bytes, trust_anchors: Sequence[x509.Certificate] = ()
) -> CmsSigner:
    """Verify a detached CMS signature over ``content`` and describe its (first) signer.

    Raises :class:`CmsSignatureError` and nothing else for any rejected input.
    """
    if not signature or len(signature) > MAX_SIGNATURE_SIZE:
        raise _fail(CmsProblem.NOT_CMS, "signature file is empty or larger than 1 MiB")
    try:
        return _verify(bytes(signature), content, trust_anchors)
    except CmsSignatureError:
        raise
    except Exception:  # hostile input makes asn1crypto/cryptography raise all kinds of errors
        raise _fail(CmsProblem.NOT_CMS, "malformed CMS structure or certificate") from None


def _verify(signature: bytes, content: bytes, anchors: Sequence[x509.Certificate]) -> CmsSigner:
    embedded, certs, signers = _parse(to_der(signature))
    if embedded is not None and embedded != content:
        raise _fail(CmsProblem.WRONG_CONTENT, "the signature embeds a different document")
    results = [_verify_one(si, certs, content) for si in signers]  # every signer must verify
    cert, signing_time = results[0]
    subject = cert.subject
    trusted, detail = _trust(cert, certs, anchors, signing_time or datetime.now(UTC))
    return CmsSigner(
        subject=subject.rfc4514_string(),
        common_name=_name_attr(subject, NameOID.COMMON_NAME),
        organization=_name_attr(subject, NameOID.ORGANIZATION_NAME),
        serial_number_attr=_name_attr(subject, NameOID.SERIAL_NUMBER),
        fingerprint_sha256=cert.fingerprint(hashes.SHA256()).hex(),
        certificate_pem=cert.public_bytes(serialization.Encoding.PEM).decode("ascii"),
        signing_time=signing_time,
        trusted=trusted,
        trust_detail=detail,
    )
