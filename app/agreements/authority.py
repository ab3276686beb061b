"""Who may sign for an association: representatives, and the officer-checked proof of authority.

Anyone can type a BIN, so before a representative signs an agreement an officer checks a
power of attorney or the order appointing the head, and accepts or refuses it with a
reason (audited).
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from app.accounts.models import User
from app.agreements.errors import (
    OFFICERS,
    BadUpload,
    NotAllowed,
    NotFound,
    ReasonRequired,
    require_role,
)
from app.agreements.lifecycle import AUTHORITY_PROOF
from app.agreements.models import AuthorityProof, ProofStatus
from app.businesses.models import Association
from app.documents.runtime import file_store
from app.extensions import db
from app.timeutil import utcnow
from app.uploads import display_name, sniff


def is_representative(user: User, association_id: int) -> bool:
    association = db.session.get(Association, association_id)
    return association is not None and any(r.id == user.id for r in association.representatives)


def require_representative(user: User, association_id: int) -> None:
    if not is_representative(user, association_id):
        raise NotAllowed("not a representative of this association")


def authority_verified(association_id: int, user_id: int) -> bool:
    """Has an officer accepted this representative's authority for this association?"""
    return db.session.scalar(
        select(AuthorityProof.id).where(
            AuthorityProof.association_id == association_id,
            AuthorityProof.representative_id == user_id,
            AuthorityProof.status == ProofStatus.ACCEPTED.value,
        )
    ) is not None


def submit_authority_proof(user: User, association_id: int, data: bytes, file_name: str) -> AuthorityProof:
    require_representative(user, association_id)
    if not data:
        raise BadUpload("empty")
    if len(data) > current_app.config["PBI_AUTHORITY_MAX_BYTES"]:
        raise BadUpload("size")
    kind = sniff(data)
    if kind is None:
        raise BadUpload("type")
    proof = AuthorityProof(
        association_id=association_id, representative_id=user.id, file_sha256=file_store().put(data),
        file_type=kind, file_name=display_name(file_name),
    )
    db.session.add(proof)
    db.session.flush()
    return proof


def decide_authority_proof(officer: User, proof_id: int, *, accept: bool, reason: str | None) -> AuthorityProof:
    require_role(officer, OFFICERS)
    proof = db.session.get(AuthorityProof, proof_id)
    if proof is None:
        raise NotFound(proof_id)
    action = "accept" if accept else "refuse"
    AUTHORITY_PROOF.guard(proof.status, action)
    if not accept and not (reason or "").strip():
        raise ReasonRequired()
    proof.reviewed_by_id, proof.reviewed_at = officer.id, utcnow()
    proof.reason = (reason or "").strip() or None
    AUTHORITY_PROOF.fire(proof, action, actor=officer, comment=proof.reason)
    db.session.flush()
    return proof


