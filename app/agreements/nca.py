"""NCA RK signatures on agreements: the department's trust store and the verification of an association's CMS.

Which CMS goes here (decision): one that only the national PKI can judge — a Kazakh algorithm (GOST 2015,
OIDs under ``1.2.398.``) or a signer certificate carrying an NCA role (extended key usage under
``1.2.398.3.3.4.``, RSA ones included). Its verdict is final: there is no officer's override of an NCA
refusal (revoked, wrong role, other BIN…), the reason is shown to the association. Any other CMS (a key from
another certifying centre, ``openssl cms``) keeps the earlier rules of :mod:`app.agreements.cms`.

The trust store: the CA certificates an admin installed (``trust_anchors``; a self-issued one is a trust
anchor, any other an intermediate that must chain to one) and the CRLs an admin imported
(``revocation_lists``, each checked on import against the installed CA that issued it). When
``PBI_NCA_OCSP_URL`` is set (NCA's responder, reachable from the server), its checked answer decides first
(``PBI_NCA_OCSP_TIMEOUT`` seconds, default 5; :mod:`app.nca.ocsp_client`); without it, or when it does not
answer, the newest complete CRL (and the newest delta) of the signer's issuer does. A CRL past its nextUpdate
is no source: with no other, revocation cannot be checked and the signature is refused with that reason,
unless ``PBI_NCA_REQUIRE_REVOCATION`` is off.

The time a signature is judged at is this server's clock at upload, or the genTime of an RFC 3161 timestamp
token the CMS carries (NCA's TSA, when NCALayer or Kalkan was asked for one), once the token's TSA signature
and chain to an installed root have verified (:mod:`app.nca.timestamp`; install the TSA's root like NCA's).
The signer's own signingTime is recorded as what it claims, never trusted.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from asn1crypto import cms as asn1_cms
from flask import current_app
from sqlalchemy import delete, select

from app.accounts.models import Role, User
from app.agreements.errors import AgreementError, NotAllowed
from app.agreements.models import Agreement, TrustAnchor
from app.agreements.nca_models import NcaSignature, RevocationList
from app.audit import services as audit
from app.extensions import db
from app.nca import cms_verify
from app.nca.cms_verify import SignerDetails  # noqa: F401 (part of this module's interface)
from app.nca.ocsp_client import OcspLookup
from app.nca.pki import CrlError, NcaCertificate, NcaCrl, PkiError, check_crl, parse_certificate, parse_crl

NCA_ARC = "1.2.398."
NCA_ROLE_ARC = "1.2.398.3.3.4."
MAX_CRL_BYTES = 64 * 1024 * 1024  # the production NCA CRLs are a few MB


class InvalidCrl(AgreementError):
    """A file that is not a CRL, or a CRL no installed CA issued, or whose signature does not verify."""

    def __init__(self, problem: str, detail: str = "") -> None:  # "malformed" | "no_issuer" | "bad_signature"
        super().__init__(f"{problem}: {detail}" if detail else problem)
        self.problem = problem


class NcaSignatureRefused(AgreementError):
    """The NCA verifier refused the signature; ``reason`` is a :mod:`app.nca.cms_verify` code."""

    def __init__(self, verification: cms_verify.Verification) -> None:
        super().__init__(verification.reason)
        self.reason = verification.reason or "malformed"
        self.verification = verification


def _now() -> datetime:
    """The time a signature is judged at (aware, UTC); the one place the tests move."""
    return datetime.now(UTC)


def _naive(moment: datetime | None) -> datetime | None:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment is not None else None


# --- which CMS is an NCA one -------------------------------------------------------------------------------

def is_nca_signature(der: bytes) -> bool:
    """Whether the CMS uses a Kazakh algorithm or names an NCA role; False for anything that does not decode."""
    try:
        signed = asn1_cms.ContentInfo.load(der)["content"]
        for signer_info in signed["signer_infos"]:
            oids = (signer_info["digest_algorithm"]["algorithm"].dotted,
                    signer_info["signature_algorithm"]["algorithm"].dotted)
            if any(oid.startswith(NCA_ARC) for oid in oids):
                return True
        for choice in signed["certificates"] or ():
            if choice.name != "certificate":
                continue
            usage = choice.chosen.extended_key_usage_value
            if usage is not None and any(purpose.dotted.startswith(NCA_ROLE_ARC) for purpose in usage):
                return True
    except Exception:  # not a CMS at all: the general path says so
        return False
    return False


# --- the trust store ---------------------------------------------------------------------------------------

@lru_cache(maxsize=64)
def _certificate(pem: str) -> NcaCertificate | None:
    try:
        return parse_certificate(pem.encode("ascii"))
    except (PkiError, UnicodeEncodeError):
        return None


_CRL_CACHE: dict[str, NcaCrl] = {}  # parsed CRLs by SHA-256: a production CRL is megabytes
_CRL_CACHE_SIZE = 8


def _crl(row_id: int, digest: str) -> NcaCrl:
    found = _CRL_CACHE.get(digest)
    if found is None:
        found = parse_crl(db.session.scalar(select(RevocationList.der).where(RevocationList.id == row_id)))
        if len(_CRL_CACHE) >= _CRL_CACHE_SIZE:
            _CRL_CACHE.pop(next(iter(_CRL_CACHE)))
        _CRL_CACHE[digest] = found
    return found


def installed_certificates() -> list[NcaCertificate]:
    found = (_certificate(pem) for pem in db.session.scalars(select(TrustAnchor.certificate_pem)))
    return [cert for cert in found if cert is not None]


def _issuer_of(crl: NcaCrl, certificates: list[NcaCertificate]) -> NcaCertificate:
    issuers = [cert for cert in certificates if cert.subject_match == crl.issuer_match and cert.is_ca]
    if not issuers:
        raise InvalidCrl("no_issuer", f"no installed CA certificate is {crl.issuer_dn!r}")
    last: CrlError | None = None
    for issuer in issuers:
        try:
            check_crl(crl, issuer, crl.this_update)  # its signature and issuer; freshness is judged when used
            return issuer
        except CrlError as exc:
            last = exc
    raise InvalidCrl("bad_signature", str(last))


@dataclass(frozen=True)
class CrlView:
    id: int
    issuer: str
    this_update: datetime
    next_update: datetime | None
    crl_number: str | None
    is_delta: bool
    revoked_count: int
    imported_at: datetime
    stale: bool  # past its nextUpdate now


def import_crl(data: bytes, *, admin: User | None) -> tuple[CrlView, bool]:
    """Install a CRL (DER or PEM) after checking it against the installed CA that issued it.

    Returns (the CRL, whether it is new). ``admin`` None is the command line. Raises :class:`InvalidCrl`.
    """
    if admin is not None and admin.role != Role.ADMIN.value:
        raise NotAllowed("only an administrator imports revocation lists")
    if not data or len(data) > MAX_CRL_BYTES:
        raise InvalidCrl("malformed", "empty or too large")
    try:
        crl = parse_crl(bytes(data))
    except PkiError as exc:
        raise InvalidCrl("malformed", str(exc)) from exc
    _issuer_of(crl, installed_certificates())
    digest = hashlib.sha256(crl.der).hexdigest()
    existing = db.session.scalar(select(RevocationList).where(RevocationList.sha256 == digest))
    if existing is not None:
        return _crl_view(existing), False
    row = RevocationList(
        sha256=digest, issuer_dn=crl.issuer_dn[:1000], issuer_match=crl.issuer_match[:1000],
        this_update=_naive(crl.this_update), next_update=_naive(crl.next_update),
        crl_number=None if crl.crl_number is None else str(crl.crl_number),
        is_delta=crl.delta_base is not None, revoked_count=len(crl.revoked), der=crl.der,
        imported_by_id=admin.id if admin else None,
    )
    db.session.add(row)
    db.session.flush()
    audit.record("trust.crl_imported", actor_id=admin.id if admin else None,
                 actor_label=admin.email if admin else "system", subject_type="revocation_list",
                 subject_id=digest, details={"issuer": crl.issuer_dn, "this_update": crl.this_update,
                                             "next_update": crl.next_update, "crl_number": crl.crl_number,
                                             "revoked": len(crl.revoked)})
    return _crl_view(row), True


def _crl_view(row: RevocationList) -> CrlView:
    now = _naive(_now())
    return CrlView(row.id, row.issuer_dn, row.this_update, row.next_update, row.crl_number, row.is_delta,
                   row.revoked_count, row.imported_at, row.next_update is None or row.next_update < now)


def revocation_lists() -> list[CrlView]:
    rows = db.session.scalars(select(RevocationList).order_by(RevocationList.issuer_dn,
                                                              RevocationList.this_update.desc()))
    return [_crl_view(row) for row in rows]


def current_crls(issuer_match: str | None = None) -> list[NcaCrl]:
    """The newest complete CRL and the newest delta CRL of each issuer (of one issuer, if given)."""
    query = select(RevocationList.id, RevocationList.issuer_match, RevocationList.is_delta,
                   RevocationList.sha256).order_by(RevocationList.this_update.desc(), RevocationList.id.desc())
    if issuer_match is not None:
        query = query.where(RevocationList.issuer_match == issuer_match)
    newest: dict[tuple[str, bool], tuple[int, str]] = {}
    for row_id, match, is_delta, digest in db.session.execute(query):
        newest.setdefault((match, is_delta), (row_id, digest))
    return [_crl(row_id, digest) for row_id, digest in newest.values()]


# --- verification ------------------------------------------------------------------------------------------

def verify(der: bytes, content: bytes, *, association_bin: str) -> cms_verify.Verification:
    """The NCA verdict on ``der`` over ``content`` for the association with that BIN, judged now."""
    certificates = installed_certificates()
    url = current_app.config.get("PBI_NCA_OCSP_URL")
    lookup = OcspLookup(url, timeout=float(current_app.config.get("PBI_NCA_OCSP_TIMEOUT", 5))) if url else None
    return cms_verify.verify_detached(
        der, content,
        anchors=[cert for cert in certificates if cert.self_issued],
        intermediates=[cert for cert in certificates if not cert.self_issued],
        crls=current_crls(),
        expected_bin=association_bin,
        at=_now(),
        require_revocation=bool(current_app.config.get("PBI_NCA_REQUIRE_REVOCATION", True)),
        ocsp_lookup=lookup,
    )


def report_json(verification: cms_verify.Verification) -> str:
    steps = [{"step": step.code, "passed": step.passed, "detail": step.detail} for step in verification.steps]
    return json.dumps({"accepted": verification.accepted, "reason": verification.reason, "steps": steps,
                       "not_run": list(verification.not_run)}, ensure_ascii=False)


def record_signature(agreement: Agreement, verification: cms_verify.Verification, user: User) -> NcaSignature:
    """Keep the accepted signer on the agreement and in the audit log (flushes; the request commits)."""
    signer = verification.signer
    if not verification.accepted or signer is None:
        raise ValueError("only an accepted verification is recorded")
    db.session.execute(delete(NcaSignature).where(NcaSignature.agreement_id == agreement.id))
    row = NcaSignature(
        agreement_id=agreement.id, signer_name=(signer.name or "")[:500] or None, iin=signer.iin, bin=signer.bin,
        organization=(signer.organization or "")[:500] or None, role=signer.role,
        certificate_serial=signer.serial_hex[:100], certificate_issuer=signer.issuer_dn[:1000],
        algorithm=signer.algorithm, signing_time=_naive(signer.signing_time),
        verified_at=_naive(verification.received or verification.at), judged_at=_naive(verification.at),
        timestamp_time=_naive(signer.timestamp_time),
        timestamp_authority=(signer.timestamp_authority or "")[:1000] or None,
        revocation_source=signer.revocation_source, revocation_time=_naive(signer.revocation_time),
        report=report_json(verification),
    )
    db.session.add(row)
    db.session.flush()
    audit.record("agreement.nca_signature_verified", actor_id=user.id, actor_label=user.email,
                 subject_type="agreement", subject_id=agreement.id, details={
                     "signer": signer.name, "iin": signer.iin, "bin": signer.bin, "role": signer.role,
                     "certificate_serial": signer.serial_hex, "certificate_issuer": signer.issuer_dn,
                     "algorithm": signer.algorithm, "signing_time": signer.signing_time,
                     "verified_at": verification.received, "judged_at": verification.at,
                     "timestamp_time": signer.timestamp_time, "timestamp_authority": signer.timestamp_authority,
                     "revocation_source": signer.revocation_source,
                     "revocation_time": signer.revocation_time})
    return row


def record_refusal(agreement_id: int, user: User, verification: cms_verify.Verification) -> None:
    """Audit a refused NCA signature (a revoked or foreign key is worth knowing of), at most one row per user
    and minute (:func:`app.audit.services.record_failure`); flushes, the caller commits."""
    signer = verification.signer
    audit.record_failure("agreement.nca_signature_refused", actor_id=user.id, actor_label=user.email,
                         subject_type="agreement", subject_id=agreement_id, details={
                             "reason": verification.reason, "step": verification.failed_step,
                             "detail": verification.steps[-1].detail[:500] if verification.steps else None,
                             "certificate_serial": signer.serial_hex if signer else None,
                             "certificate_issuer": signer.issuer_dn if signer else None,
                             "bin": signer.bin if signer else None, "role": signer.role if signer else None})


def forget_signature(agreement_id: int) -> None:
    db.session.execute(delete(NcaSignature).where(NcaSignature.agreement_id == agreement_id))


@dataclass(frozen=True)
class SignerView:
    """The NCA signer as the pages and the final PDF show it."""

    name: str | None
    iin: str | None
    bin: str | None
    organization: str | None
    role: str
    certificate_serial: str
    certificate_issuer: str
    algorithm: str
    signing_time: datetime | None
    verified_at: datetime
    revocation_source: str | None
    revocation_time: datetime | None
    timestamp_time: datetime | None
    timestamp_authority: str | None


def signer_of(agreement_id: int) -> SignerView | None:
    row = db.session.scalar(select(NcaSignature).where(NcaSignature.agreement_id == agreement_id))
    if row is None:
        return None
    return SignerView(row.signer_name, row.iin, row.bin, row.organization, row.role, row.certificate_serial,
                      row.certificate_issuer, row.algorithm, row.signing_time, row.verified_at,
                      row.revocation_source, row.revocation_time, row.timestamp_time, row.timestamp_authority)
