"""Independent verification of an uploaded PDF against the department's trust roots.

The department's documents carry exactly one PAdES signature that covers the whole file,
so the check is strict: a document passes only if

1. it is a readable, unencrypted PDF no larger than ``max_bytes``;
2. it has a filled signature field;
3. every signature in it verifies cryptographically (CMS signature over the signed
   attributes, and the message digest equals the digest of the ``/ByteRange``);
4. there is exactly one signature and its byte range spans the entire file, so not a
   byte can have been added or changed since signing (incremental updates, a second
   signature or trailing garbage all fail here); the one gap in the range, /Contents,
   holds exactly the CMS container and zero padding, and the container carries no
   certificate but the signer's, those of its validated path and the trust roots (the
   padding and embedded certificates are not signed: a changed byte there fails here);
5. the signer certificate chains to one of ``trust_roots`` (pyhanko-certvalidator, no
   fetching, no revocation sources: the department's PKI publishes none).

Chain validity is judged at the signing time the signature claims (``/M`` or the CMS
signing-time attribute), so documents signed with an older, rotated-out certificate stay
verifiable; a claimed time in the future is not trusted. Without a claimed time, now is used.

Budgets. Nothing in the check walks a structure of the file without a bound: the form-field
tree is walked once per node with a visited set (a field listed twice — a loop or a DAG of
``/Kids`` that made pyHanko's own walk visit an exponential number of paths — is refused),
at most ``pdfbudget.MAX_FIELD_NODES`` nodes, ``MAX_FIELD_DEPTH`` levels and ``MAX_SIGNATURE_FIELDS``
filled signature fields; the file may have at most ``MAX_REVISIONS`` revisions and
``MAX_OBJECTS`` objects. Before the parser sees a file, a byte-level scan (C speed) refuses one
with too many object markers or cross-reference entries, or with more than ``MAX_SPAN`` bytes of
syntax outside stream data between two object markers (a huge array or table that would take the
pure-Python parser seconds to read). A file over a budget, or one whose parsing runs out of memory or
recursion, is TOO_COMPLEX. Wall-clock time and memory are bounded one level up: uploaded
files are checked in a worker process (:mod:`app.documents.sandbox`).

``check_signed_pdf`` never raises on hostile input: parser failures become a reason. A file
that does not parse but still holds a signature whose signed bytes no longer verify (say, a
flipped byte broke the catalog) is SIGNATURE_INVALID rather than NOT_PDF. The check is
synchronous; pyHanko's own event loop runs in a worker thread when the caller already runs one.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import (
    EmbeddedPdfSignature,
    async_validate_detached_cms,
    validate_pdf_signature,
)
from pyhanko_certvalidator import ValidationContext

from app import asyncsafe
from app.documents import pdfbudget

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
CLOCK_SKEW = dt.timedelta(minutes=5)
_ACCEPTED_DIGESTS = frozenset({"sha256", "sha384", "sha512"})
_ACCEPTED_SUBFILTERS = frozenset({"/ETSI.CAdES.detached", "/adbe.pkcs7.detached"})
_HEX_RE = re.compile(rb"<[0-9A-Fa-f]*>")
_BYTE_RANGE_RE = re.compile(rb"/ByteRange\s*\[\s*0\s+(\d{1,10})\s+(\d{1,10})\s+(\d{1,10})\s*\]")
_MAX_RAW_SIGNATURES = 3  # byte ranges tried when the whole file does not parse



class Reason(StrEnum):
    """Why a document failed; members are in the order the checks run."""

    NOT_PDF = "not_pdf"
    NO_SIGNATURE = "no_signature"
    SIGNATURE_INVALID = "signature_invalid"
    MODIFIED_AFTER_SIGNING = "modified_after_signing"
    UNTRUSTED_SIGNER = "untrusted_signer"
    TOO_COMPLEX = "too_complex"  # over a budget: structure, size, time or memory


@dataclass(frozen=True)
class PdfCheck:
    """Outcome of :func:`check_signed_pdf`."""

    ok: bool  # True only if every check passed
    reason: Reason | None  # the first failing check; None when ok
    sha256: str  # of the whole uploaded bytes
    signer_fingerprint: str | None  # SHA-256 of the signer certificate (DER), if it verified
    signed_at: dt.datetime | None  # signing time claimed in the signature, UTC


class _Failed(Exception):
    def __init__(self, reason: Reason) -> None:
        super().__init__(reason.value)
        self.reason = reason


@dataclass(frozen=True)
class _Verified:
    """A signature that is cryptographically sound (its signer is not judged yet)."""

    embedded: EmbeddedPdfSignature
    fingerprint: str
    signed_at: dt.datetime | None
    trusted: bool  # chains to a trust root at the claimed signing time
    path_ders: frozenset[bytes]  # the certificates of the validated path (signer included)


def _as_utc(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


@functools.lru_cache(maxsize=16)
def _asn1_root(der: bytes) -> asn1_x509.Certificate:
    """One asn1crypto object per trust root, kept: it caches what every check recomputes
    otherwise (the RFC 4518 preparation of its long bilingual names, its parsed key)."""
    return asn1_x509.Certificate.load(der)


def _open(data: bytes) -> PdfFileReader:
    if b"%%EOF" not in data[-1024:]:  # the parser needs it there, before it reads anything else
        raise _Failed(Reason.NOT_PDF)
    if not pdfbudget.within_scan_budget(data):
        raise _Failed(Reason.TOO_COMPLEX)
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        if reader.encrypted:
            raise _Failed(Reason.NOT_PDF)
        revisions = reader.xrefs.total_revisions
        if revisions > pdfbudget.MAX_REVISIONS:
            raise _Failed(Reason.TOO_COMPLEX)
        objects = sum(len(reader.xrefs.explicit_refs_in_revision(number)) for number in range(revisions))
        if objects > pdfbudget.MAX_OBJECTS:
            raise _Failed(Reason.TOO_COMPLEX)
        reader.root  # noqa: B018 - the catalog must resolve for this to be a usable PDF
    except _Failed:
        raise
    except (MemoryError, RecursionError):
        raise _Failed(Reason.TOO_COMPLEX) from None
    except Exception:
        raise _Failed(Reason.NOT_PDF) from None
    return reader


def _signature_fields(reader: PdfFileReader) -> list[tuple[str, generic.IndirectObject]]:
    try:
        found = pdfbudget.signature_fields(reader)
    except pdfbudget.OverBudget:
        raise _Failed(Reason.TOO_COMPLEX) from None
    except (MemoryError, RecursionError):
        raise _Failed(Reason.TOO_COMPLEX) from None
    except Exception:
        raise _Failed(Reason.NOT_PDF) from None
    if not found:
        raise _Failed(Reason.NO_SIGNATURE)
    return found


def _verify(
    reader: PdfFileReader,
    name: str,
    sig_field: generic.DictionaryObject,
    roots: list[asn1_x509.Certificate],
    now: dt.datetime,
) -> _Verified | None:
    """Check one signature; None for non-/Sig entries (e.g. document timestamps).

    Raises SIGNATURE_INVALID unless the CMS signature and the byte-range digest verify.
    """
    try:
        embedded = EmbeddedPdfSignature(reader, sig_field, name)
        if embedded.sig_object_type != "/Sig":
            return None
        if str(embedded.sig_object.get("/SubFilter")) not in _ACCEPTED_SUBFILTERS:
            raise _Failed(Reason.SIGNATURE_INVALID)
        if embedded.md_algorithm not in _ACCEPTED_DIGESTS:
            raise _Failed(Reason.SIGNATURE_INVALID)
        signed_at = _as_utc(embedded.self_reported_timestamp)
        plausible_time = signed_at is None or signed_at <= now + CLOCK_SKEW
        context = ValidationContext(
            trust_roots=roots,
            moment=signed_at if signed_at is not None and plausible_time else now,
            allow_fetching=False,
            revocation_mode="soft-fail",
        )
        # Diff analysis is skipped: anything but whole-file coverage is rejected anyway.
        status = asyncsafe.call(validate_pdf_signature, embedded, signer_validation_context=context, skip_diff=True)
        if not (status.intact and status.valid):
            raise _Failed(Reason.SIGNATURE_INVALID)
        cert_der = embedded.signer_cert.dump()
        path = status.validation_path
        path_ders = frozenset(cert.dump() for cert in path.iter_certs(include_root=True)) if path else frozenset()
    except _Failed:
        raise
    except Exception:
        raise _Failed(Reason.SIGNATURE_INVALID) from None
    return _Verified(
        embedded=embedded,
        fingerprint=hashlib.sha256(cert_der).hexdigest(),
        signed_at=signed_at,
        trusted=bool(status.trusted) and plausible_time,
        path_ders=path_ders | {cert_der},
    )


def _covers_whole_file(embedded: EmbeddedPdfSignature, data: bytes) -> bool:
    """True if the byte range is [0, a, b, c] with the gap exactly the /Contents hex string."""
    try:
        byte_range = [int(value) for value in embedded.byte_range]
    except (TypeError, ValueError):
        return False
    if len(byte_range) != 4 or byte_range[0] != 0:
        return False
    _, first_len, second_start, second_len = byte_range
    gap = data[first_len:second_start]
    return (
        0 < first_len < second_start
        and second_len >= 0
        and second_start + second_len == len(data)
        and len(gap) == 2 * len(embedded.pkcs7_content) + 2
        and _HEX_RE.fullmatch(gap) is not None
    )


def _contents_exactly_as_signed(verified: _Verified, roots: list[asn1_x509.Certificate]) -> bool:
    """The unsigned bytes of the file — the /Contents — hold nothing but the signature.

    The byte range leaves /Contents out, and parts of a CMS container are not signed either:
    the padding after it, and the certificates it carries. So /Contents must be the CMS
    container's DER followed by zero bytes only, and every certificate in it must be the
    signer's, one on the path that was validated, a trust root itself, or a certificate whose
    signature verifies under an issuer carried alongside or trusted: a flipped byte in the
    padding or in an embedded copy of the root is a changed file.
    """
    content = bytes(verified.embedded.pkcs7_content)
    try:
        info = cms.ContentInfo.load(content)
        der_length = len(info.dump())
        certificates = info["content"]["certificates"]
        embedded = [choice.chosen.dump() for choice in certificates] if certificates.native is not None else []
    except Exception:
        return False
    if content[:der_length] != info.dump() or content[der_length:].strip(b"\x00"):
        return False
    if not verified.trusted:
        return True  # no validated path to compare with: the signer is refused as untrusted next
    allowed = verified.path_ders | {root.dump() for root in roots}
    others = [der for der in embedded if der not in allowed]
    return not others or _all_soundly_issued(others, [*embedded, *(root.dump() for root in roots)])


def _all_soundly_issued(ders: list[bytes], candidates: list[bytes]) -> bool:
    """Each of ``ders`` is a certificate whose signature verifies under one of ``candidates``."""
    try:
        issuers = [x509.load_der_x509_certificate(der) for der in candidates]
        for der in ders:
            cert = x509.load_der_x509_certificate(der)
            if not any(_issued_by(cert, issuer) for issuer in issuers if issuer.subject == cert.issuer):
                return False
    except Exception:
        return False
    return True


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except Exception:
        return False
    return True


def _evaluate(
    data: bytes, roots: list[asn1_x509.Certificate], now: dt.datetime
) -> tuple[Reason | None, _Verified | None]:
    """Checks 1-5 on ``data``: the first failing reason (None if all pass) and the first signature."""
    verified: list[_Verified] = []
    try:
        reader = _open(data)
        fields = _signature_fields(reader)
        found = [_verify(reader, name, sig_field, roots, now) for name, sig_field in fields]
        verified = sorted(
            (item for item in found if item is not None), key=lambda item: item.embedded.signed_revision
        )
        if not verified:
            raise _Failed(Reason.SIGNATURE_INVALID)
        if len(found) != 1 or not _covers_whole_file(verified[0].embedded, data):
            raise _Failed(Reason.MODIFIED_AFTER_SIGNING)
        if not _contents_exactly_as_signed(verified[0], roots):
            raise _Failed(Reason.MODIFIED_AFTER_SIGNING)
        if not verified[0].trusted:
            raise _Failed(Reason.UNTRUSTED_SIGNER)
    except _Failed as failure:
        return failure.reason, verified[0] if verified else None
    except (MemoryError, RecursionError):
        return Reason.TOO_COMPLEX, None
    except Exception:  # a parser surprise we did not foresee: fail closed
        return (Reason.SIGNATURE_INVALID, None) if verified else (Reason.NOT_PDF, None)
    return None, verified[0]


def _raw_cms_intact(data: bytes, first_len: int, second_start: int, second_len: int) -> bool:
    """Does the hex CMS blob between the two ranges verify over them? (No PDF parsing.)"""
    hex_digits = data[first_len + 1 : second_start - 1]
    if len(hex_digits) % 2:
        hex_digits += b"0"  # PDF: an odd final hex digit is followed by an implicit 0
    try:
        signed_data = cms.ContentInfo.load(bytes.fromhex(hex_digits.decode("ascii")))["content"]
        status = asyncsafe.run(async_validate_detached_cms(
            data[:first_len] + data[second_start : second_start + second_len],
            signed_data,
            signer_validation_context=ValidationContext(trust_roots=[], allow_fetching=False),
        ))
        return bool(status.intact and status.valid)
    except Exception:
        return False


def _from_raw_signatures(
    data: bytes, roots: list[asn1_x509.Certificate], now: dt.datetime
) -> tuple[Reason, _Verified | None] | None:
    """A verdict from the signatures in the raw bytes, for a file whose structure yields none.

    Used when the file does not parse or shows no signature field: a broken signed range means
    tampering (SIGNATURE_INVALID); a sound one that ends before the end of the file means bytes
    were added (junk can hide the trailer from the parser, an update can drop the field), so the
    signed prefix is checked on its own and the file is MODIFIED_AFTER_SIGNING. None: no verdict.
    """
    ranges = {(int(m[1]), int(m[2]), int(m[3])) for m in _BYTE_RANGE_RE.finditer(data)}
    candidates = sorted(ranges, key=lambda r: r[1] + r[2], reverse=True)[:_MAX_RAW_SIGNATURES]
    for first_len, second_start, second_len in candidates:
        end = second_start + second_len
        if not (0 < first_len < second_start <= end <= len(data)):
            continue
        if _HEX_RE.fullmatch(data[first_len:second_start]) is None:
            continue
        if not _raw_cms_intact(data, first_len, second_start, second_len):
            return Reason.SIGNATURE_INVALID, None
        if end < len(data):
            reason, first = _evaluate(data[:end], roots, now)
            if first is not None and reason in (None, Reason.MODIFIED_AFTER_SIGNING, Reason.UNTRUSTED_SIGNER):
                return Reason.MODIFIED_AFTER_SIGNING, first
    return None


def failed(data: bytes, reason: Reason) -> PdfCheck:
    """The verdict ``reason`` for ``data`` (for callers that stop a check from outside)."""
    return PdfCheck(False, reason, hashlib.sha256(data).hexdigest(), None, None)


def check_signed_pdf(
    data: bytes,
    trust_roots: Sequence[x509.Certificate],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> PdfCheck:
    """Verify an uploaded PDF; see the module docstring for the checks and their order.

    ``signer_fingerprint`` and ``signed_at`` are reported once a signature has verified
    cryptographically (so also for modified or untrusted documents), never for forged ones.
    """
    roots_der = [root.public_bytes(serialization.Encoding.DER) for root in trust_roots]
    return check_signed_pdf_der(data, roots_der, max_bytes=max_bytes)


def check_signed_pdf_der(data: bytes, roots_der: Sequence[bytes], *, max_bytes: int = DEFAULT_MAX_BYTES) -> PdfCheck:
    """:func:`check_signed_pdf` with the trust roots as DER bytes (what a worker process gets)."""
    data = bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    reason: Reason | None = Reason.NOT_PDF
    first: _Verified | None = None
    if len(data) <= max_bytes and data.startswith(b"%PDF-"):
        roots = [_asn1_root(bytes(der)) for der in roots_der]
        now = dt.datetime.now(dt.UTC)
        reason, first = _evaluate(data, roots, now)
        if reason in (Reason.NOT_PDF, Reason.NO_SIGNATURE):
            reason, first = _from_raw_signatures(data, roots, now) or (reason, first)
    return PdfCheck(
        ok=reason is None,
        reason=reason,
        sha256=digest,
        signer_fingerprint=first.fingerprint if first else None,
        signed_at=first.signed_at if first else None,
    )
