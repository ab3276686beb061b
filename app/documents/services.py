"""Issuing and verifying documents: reserve → (commit) → render, sign, store → register.

``reserve`` runs inside the caller's transaction and only flushes: the number and the
verification code exist once the caller commits, and the reservation queues the
document's production to run right after that commit (:func:`app.transactions.after_commit`)
— the same way for talons, decision letters and agreements. ``produce`` is the slow part:
it makes the PDF outside any transaction and records it in a short transaction of its
own, and it can be retried: a reserved document is produced at most once, and one
``issue_key`` never gets a second number. If producing fails after the commit, the
subject stands (a complaint is filed, an agreement is in force) and the PDF is made on
its next download or by ``flask documents issue-pending``.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives.serialization import Encoding
from flask import current_app
from sqlalchemy import select, update

from app import transactions
from app.audit import services as audit
from app.database import add_unique
from app.documents import sandbox
from app.documents.keys import fingerprint
from app.documents.models import Document, DocumentKind
from app.documents.pdf import render_pdf
from app.documents.runtime import file_store, keystore, trust_roots
from app.documents.signing import sign_pdf
from app.extensions import db
from app.numbering import next_number
from app.timeutil import utcnow

# Crockford's base32: no I, L, O, U; 10 characters = 50 random bits.
_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CODE_LENGTH = 10
ASSETS = Path(__file__).resolve().parent.parent / "static" / "pdf"
SIGNATURE_REASON = (
    "Түркістан облысы бойынша Департамент берген құжат / Документ выдан Департаментом по Туркестанской области"
)
SIGNATURE_LOCATION = "Түркістан / Туркестан"


class DocumentError(Exception):
    pass


class NotIssued(DocumentError):
    """The document is reserved but its PDF has not been produced yet."""


class InvalidLookup(DocumentError):
    """A number + code lookup that cannot be answered as typed.

    ``problem``: ``required`` (the field is empty), or ``complaint_number`` /
    ``agreement_number`` (the subject's number was typed where the document's belongs).
    """

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field, self.problem = field, problem


# Numbers of subjects (app.numbering) that people type instead of the document's own number.
_SUBJECT_PREFIXES = {"PBI-C-": "complaint_number", "PBI-A-": "agreement_number"}


@dataclass(frozen=True)
class DocumentInfo:
    """What a renderer gets: plain values, no ORM objects."""

    id: int
    number: str
    kind: str
    subject_type: str
    subject_id: int
    subject_number: str
    verification_code: str
    verification_url: str
    issued_at: datetime  # naive UTC
    issue_key: str = ""  # what the document is for (e.g. ``complaint:7:forwarding_letter:12``)


Renderer = Callable[[DocumentInfo], str]
_renderers: dict[str, Renderer] = {}
# subject_type -> function(subject_id) -> public status code (e.g. "active")
_status_providers: dict[str, Callable[[int], str]] = {}


def register_renderer(kind: DocumentKind, renderer: Renderer) -> None:
    _renderers[kind.value] = renderer


def register_status_provider(subject_type: str, provider: Callable[[int], str]) -> None:
    _status_providers[subject_type] = provider


def new_verification_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def normalize_code(code: str) -> str:
    """Accept codes typed with spaces, lower case, or O/I/L for 0/1."""
    cleaned = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    cleaned = cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    return f"{cleaned[:5]}-{cleaned[5:]}" if len(cleaned) == _CODE_LENGTH else cleaned


def reserve(
    *, kind: DocumentKind, subject_type: str, subject_id: int, subject_number: str, issue_key: str
) -> Document:
    """The document for ``issue_key``: the existing one, or a new number and code (flushed)."""
    existing = db.session.scalar(select(Document).where(Document.issue_key == issue_key))
    if existing is not None:
        return existing
    document = Document(
        number=next_number("document", utcnow().year), kind=kind.value, issue_key=issue_key,
        subject_type=subject_type, subject_id=subject_id, subject_number=subject_number,
        verification_code=new_verification_code(),
    )
    if not add_unique(document):  # a concurrent reserve of the same key won; use its row
        return db.session.scalars(select(Document).where(Document.issue_key == issue_key)).one()
    document_id = document.id
    transactions.after_commit(lambda: produce(document_id))
    return document


def verification_url(number: str, code: str) -> str:
    base = current_app.config["PBI_PUBLIC_URL"].rstrip("/")
    return f"{base}/verify?number={number}&code={code}"


def produce(document_id: int) -> Document:
    """Render, sign and store a reserved document; a no-op when already done.

    Call it only after the reservation is committed (it ends the current read
    transaction and commits its own short one). The PDF is made outside any database
    transaction; if two requests race, the first stored PDF wins and the other is
    discarded.
    """
    document = db.session.get(Document, document_id)
    if document is None:
        raise DocumentError(f"no document {document_id}")
    if document.sha256 is not None:
        return document
    info = DocumentInfo(
        id=document.id, number=document.number, kind=document.kind,
        subject_type=document.subject_type, subject_id=document.subject_id,
        subject_number=document.subject_number, verification_code=document.verification_code,
        verification_url=verification_url(document.number, document.verification_code),
        issued_at=utcnow().replace(microsecond=0), issue_key=document.issue_key,
    )
    html = _renderers[info.kind](info)
    transactions.end_read()  # nothing slow runs inside a transaction
    signer = keystore().current_signer()
    signed = sign_pdf(render_pdf(html, asset_dir=ASSETS), signer, reason=SIGNATURE_REASON,
                      location=SIGNATURE_LOCATION)
    digest = file_store().put(signed)
    stored = db.session.execute(
        update(Document)
        .where(Document.id == document_id, Document.sha256.is_(None))
        .values(sha256=digest, signer_fingerprint=fingerprint(signer.cert), issued_at=info.issued_at)
    ).rowcount
    if stored:
        audit.record("document.issued", actor_id=None, actor_label="system", subject_type=info.subject_type,
                     subject_id=info.subject_number, details={"document": info.number, "kind": info.kind,
                                                             "sha256": digest})
    transactions.commit()
    db.session.refresh(document)
    return document


def is_issued(document_id: int | None) -> bool:
    """Whether the document's signed PDF exists (it may be reserved and still pending)."""
    return document_id is not None and db.session.scalar(
        select(Document.sha256.is_not(None)).where(Document.id == document_id)) is True


def pdf_bytes(document: Document) -> bytes:
    """The signed PDF exactly as issued (authenticated on the way out of storage)."""
    if document.sha256 is None:
        raise NotIssued(document.number)
    return file_store().get(document.sha256)


def by_number(number: str) -> Document | None:
    return db.session.scalar(select(Document).where(Document.number == number.strip().upper()))


@dataclass(frozen=True)
class PublicRecord:
    """What anyone may learn about a document: never its content or the people in it."""

    number: str
    kind: str
    subject_type: str
    subject_number: str
    subject_status: str | None
    issued_at: datetime | None
    sha256: str | None
    signer_fingerprint: str | None


def _public(document: Document) -> PublicRecord:
    provider = _status_providers.get(document.subject_type)
    return PublicRecord(
        number=document.number, kind=document.kind, subject_type=document.subject_type,
        subject_number=document.subject_number,
        subject_status=provider(document.subject_id) if provider else None,
        issued_at=document.issued_at, sha256=document.sha256,
        signer_fingerprint=document.signer_fingerprint,
    )


def check_lookup(number: str, code: str) -> None:
    """Raise :class:`InvalidLookup` for an empty field or a subject's number instead of the document's."""
    cleaned = (number or "").strip().upper()
    if not cleaned:
        raise InvalidLookup("number", "required")
    for prefix, problem in _SUBJECT_PREFIXES.items():
        if cleaned.startswith(prefix):
            raise InvalidLookup("number", problem)
    if not (code or "").strip():
        raise InvalidLookup("code", "required")


def find_public(number: str, code: str) -> PublicRecord | None:
    """The public record for number + code; ``None`` for an unknown number *or* a wrong code.

    Both answers are the same so that a guessed number reveals nothing.
    """
    document = by_number(number or "")
    expected = document.verification_code if document is not None else "XXXXX-XXXXX"
    matches = hmac.compare_digest(expected.encode(), normalize_code(code).encode())
    if document is None or not matches or document.sha256 is None:
        return None
    return _public(document)


@dataclass(frozen=True)
class UploadVerdict:
    valid: bool
    reason: str | None  # pdfcheck.Reason values, or "not_registered"
    record: PublicRecord | None


NOT_REGISTERED = "not_registered"


def verify_upload(data: bytes) -> UploadVerdict:
    """Check an uploaded PDF: signature, integrity, our root, then our registry.

    The check runs in a verifier process under time, memory and concurrency limits
    (:mod:`app.documents.sandbox`); raises :class:`sandbox.VerificationBusy` when every slot is taken.
    """
    roots_der = [root.public_bytes(Encoding.DER) for root in trust_roots()]
    check = sandbox.check_upload(data, roots_der)
    if not check.ok:
        return UploadVerdict(False, check.reason.value if check.reason else None, None)
    document = db.session.scalar(select(Document).where(Document.sha256 == check.sha256))
    if document is None:
        return UploadVerdict(False, NOT_REGISTERED, None)
    return UploadVerdict(True, None, _public(document))
