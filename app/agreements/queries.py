"""Read models for agreement pages: plain values for templates, one query per list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import aliased

from app.accounts.models import User
from app.agreements.models import Agreement, AgreementEvent, AgreementStatus, AuthorityProof
from app.agreements.services import needs_signature_acceptance
from app.businesses.models import Association
from app.database import like_pattern, page_window
from app.documents.models import Document
from app.extensions import db


@dataclass(frozen=True)
class AgreementView:
    id: int
    number: str | None
    status: str
    association_id: int
    association_name_kk: str
    association_name_ru: str
    association_bin: str
    text_slug: str
    text_version: str
    text_sha256: str
    created_at: datetime
    signed_at: datetime | None
    signed_by: str | None
    signature_method: str | None
    cms_signer_subject: str | None
    cms_signer_fingerprint: str | None
    cms_trusted: bool | None
    needs_acceptance: bool
    countersigned_at: datetime | None
    valid_from: date | None
    valid_until: date | None
    termination_reason: str | None
    return_comment: str | None
    document_number: str | None
    document_issued: bool
    has_draft_pdf: bool


@dataclass(frozen=True)
class EventView:
    at: datetime
    action: str
    from_status: str | None
    to_status: str
    actor: str | None
    comment: str | None


def agreement_view(agreement: Agreement) -> AgreementView:
    association = db.session.get(Association, agreement.association_id)
    signer = db.session.get(User, agreement.signed_by_id) if agreement.signed_by_id else None
    document = db.session.get(Document, agreement.document_id) if agreement.document_id else None
    return AgreementView(
        id=agreement.id, number=agreement.number, status=agreement.status,
        association_id=association.id, association_name_kk=association.name_kk,
        association_name_ru=association.name_ru, association_bin=association.bin,
        text_slug=agreement.text_slug, text_version=agreement.text_version,
        text_sha256=agreement.text_sha256, created_at=agreement.created_at,
        signed_at=agreement.signed_at, signed_by=signer.full_name if signer else None,
        signature_method=agreement.signature_method, cms_signer_subject=agreement.cms_signer_subject,
        cms_signer_fingerprint=agreement.cms_signer_fingerprint, cms_trusted=agreement.cms_trusted,
        needs_acceptance=needs_signature_acceptance(agreement),
        countersigned_at=agreement.countersigned_at, valid_from=agreement.valid_from,
        valid_until=agreement.valid_until, termination_reason=agreement.termination_reason,
        return_comment=agreement.return_comment,
        document_number=document.number if document else None,
        document_issued=bool(document and document.sha256), has_draft_pdf=bool(agreement.draft_pdf_sha256),
    )


def events(agreement_id: int) -> list[EventView]:
    actor = aliased(User)
    rows = db.session.execute(
        select(AgreementEvent, actor.full_name)
        .outerjoin(actor, actor.id == AgreementEvent.actor_id)
        .where(AgreementEvent.agreement_id == agreement_id)
        .order_by(AgreementEvent.at, AgreementEvent.id)
    )
    return [EventView(e.at, e.action, e.from_status, e.to_status, name, e.comment) for e, name in rows]


def agreements_of_association(association_id: int) -> list[AgreementView]:
    rows = db.session.scalars(
        select(Agreement).where(Agreement.association_id == association_id).order_by(Agreement.id.desc())
    )
    return [agreement_view(a) for a in rows]


# Waiting for the department first, then the rest by how current they are.
_STAFF_ORDER = case(
    (Agreement.status == AgreementStatus.SIGNED_BY_ASSOCIATION.value, 0),
    (Agreement.status == AgreementStatus.ACTIVE.value, 1),
    (Agreement.status == AgreementStatus.DRAFT.value, 2),
    else_=3,
)


@dataclass(frozen=True)
class StaffRow:
    id: int
    number: str | None
    status: str
    association_name: str
    association_bin: str
    signed_at: datetime | None
    valid_until: date | None
    needs_acceptance: bool


def staff_list(status: str | None = None) -> list[StaffRow]:
    stmt = (
        select(Agreement, Association.name_kk, Association.bin)
        .join(Association, Association.id == Agreement.association_id)
        .order_by(_STAFF_ORDER, Agreement.signed_at.desc().nulls_last(), Agreement.id.desc())
    )
    if status in {s.value for s in AgreementStatus}:
        stmt = stmt.where(Agreement.status == status)
    return [
        StaffRow(a.id, a.number, a.status, name, bin, a.signed_at, a.valid_until,
                 needs_signature_acceptance(a))
        for a, name, bin in db.session.execute(stmt)
    ]


def status_counts() -> dict[str, int]:
    rows = db.session.execute(select(Agreement.status, func.count()).group_by(Agreement.status))
    return {status: count for status, count in rows}


@dataclass(frozen=True)
class ProofRow:
    id: int
    association_id: int
    association_name: str
    association_bin: str
    representative: str
    representative_email: str
    uploaded_at: datetime
    file_name: str
    file_type: str
    status: str
    reason: str | None


def proofs(*, association_id: int | None = None, pending_only: bool = False) -> list[ProofRow]:
    stmt = (
        select(AuthorityProof, Association.name_kk, Association.bin, User.full_name, User.email)
        .join(Association, Association.id == AuthorityProof.association_id)
        .join(User, User.id == AuthorityProof.representative_id)
        .order_by(AuthorityProof.uploaded_at.desc())
    )
    if association_id is not None:
        stmt = stmt.where(AuthorityProof.association_id == association_id)
    if pending_only:
        stmt = stmt.where(AuthorityProof.status == "pending")
    return [
        ProofRow(p.id, p.association_id, name, bin, full_name, email, p.uploaded_at, p.file_name,
                 p.file_type, p.status, p.reason)
        for p, name, bin, full_name, email in db.session.execute(stmt)
    ]


@dataclass(frozen=True)
class RegistryRow:
    number: str
    status: str
    association_name_kk: str
    association_name_ru: str
    association_bin: str
    signed_on: date | None
    valid_until: date | None
    document_number: str | None
    document_code: str | None = None


@dataclass(frozen=True)
class RegistryPage:
    rows: list[RegistryRow]
    page: int
    pages: int
    total: int
    capped: bool = False


PUBLIC_STATUSES = (AgreementStatus.ACTIVE.value, AgreementStatus.EXPIRED.value,
                   AgreementStatus.TERMINATED.value)


def _registry_ids(query: str, *columns):
    """The public agreements' ids (and ``columns``) matching ``query``, along ``ix_agreements_registry``."""
    ids = select(Agreement.id, *columns).where(Agreement.registry_rank >= 0)  # NULL: not public
    if query.strip():
        pattern = like_pattern(query)
        ids = ids.join(Association, Association.id == Agreement.association_id).where(or_(
            func.lower(Association.name_kk).like(pattern, escape="\\"),
            func.lower(Association.name_ru).like(pattern, escape="\\"),
            Association.bin.like(pattern, escape="\\"),
            func.lower(Agreement.number).like(pattern, escape="\\"),
        ))
    return ids


def registry(query: str = "", page: int = 1, per_page: int = 20) -> RegistryPage:
    """Agreements that took effect: in force first, then by number, newest first.

    The order is read backwards along ``ix_agreements_registry`` (``registry_rank`` is
    generated from the status); the page's count stops at the cap (app.database).
    """
    ids = _registry_ids(query)
    window = page_window(ids, page, per_page)  # counted along the index, no joins
    page_ids = list(db.session.scalars(ids.order_by(Agreement.registry_rank.desc(), Agreement.number.desc())
                                       .limit(per_page).offset(window.offset)))
    found = {
        a.id: RegistryRow(a.number, a.status, s.name_kk, s.name_ru, s.bin, a.valid_from, a.valid_until, number)
        for a, s, number in db.session.execute(
            select(Agreement, Association, Document.number)
            .join(Association, Association.id == Agreement.association_id)
            .outerjoin(Document, Document.id == Agreement.document_id)
            .where(Agreement.id.in_(page_ids)))
    } if page_ids else {}
    return RegistryPage([found[i] for i in page_ids], window.page, window.pages, window.total, window.capped)


def registry_entry(number: str) -> RegistryRow | None:
    """One public agreement, with its document's verification code (agreements are public)."""
    row = db.session.execute(
        select(Agreement, Association, Document.number, Document.verification_code)
        .join(Association, Association.id == Agreement.association_id)
        .outerjoin(Document, Document.id == Agreement.document_id)
        .where(Agreement.number == number, Agreement.status.in_(PUBLIC_STATUSES))
    ).first()
    if row is None:
        return None
    a, s, doc_number, code = row
    return RegistryRow(a.number, a.status, s.name_kk, s.name_ru, s.bin, a.valid_from, a.valid_until,
                       doc_number, code)


def registry_after(query: str, after: tuple[int, str] | None, limit: int) -> tuple[list[tuple[int, RegistryRow]], bool]:
    """A page of the registry in its order, after the (rank, number) ``after`` (keyset pagination).

    Returns the page's (rank, row) pairs and whether more follow. The rows carry the signed
    document's number and verification code: every agreement in the registry is public.
    """
    ids = _registry_ids(query, Agreement.registry_rank, Agreement.number)
    if after is not None:
        rank, number = after
        ids = ids.where(or_(Agreement.registry_rank < rank,
                            and_(Agreement.registry_rank == rank, Agreement.number < number)))
    keys = db.session.execute(ids.order_by(Agreement.registry_rank.desc(), Agreement.number.desc())
                              .limit(limit + 1)).all()
    more, keys = len(keys) > limit, keys[:limit]
    if not keys:
        return [], False
    found = {
        a.id: RegistryRow(a.number, a.status, s.name_kk, s.name_ru, s.bin, a.valid_from, a.valid_until, number, code)
        for a, s, number, code in db.session.execute(
            select(Agreement, Association, Document.number, Document.verification_code)
            .join(Association, Association.id == Agreement.association_id)
            .outerjoin(Document, Document.id == Agreement.document_id)
            .where(Agreement.id.in_([key.id for key in keys])))
    }
    return [(key.registry_rank, found[key.id]) for key in keys], more
