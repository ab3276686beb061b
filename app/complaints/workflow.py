"""The complaint state machine: the only place that changes ``Complaint.status``.

::

    registered --take/assign--> assigned --start_review--> in_review
    in_review --request_info--> info_requested --provide_info--> in_review
    in_review --forward--> forwarded --close--> closed
    in_review --resolve--> resolved --close--> closed      (after the appeal window)
    assigned|in_review --reject--> rejected --close--> closed
    resolved --appeal (once, by the complainant)--> appealed --review_appeal--> in_review

Each transition names who may perform it; :func:`apply` checks both the state and the
actor and records a :class:`ComplaintEvent` (actor, time, from, to, comment).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from app.accounts.models import Role, User
from app.complaints.models import Complaint, ComplaintEvent
from app.complaints.models import ComplaintStatus as S
from app.extensions import db


class Actor(enum.Enum):
    COMPLAINANT = "complainant"
    HANDLER = "handler"  # the assigned officer, or a supervisor/admin
    ANY_OFFICER = "any_officer"  # any officer, supervisor or admin (taking a case)
    SUPERVISOR = "supervisor"  # supervisor or admin


@dataclass(frozen=True)
class Transition:
    sources: frozenset[S]
    target: S | None  # None: the status stays (an assignment or a note on the clock)
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


class IllegalTransition(WorkflowError):
    def __init__(self, action: str, status: str) -> None:
        super().__init__(f"{action} is not possible from {status}")
        self.action, self.status = action, status


class NotPermitted(WorkflowError):
    def __init__(self, action: str) -> None:
        super().__init__(f"not permitted to {action}")
        self.action = action


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
    status = S(complaint.status)
    return {name for name, rule in TRANSITIONS.items() if status in rule.sources and may(actor, complaint, name)}


def check(actor: User, complaint: Complaint, action: str) -> None:
    rule = TRANSITIONS[action]
    if S(complaint.status) not in rule.sources:
        raise IllegalTransition(action, complaint.status)
    if not may(actor, complaint, action):
        raise NotPermitted(action)


def apply(actor: User | None, complaint: Complaint, action: str, comment: str | None = None,
          *, document_id: int | None = None) -> ComplaintEvent:
    """Move ``complaint`` by ``action`` (``actor`` None: the system) and record the event."""
    if actor is not None:
        check(actor, complaint, action)
    elif S(complaint.status) not in TRANSITIONS[action].sources:
        raise IllegalTransition(action, complaint.status)
    rule = TRANSITIONS[action]
    before = complaint.status
    if rule.target is not None:
        complaint.status = rule.target.value
    event = ComplaintEvent(complaint_id=complaint.id, actor_id=actor.id if actor else None, action=action,
                           from_status=before, to_status=complaint.status, comment=comment, document_id=document_id)
    db.session.add(event)
    return event
