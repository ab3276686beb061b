"""Revocation of NCA RK certificates: CRLs, and the status types OCSP shares. Pure functions, no network.

OCSP responses are read and checked in `app.nca.ocsp` (by the rule of revocation time against the time of
use below); `app.nca.pki` re-exports both modules.

CRLs
    `parse_crl` (DER or PEM; asn1crypto, because `cryptography` refuses the NCA TEST CRL: its outer
    AlgorithmIdentifier has NULL parameters, the inner one none — only the OIDs are compared here).
    `check_crl(crl, issuer, at)` returns a `CheckedCrl` or raises `CrlError`: ``crl_not_for_issuer`` (the
    CRL's issuer DN / AKI is not that certificate's subject DN / SKI, or the certificate has a keyUsage
    without cRLSign), ``crl_bad_signature``, ``crl_stale`` (`at` after nextUpdate, or no nextUpdate). `issuer`
    must be a certificate the caller has already validated (a member of a `Chain`).
    `revocation_status(cert, checked_crls, at)` reads only checked CRLs: the newest complete CRL of the
    certificate's issuer, plus the newest delta CRL that applies to it (RFC 5280, 5.2.4; a delta's
    removeFromCRL entry lifts a hold). UNKNOWN when no CRL of that issuer is given.

Revocation time against the time of use (`at`, normally the trusted time of signing)
    Following RFC 5280 (3.3, 5.3.2) and ETSI EN 319 102-1 (signature validation at a time for which there
    is proof of existence): a certificate whose revocation time is at or before `at` is REVOKED at `at`; one
    revoked after `at` is GOOD at `at` (`revoked_after` tells when it was revoked later). The invalidity date
    of an entry, when earlier than its revocation date, is the time used (the key may have been compromised
    from then on). Hence `at` must be a time the application trusts — its own clock when it receives the
    signature, or a timestamp token — never the signer's own signingTime attribute, which a thief of the key
    could backdate.
    A CRL says nothing of revocations after its thisUpdate: `check_crl` accepts one that is current at the
    time it is checked (thisUpdate ≤ … ≤ nextUpdate, or issued after `at`). For an archive-grade check of a
    signature, use a CRL (or OCSP answer) issued after the time of signing plus a grace period (ETSI
    EN 319 102-1); that policy is the caller's.
    certificateHold is reversible: such an entry gives ON_HOLD (not REVOKED), with its time. A relying party
    must not accept a signature made while the certificate is on hold; a later CRL may release it (the entry
    disappears, or a delta CRL carries removeFromCRL), after which signatures made *before* the hold stand.
    Every ``*_revoked_*`` TEST certificate is on hold on the TEST CRL of 2026-08-11 (not only
    ``legal_revoked_head``), while ``legal_valid_employee`` and ``legal_valid_infosystem`` are revoked
    (superseded).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType

from asn1crypto import crl as asn1_crl

from app.nca.certificates import (
    MalformedData,
    NcaCertificate,
    PkiError,
    der_from,
    name_match_key,
    name_parts,
    readable_name,
    utc,
)
from app.nca.chains import issuer_matches, require_aware, verify_signed_by

__all__ = [
    "CheckedCrl",
    "CrlError",
    "CrlReason",
    "NcaCrl",
    "RevocationReason",
    "RevocationState",
    "RevocationStatus",
    "RevokedEntry",
    "check_crl",
    "parse_crl",
    "revocation_status",
]


class RevocationReason(StrEnum):
    """CRLReason (RFC 5280, 5.3.1), by asn1crypto's names."""

    UNSPECIFIED = "unspecified"
    KEY_COMPROMISE = "key_compromise"
    CA_COMPROMISE = "ca_compromise"
    AFFILIATION_CHANGED = "affiliation_changed"
    SUPERSEDED = "superseded"
    CESSATION_OF_OPERATION = "cessation_of_operation"
    CERTIFICATE_HOLD = "certificate_hold"
    REMOVE_FROM_CRL = "remove_from_crl"
    PRIVILEGE_WITHDRAWN = "privilege_withdrawn"
    AA_COMPROMISE = "aa_compromise"


class RevocationState(StrEnum):
    GOOD = "good"
    REVOKED = "revoked"
    ON_HOLD = "on_hold"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class RevocationStatus:
    state: RevocationState
    revocation_time: datetime | None = None  # REVOKED / ON_HOLD: the time that counted
    reason: RevocationReason | None = None
    source: str | None = None  # "crl" or "ocsp"; None for UNKNOWN without a CRL of the issuer
    source_time: datetime | None = None  # thisUpdate of the CRL (the delta's if one applied) / the response
    revoked_after: datetime | None = None  # GOOD at `at`, but revoked (or put on hold) later, at this time
    not_issued: bool = False  # OCSP: the responder says the serial number was never issued


# --- CRLs ----------------------------------------------------------------------------------------------------


class CrlReason(StrEnum):
    BAD_SIGNATURE = "crl_bad_signature"
    STALE = "crl_stale"
    NOT_FOR_ISSUER = "crl_not_for_issuer"


class CrlError(PkiError):
    def __init__(self, reason: CrlReason, detail: str = "") -> None:
        super().__init__(reason, detail)
        self.reason = reason


@dataclass(frozen=True)
class RevokedEntry:
    serial: int
    revocation_time: datetime
    reason: RevocationReason | None
    invalidity_date: datetime | None = None

    @property
    def effective_time(self) -> datetime:
        if self.invalidity_date is not None and self.invalidity_date < self.revocation_time:
            return self.invalidity_date
        return self.revocation_time


@dataclass(frozen=True, eq=False)
class NcaCrl:
    der: bytes
    issuer_dn: str
    issuer_name_der: bytes
    issuer_match: str
    authority_key_id: bytes | None
    this_update: datetime
    next_update: datetime | None
    crl_number: int | None
    delta_base: int | None  # BaseCRLNumber of a delta CRL; None for a complete CRL
    revoked: Mapping[int, RevokedEntry]
    signature_algorithm: str
    tbs: bytes
    signature: bytes
    critical_extensions: tuple[str, ...]

    @property
    def is_delta(self) -> bool:
        return self.delta_base is not None

    def __repr__(self) -> str:
        return f"NcaCrl(issuer={self.issuer_dn!r}, this_update={self.this_update}, entries={len(self.revoked)})"


@dataclass(frozen=True)
class CheckedCrl:
    """A CRL whose issuer, signature and freshness `check_crl` verified."""

    crl: NcaCrl
    issuer: NcaCertificate
    checked_at: datetime


def parse_crl(data: bytes) -> NcaCrl:
    """An `NcaCrl` from DER or PEM; `MalformedData` for anything else."""
    der = der_from(data, "X509 CRL")
    try:
        return _parse_crl(der)
    except PkiError:
        raise
    except Exception as exc:  # asn1crypto's errors on damaged DER are of many types
        raise MalformedData(f"not a DER CRL: {type(exc).__name__}: {exc}") from exc


def _parse_crl(der: bytes) -> NcaCrl:
    crl = asn1_crl.CertificateList.load(der, strict=True)
    tbs = crl["tbs_cert_list"]
    algorithm = crl["signature_algorithm"]["algorithm"].dotted
    if tbs["signature"]["algorithm"].dotted != algorithm:
        raise MalformedData("inner and outer signature algorithms differ")
    critical = tuple(ext["extn_id"].dotted for ext in tbs["crl_extensions"] if ext["critical"].native)
    for ext in tbs["crl_extensions"]:
        _ = ext["extn_value"].parsed
    aki = crl.authority_key_identifier_value
    number = crl.crl_number_value
    base = crl.delta_crl_indicator_value
    revoked: dict[int, RevokedEntry] = {}
    for item in tbs["revoked_certificates"]:
        reason = item.crl_reason_value
        invalidity = item.invalidity_date_value
        serial = item["user_certificate"].native
        revoked.setdefault(
            serial,
            RevokedEntry(
                serial=serial,
                revocation_time=utc(item["revocation_date"].native, "revocationDate"),
                reason=RevocationReason(reason.native) if reason is not None else None,
                invalidity_date=utc(invalidity.native, "invalidityDate") if invalidity is not None else None,
            ),
        )
    next_update = tbs["next_update"].native
    return NcaCrl(
        der=der,
        issuer_dn=readable_name(name_parts(tbs["issuer"])),
        issuer_name_der=tbs["issuer"].dump(),
        issuer_match=name_match_key(tbs["issuer"]),
        authority_key_id=aki["key_identifier"].native if aki is not None else None,
        this_update=utc(tbs["this_update"].native, "thisUpdate"),
        next_update=utc(next_update, "nextUpdate") if next_update is not None else None,
        crl_number=number.native if number is not None else None,
        delta_base=base.native if base is not None else None,
        revoked=MappingProxyType(revoked),
        signature_algorithm=algorithm,
        tbs=tbs.dump(),
        signature=bytes(crl["signature"].native),
        critical_extensions=critical,
    )


def check_crl(crl: NcaCrl, issuer: NcaCertificate, at: datetime) -> CheckedCrl:
    """`crl` checked against its issuing CA's certificate at `at` (see the module docstring for the refusals)."""
    at = require_aware(at)
    if crl.issuer_match != issuer.subject_match:
        raise CrlError(CrlReason.NOT_FOR_ISSUER, f"CRL of {crl.issuer_dn!r}, not of {issuer.subject_dn!r}")
    if crl.authority_key_id and issuer.subject_key_id and crl.authority_key_id != issuer.subject_key_id:
        raise CrlError(CrlReason.NOT_FOR_ISSUER, "the CRL's authority key identifier is not the issuer's")
    if issuer.key_usage and "crl_sign" not in issuer.key_usage:
        raise CrlError(CrlReason.NOT_FOR_ISSUER, f"{issuer.subject_dn!r} may not sign CRLs")
    if not verify_signed_by(crl, issuer):
        raise CrlError(CrlReason.BAD_SIGNATURE, f"CRL of {crl.issuer_dn!r} of {crl.this_update}")
    if crl.next_update is None:
        raise CrlError(CrlReason.STALE, "the CRL has no nextUpdate")
    if at > crl.next_update:
        raise CrlError(CrlReason.STALE, f"nextUpdate {crl.next_update} is before {at}")
    return CheckedCrl(crl, issuer, at)


def _status_from_entry(
    entry: RevokedEntry | None, at: datetime, source: str, source_time: datetime, *, not_issued: bool = False
) -> RevocationStatus:
    if entry is None or entry.reason is RevocationReason.REMOVE_FROM_CRL:
        return RevocationStatus(RevocationState.GOOD, source=source, source_time=source_time)
    when = entry.effective_time
    if when > at:
        return RevocationStatus(RevocationState.GOOD, source=source, source_time=source_time, revoked_after=when)
    state = RevocationState.REVOKED
    if entry.reason is RevocationReason.CERTIFICATE_HOLD and not not_issued:
        state = RevocationState.ON_HOLD
    return RevocationStatus(state, when, entry.reason, source, source_time, not_issued=not_issued)


def revocation_status(cert: NcaCertificate, crls: Iterable[CheckedCrl], at: datetime) -> RevocationStatus:
    """GOOD / REVOKED / ON_HOLD of `cert` at `at` by the checked CRLs of its issuer; UNKNOWN without one."""
    at = require_aware(at)
    relevant = [checked.crl for checked in crls if issuer_matches(cert, checked.issuer)]
    complete = [crl for crl in relevant if not crl.is_delta]
    if not complete:
        return RevocationStatus(RevocationState.UNKNOWN)
    base = max(complete, key=lambda crl: (crl.this_update, crl.crl_number or 0))
    entries = dict(base.revoked)
    source_time = base.this_update
    if base.crl_number is not None:
        deltas = [
            crl
            for crl in relevant
            if crl.delta_base is not None
            and crl.crl_number is not None
            and crl.delta_base <= base.crl_number < crl.crl_number
        ]
        if deltas:
            delta = max(deltas, key=lambda crl: (crl.this_update, crl.crl_number or 0))
            source_time = delta.this_update
            for serial, entry in delta.revoked.items():
                if entry.reason is RevocationReason.REMOVE_FROM_CRL:
                    entries.pop(serial, None)
                else:
                    entries[serial] = entry
    return _status_from_entry(entries.get(cert.serial), at, "crl", source_time)
