"""Agreements, their event history, and the proof of a representative's authority."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.database import one_of
from app.extensions import db
from app.timeutil import utcnow


class AgreementStatus(enum.StrEnum):
    DRAFT = "draft"
    SIGNED_BY_ASSOCIATION = "signed_by_association"
    ACTIVE = "active"
    EXPIRED = "expired"
    TERMINATED = "terminated"


class SignatureMethod(enum.StrEnum):
    PASSWORD = "password"  # noqa: S105 (a method name) — click-to-sign with password re-entry
    CMS = "cms"  # detached CMS/PKCS#7 signature over the agreement PDF


class ProofStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REFUSED = "refused"


class Agreement(db.Model):
    __tablename__ = "agreements"
    __table_args__ = (
        CheckConstraint(one_of("status", AgreementStatus), name="status"),
        CheckConstraint(one_of("signature_method", SignatureMethod), name="signature_method"),
        CheckConstraint("status = 'draft' OR status = 'signed_by_association' OR number IS NOT NULL",
                        name="number_when_active"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Given at countersigning: gap-free within the year among agreements that took effect.
    number: Mapped[str | None] = mapped_column(String(16), unique=True)
    association_id: Mapped[int] = mapped_column(ForeignKey("associations.id"), index=True)
    status: Mapped[str] = mapped_column(String(24), default=AgreementStatus.DRAFT.value)
    # Which text was agreed: never a copy of it.
    text_slug: Mapped[str] = mapped_column(String(64))
    text_version: Mapped[str] = mapped_column(String(16))
    text_sha256: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The exact PDF the association reviews and signs (stored encrypted, by SHA-256).
    draft_pdf_sha256: Mapped[str | None] = mapped_column(String(64))

    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signed_at: Mapped[datetime | None]
    signature_method: Mapped[str | None] = mapped_column(String(16))
    signed_pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    cms_signature_sha256: Mapped[str | None] = mapped_column(String(64))
    cms_signer_subject: Mapped[str | None] = mapped_column(String(1000))
    cms_signer_fingerprint: Mapped[str | None] = mapped_column(String(64))
    cms_trusted: Mapped[bool | None]
    cms_accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cms_accepted_at: Mapped[datetime | None]

    countersigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    countersigned_at: Mapped[datetime | None]
    valid_from: Mapped[date | None]
    valid_until: Mapped[date | None]
    ended_at: Mapped[datetime | None]
    termination_reason: Mapped[str | None] = mapped_column(Text)
    return_comment: Mapped[str | None] = mapped_column(Text)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))


class AgreementEvent(db.Model):
    """Every transition: who, when, from, to, and why."""

    __tablename__ = "agreement_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the daily job
    at: Mapped[datetime] = mapped_column(default=utcnow)
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24))
    comment: Mapped[str | None] = mapped_column(Text)


class AuthorityProof(db.Model):
    """A power of attorney or an order appointing the head, checked by an officer."""

    __tablename__ = "authority_proofs"
    __table_args__ = (CheckConstraint(one_of("status", ProofStatus), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(ForeignKey("associations.id"), index=True)
    representative_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    file_sha256: Mapped[str] = mapped_column(String(64))
    file_type: Mapped[str] = mapped_column(String(16))
    file_name: Mapped[str] = mapped_column(String(255))  # display text only
    status: Mapped[str] = mapped_column(String(16), default=ProofStatus.PENDING.value)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(Text)


class TrustAnchor(db.Model):
    """A root certificate an admin installed to trust associations' own signatures."""

    __tablename__ = "trust_anchors"

    id: Mapped[int] = mapped_column(primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    subject: Mapped[str] = mapped_column(String(1000))
    certificate_pem: Mapped[str] = mapped_column(Text)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
