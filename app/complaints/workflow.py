"""The complaint state machine: the only place that changes ``Complaint.status``.

::

    registered --take/assign--> assigned --start_review--> in_review
    in_review --request_info--> info_requested --provide_info--> in_review
    in_review --forward--> forwarded --close--> closed
    in_review --resolve--> resolved --close--> closed      (after the appeal window)
    assigned|in_review --reject--> rejected --close--> closed
    resolved --appeal (once, by the complainant)--> appealed --review_appeal--> in_review

Each transition names who may perform it; :func:`apply` checks both the state and the
actor and records a :class:`ComplaintEvent` (actor, time, from, to, comment) with its audit
entry (``complaint.transition``). The state
itself is kept by the shared :class:`app.statemachine.StateMachine` (:data:`MACHINE`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app import statemachine
from app.accounts.models import Role, User
from app.audit import services as audit
from app.complaints.models import Complaint, ComplaintEvent
from app.complaints.models import ComplaintStatus as S
from app.extensions import db


class Actor(enum.Enum):
    COMPLAINANT = "complainant"
    HANDLER = "handler"  # the assigned officer, or a supervisor/admin
    ANY_OFFICER = "any_officer"  # any officer, supervisor or admin (taking a case)
    SUPERVISOR = "supervisor"  # supervisor or admin


@dataclass(frozen=True)
class Transition(statemachine.Transition):
    """A move of the shared machine (``target`` None: an assignment or a note on the clock)."""

    actor: Actor


TRANSITIONS: dict[str, Transition] = {
    "take": Transition(frozenset({S.REGISTERED}), S.ASSIGNED, Actor.ANY_OFFICER),
    "assign": Transition(frozenset({S.REGISTERED, S.ASSIGNED, S.IN_REVIEW, S.INFO_REQUESTED}), S.ASSIGNED,
                         Actor.SUPERVISOR),
    "start_review": Transition(frozenset({S.ASSIGNED}), S.IN_REVIEW, Actor.HANDLER),
    "request_info": Transition(frozenset({S.IN_REVIEW}), S.INFO_REQUESTED, Actor.HANDLER),
    "provide_info": Transition(frozenset({S.INFO_REQUESTED}), S.IN_REVIEW, Actor.COMPLAINANT),
    "forward": Transition(frozenset({S.IN_REVIEW}), S.FORWARDED, Actor.HANDLER),
    "resolve": Transition(frozenset({S.IN_REVIEW}), S.RESOLVED, Actor.HANDLER),
    "reject": Transition(frozenset({S.ASSIGNED, S.IN_REVIEW}), S.REJECTED, Actor.HANDLER),
    "close": Transition(frozenset({S.FORWARDED, S.RESOLVED, S.REJECTED}), S.CLOSED, Actor.HANDLER),
    "appeal": Transition(frozenset({S.RESOLVED}), S.APPEALED, Actor.COMPLAINANT),
    "review_appeal": Transition(frozenset({S.APPEALED}), S.IN_REVIEW, Actor.SUPERVISOR),
    "extend": Transition(frozenset({S.REGISTERED, S.ASSIGNED, S.IN_REVIEW, S.INFO_REQUESTED, S.APPEALED}), None,
                         Actor.SUPERVISOR),
}

_SUPERVISORS = {Role.SUPERVISOR.value, Role.ADMIN.value}
_STAFF = _SUPERVISORS | {Role.OFFICER.value}


class WorkflowError(Exception):
    pass


class IllegalTransition(WorkflowError, statemachine.IllegalTransition):
    message = _l("This action is not possible in the complaint's current state.")


class NotPermitted(WorkflowError):
    def __init__(self, action: str) -> None:
        super().__init__(f"not permitted to {action}")
        self.action = action


def _record(move: statemachine.Move, *, document_id: int | None = None) -> ComplaintEvent:
    """The complaint's event row and its audit entry (the public wording stays in the event)."""
    actor, complaint = move.actor, move.subject
    event = ComplaintEvent(complaint_id=complaint.id, actor_id=actor.id if actor else None, action=move.action,
                           from_status=move.from_status, to_status=move.to_status, comment=move.comment,
                           document_id=document_id)
    db.session.add(event)
    audit.record("complaint.transition", actor_id=actor.id if actor else None,
                 actor_label=actor.email if actor else "system", subject_type="complaint", subject_id=complaint.number,
                 details={"action": move.action, "from": move.from_status, "to": move.to_status})
    return event


MACHINE = statemachine.StateMachine(S, TRANSITIONS, initial=S.REGISTERED, final={S.CLOSED},
                                    error=IllegalTransition, record=_record)


def may(actor: User, complaint: Complaint, action: str) -> bool:
    """Whether ``actor`` is the kind of person who performs ``action`` on this complaint."""
    who = TRANSITIONS[action].actor
    if who is Actor.COMPLAINANT:
        return actor.id == complaint.filed_by_id
    if who is Actor.SUPERVISOR:
        return actor.role in _SUPERVISORS
    if who is Actor.ANY_OFFICER:
        return actor.role in _STAFF
    return actor.role in _SUPERVISORS or (actor.role == Role.OFFICER.value
                                          and complaint.assigned_officer_id == actor.id)


def available(actor: User, complaint: Complaint) -> set[str]:
    """The actions ``actor`` may take now (the pages offer exactly these)."""
    return {name for name in MACHINE.allowed(complaint.status) if may(actor, complaint, name)}


def check(actor: User, complaint: Complaint, action: str) -> None:
    MACHINE.guard(complaint.status, action)
    if not may(actor, complaint, action):
        raise NotPermitted(action)


def apply(actor: User | None, complaint: Complaint, action: str, comment: str | None = None,
          *, document_id: int | None = None) -> ComplaintEvent:
    """Move ``complaint`` by ``action`` (``actor`` None: the system) and record the event."""
    if actor is not None:
        check(actor, complaint, action)
    return MACHINE.fire(complaint, action, actor=actor, comment=comment, document_id=document_id)
