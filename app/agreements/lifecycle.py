"""The agreement's lifecycle and the proof of authority's, on the shared state machine.

::

    draft --sign--> signed_by_association --countersign--> active --expire--> expired
      ^                     |                                  \\--terminate--> terminated
      \\------return---------/

    pending --accept--> accepted
           \\--refuse--> refused

:data:`AGREEMENT` records each move as an :class:`AgreementEvent` and an
``agreement.transition`` audit entry; :data:`AUTHORITY_PROOF` as an
``agreement.authority_decision`` audit entry (the proof has no history of its own).
"""

from __future__ import annotations

from app import statemachine
from app.agreements.errors import IllegalTransition
from app.agreements.models import AgreementEvent, AgreementStatus, ProofStatus
from app.audit import services as audit
from app.extensions import db
from app.statemachine import Transition

A, P = AgreementStatus, ProofStatus

TRANSITIONS: dict[str, Transition] = {
    "sign": Transition(frozenset({A.DRAFT}), A.SIGNED_BY_ASSOCIATION),
    "return": Transition(frozenset({A.SIGNED_BY_ASSOCIATION}), A.DRAFT),
    "countersign": Transition(frozenset({A.SIGNED_BY_ASSOCIATION}), A.ACTIVE),
    "expire": Transition(frozenset({A.ACTIVE}), A.EXPIRED),
    "terminate": Transition(frozenset({A.ACTIVE}), A.TERMINATED),
}

PROOF_TRANSITIONS: dict[str, Transition] = {
    "accept": Transition(frozenset({P.PENDING}), P.ACCEPTED),
    "refuse": Transition(frozenset({P.PENDING}), P.REFUSED),
}


def _actor_fields(actor) -> dict:
    return {"actor_id": actor.id if actor else None, "actor_label": actor.email if actor else "system"}


def _record_agreement(move: statemachine.Move) -> AgreementEvent:
    agreement = move.subject
    event = AgreementEvent(agreement_id=agreement.id, actor_id=move.actor.id if move.actor else None,
                           action=move.action, from_status=move.from_status, to_status=move.to_status,
                           comment=move.comment)
    db.session.add(event)
    audit.record("agreement.transition", **_actor_fields(move.actor), subject_type="agreement",
                 subject_id=agreement.number or agreement.id,
                 details={"action": move.action, "from": move.from_status, "to": move.to_status})
    return event


def _record_proof(move: statemachine.Move) -> None:
    proof = move.subject
    audit.record("agreement.authority_decision", **_actor_fields(move.actor),
                 subject_type="association", subject_id=proof.association_id,
                 details={"proof": proof.id, "decision": move.to_status, "reason": move.comment})


AGREEMENT = statemachine.StateMachine(A, TRANSITIONS, initial=A.DRAFT, final={A.EXPIRED, A.TERMINATED},
                                      error=IllegalTransition, record=_record_agreement)
AUTHORITY_PROOF = statemachine.StateMachine(P, PROOF_TRANSITIONS, initial=P.PENDING,
                                            final={P.ACCEPTED, P.REFUSED}, error=IllegalTransition,
                                            record=_record_proof)


def allowed_actions(status: str) -> set[str]:
    return AGREEMENT.allowed(status)
