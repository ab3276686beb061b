"""Independent verification of an uploaded PDF against the department's trust roots.

The department's documents carry exactly one PAdES signature that covers the whole file,
so the check is strict: a document passes only if

1. it is a readable, unencrypted PDF no larger than ``max_bytes``;
2. it has a filled signature field;
3. every signature in it verifies cryptographically (CMS signature over the signed
   attributes, and the message digest equals the digest of the ``/ByteRange``);
4. there is exactly one signature and its byte range spans the entire file, so not a
   byte can have been added or changed since signing (incremental updates, a second
   signature or trailing garbage all fail here);
5. the signer certificate chains to one of ``trust_roots`` (pyhanko-certvalidator, no
   fetching, no revocation sources: the department's PKI publishes none).

Chain validity is judged at the signing time the signature claims (``/M`` or the CMS
signing-time attribute), so documents signed with an older, rotated-out certificate stay
verifiable; a claimed time in the future is not trusted. Without a claimed time, now is used.

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
from pyhanko.sign.fields import enumerate_sig_fields
from pyhanko.sign.validation import (
    EmbeddedPdfSignature,
    async_validate_detached_cms,
    validate_pdf_signature,
)
from pyhanko_certvalidator import ValidationContext

from app import asyncsafe

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
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        if reader.encrypted:
            raise _Failed(Reason.NOT_PDF)
        reader.root  # noqa: B018 - the catalog must resolve for this to be a usable PDF
    except _Failed:
        raise
    except Exception:
        raise _Failed(Reason.NOT_PDF) from None
    return reader


def _signature_fields(reader: PdfFileReader) -> list[tuple[str, generic.DictionaryObject]]:
    try:
        found = [(name, field) for name, _value, field in enumerate_sig_fields(reader, filled_status=True)]
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
    except _Failed:
        raise
    except Exception:
        raise _Failed(Reason.SIGNATURE_INVALID) from None
    return _Verified(
        embedded=embedded,
        fingerprint=hashlib.sha256(cert_der).hexdigest(),
        signed_at=signed_at,
        trusted=bool(status.trusted) and plausible_time,
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
        if not verified[0].trusted:
            raise _Failed(Reason.UNTRUSTED_SIGNER)
    except _Failed as failure:
        return failure.reason, verified[0] if verified else None
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
    data = bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    reason: Reason | None = Reason.NOT_PDF
    first: _Verified | None = None
    if len(data) <= max_bytes and data.startswith(b"%PDF-"):
        roots = [_asn1_root(root.public_bytes(serialization.Encoding.DER)) for root in trust_roots]
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
