"""The registry of issued documents."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import utcnow


class DocumentKind(enum.StrEnum):
    AGREEMENT = "agreement"
    COMPLAINT_RECEIPT = "complaint_receipt"  # the talon
    DECISION = "decision"
    FORWARDING_LETTER = "forwarding_letter"  # the covering letter to the competent body
    EXTENSION_NOTICE = "extension_notice"  # the complainant is told the new due date
    MONTHLY_REPORT = "monthly_report"  # the department head's signed report of a month


class Document(db.Model):
    """One issued (or reserved, not yet produced) signed PDF.

    The row is committed with its number and code before the PDF is made; ``sha256`` is
    set once the signed PDF is stored. ``issue_key`` names what the document is for
    (e.g. ``agreement:12``), so asking again for the same thing returns the same row and
    one subject never gets two numbers.
    """

    __tablename__ = "documents"
    __table_args__ = (
        CheckConstraint("kind IN ('agreement', 'complaint_receipt', 'decision', 'forwarding_letter', "
                        "'extension_notice', 'monthly_report')", name="kind"),
        Index("ix_documents_subject", "subject_type", "subject_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[str] = mapped_column(String(24))
    issue_key: Mapped[str] = mapped_column(String(80), unique=True)
    subject_type: Mapped[str] = mapped_column(String(24))
    subject_id: Mapped[int]
    subject_number: Mapped[str] = mapped_column(String(24))
    verification_code: Mapped[str] = mapped_column(String(16))
    reserved_at: Mapped[datetime] = mapped_column(default=utcnow)
    sha256: Mapped[str | None] = mapped_column(String(64), unique=True)
    signer_fingerprint: Mapped[str | None] = mapped_column(String(64))
    issued_at: Mapped[datetime | None]

    @property
    def is_issued(self) -> bool:
        return self.sha256 is not None
