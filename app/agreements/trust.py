"""Trust anchors for associations' own CMS signatures, installed by an administrator.

Typically the national certifying centre's root certificates (NCA RK), which issue the
digital-signature keys Kazakh companies already hold. Removing an anchor affects new
signatures only: an agreement keeps the trust it was signed with.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import select

from app.accounts.models import Role, User
from app.agreements.errors import AgreementError, NotAllowed, NotFound
from app.agreements.models import TrustAnchor
from app.audit import services as audit
from app.documents.keys import fingerprint
from app.extensions import db


class InvalidCertificate(AgreementError):
    """The file holds no PEM certificate, or a certificate that is not a CA."""


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


def add_anchors(pem: bytes, *, admin: User | None) -> list[tuple[str, str, bool]]:
    """Trust the CA certificates in ``pem``; returns (subject, fingerprint, newly added) each.

    ``admin`` None is the command line (the operator of the server).
    """
    actor_id, actor_label = _actor(admin)
    try:
        certificates = x509.load_pem_x509_certificates(pem)
    except ValueError as exc:
        raise InvalidCertificate(str(exc)) from exc
    results = []
    for cert in certificates:
        try:
            is_ca = cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        except x509.ExtensionNotFound:
            is_ca = False
        if not is_ca:
            raise InvalidCertificate(f"{cert.subject.rfc4514_string()} is not a CA certificate")
        digest, subject = fingerprint(cert), cert.subject.rfc4514_string()
        exists = db.session.scalar(select(TrustAnchor.id).where(TrustAnchor.fingerprint == digest)) is not None
        if not exists:
            db.session.add(TrustAnchor(fingerprint=digest, subject=subject, added_by_id=actor_id,
                                       certificate_pem=cert.public_bytes(Encoding.PEM).decode()))
            audit.record("trust.anchor_added", actor_id=actor_id, actor_label=actor_label,
                         subject_type="trust_anchor", subject_id=digest[:64], details={"subject": subject})
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
    return [x509.load_pem_x509_certificate(pem.encode()) for pem in
            db.session.scalars(select(TrustAnchor.certificate_pem))]
