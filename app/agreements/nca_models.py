"""What the NCA RK verification keeps: imported revocation lists, and the signer of each agreement.

Trusted certificates (NCA roots and issuing CAs) stay in ``trust_anchors`` (:class:`TrustAnchor`), GOST ones
included; a self-issued one is a trust anchor, any other CA certificate an intermediate that must chain to one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import utcnow


class RevocationList(db.Model):
    """A CRL an administrator imported, its signature checked against an installed CA on import."""

    __tablename__ = "revocation_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    issuer_dn: Mapped[str] = mapped_column(String(1000))
    issuer_match: Mapped[str] = mapped_column(String(1000), index=True)  # normalised, what chaining compares
    this_update: Mapped[datetime]
    next_update: Mapped[datetime | None]
    crl_number: Mapped[str | None] = mapped_column(String(64))  # up to 20 octets (RFC 5280): decimal text
    is_delta: Mapped[bool] = mapped_column(default=False)
    revoked_count: Mapped[int]
    der: Mapped[bytes] = mapped_column(LargeBinary)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)


class NcaSignature(db.Model):
    """The verified NCA RK signer of an agreement: who, in which role, with which key, checked how."""

    __tablename__ = "agreement_nca_signatures"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"), unique=True)
    signer_name: Mapped[str | None] = mapped_column(String(500))
    iin: Mapped[str | None] = mapped_column(String(12))
    bin: Mapped[str | None] = mapped_column(String(12))
    organization: Mapped[str | None] = mapped_column(String(500))
    role: Mapped[str] = mapped_column(String(40))
    certificate_serial: Mapped[str] = mapped_column(String(100))
    certificate_issuer: Mapped[str] = mapped_column(String(1000))
    algorithm: Mapped[str] = mapped_column(String(40))
    signing_time: Mapped[datetime | None]  # what the signer's software claims (signingTime)
    verified_at: Mapped[datetime]  # when this server verified it (the receipt)
    judged_at: Mapped[datetime]  # the time the chain and revocation were judged at: the receipt, or the timestamp
    timestamp_time: Mapped[datetime | None]  # genTime of a verified RFC 3161 token in the CMS
    timestamp_authority: Mapped[str | None] = mapped_column(String(1000))  # that token's TSA
    revocation_source: Mapped[str | None] = mapped_column(String(16))  # "crl"; None when not required
    revocation_time: Mapped[datetime | None]  # thisUpdate of the CRL that decided
    report: Mapped[str] = mapped_column(Text)  # JSON: the verification steps and their details
