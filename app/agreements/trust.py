"""Trust anchors for associations' own CMS signatures, installed by an administrator.

Typically the national certifying centre's root certificates (NCA RK), which issue the
digital-signature keys Kazakh companies already hold. Removing an anchor affects new
signatures only: an agreement keeps the trust it was signed with.
"""

from __future__ import annotations

import base64
import hashlib
import re
import textwrap
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from sqlalchemy import select

from app.accounts.models import Role, User
from app.agreements.errors import AgreementError, NotAllowed, NotFound
from app.agreements.models import TrustAnchor
from app.audit import services as audit
from app.extensions import db
from app.nca.pki import NcaCertificate, PkiError, parse_certificate


class InvalidCertificate(AgreementError):
    """The file holds no PEM or DER certificate, or a certificate that is not a CA."""


@dataclass(frozen=True)
class AnchorView:
    id: int
    subject: str
    fingerprint: str
    added_at: datetime


def _actor(user: User | None) -> tuple[int | None, str]:
    if user is not None and user.role != Role.ADMIN.value:
        raise NotAllowed("only an administrator installs trust anchors")
    return (user.id, user.email) if user else (None, "system")


_PEM_BLOCK = re.compile(rb"-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]*-----END CERTIFICATE-----")


def certificates_in(data: bytes) -> list[NcaCertificate]:
    """Every certificate of a PEM file (one or more blocks), or the one of a DER file (``.cer`` as NCA ships them).

    Parsed by :mod:`app.nca.pki`, which reads GOST 2015 certificates as well as RSA and EC ones.
    """
    blocks = _PEM_BLOCK.findall(data) if not data.startswith(b"\x30") else [data]
    if not blocks:
        raise InvalidCertificate("neither a DER certificate nor PEM certificates")
    try:
        return [parse_certificate(block) for block in blocks]
    except PkiError as exc:
        raise InvalidCertificate(str(exc)) from exc


def add_anchors(data: bytes, *, admin: User | None) -> list[tuple[str, str, bool]]:
    """Trust the CA certificates in ``data`` (PEM or DER); returns (subject, fingerprint, newly added) each.

    ``admin`` None is the command line (the operator of the server). A self-issued certificate is a trust
    anchor; any other CA certificate (an NCA issuing CA) an intermediate, trusted through its root.
    """
    actor_id, actor_label = _actor(admin)
    results = []
    for cert in certificates_in(data):
        if not cert.is_ca:
            raise InvalidCertificate(f"{cert.subject_dn} is not a CA certificate")
        digest, subject = hashlib.sha256(cert.der).hexdigest(), cert.subject_dn[:1000]
        exists = db.session.scalar(select(TrustAnchor.id).where(TrustAnchor.fingerprint == digest)) is not None
        if not exists:
            pem = "-----BEGIN CERTIFICATE-----\n" + "\n".join(textwrap.wrap(base64.b64encode(cert.der).decode(), 64))
            db.session.add(TrustAnchor(fingerprint=digest, subject=subject, added_by_id=actor_id,
                                       certificate_pem=pem + "\n-----END CERTIFICATE-----\n"))
            audit.record("trust.anchor_added", actor_id=actor_id, actor_label=actor_label,
                         subject_type="trust_anchor", subject_id=digest[:64],
                         details={"subject": subject, "self_issued": cert.self_issued,
                                  "algorithm": str(cert.key_algorithm)})
        results.append((subject, digest, not exists))
    db.session.flush()
    return results


def remove_anchor(anchor_id: int, *, admin: User) -> None:
    actor_id, actor_label = _actor(admin)
    anchor = db.session.get(TrustAnchor, anchor_id)
    if anchor is None:
        raise NotFound(anchor_id)
    audit.record("trust.anchor_removed", actor_id=actor_id, actor_label=actor_label, subject_type="trust_anchor",
                 subject_id=anchor.fingerprint, details={"subject": anchor.subject})
    db.session.delete(anchor)
    db.session.flush()


def anchors() -> list[AnchorView]:
    return [AnchorView(a.id, a.subject, a.fingerprint, a.added_at)
            for a in db.session.scalars(select(TrustAnchor).order_by(TrustAnchor.id))]


def anchor_certificates() -> list[x509.Certificate]:
    """The installed certificates that ``cryptography`` reads (GOST ones are for the NCA verifier only)."""
    found = []
    for pem in db.session.scalars(select(TrustAnchor.certificate_pem)):
        try:
            cert = x509.load_pem_x509_certificate(pem.encode())
            cert.public_key()
        except (ValueError, UnsupportedAlgorithm):
            continue
        found.append(cert)
    return found
