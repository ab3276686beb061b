"""The shared state machine (app/statemachine.py) and the three tables built on it."""

import ast
import enum
import json
from pathlib import Path

import pytest
from flask import session
from sqlalchemy import select

from app import statemachine
from app.agreements import lifecycle, services
from app.agreements.errors import AgreementError
from app.agreements.models import Agreement, AgreementEvent, AuthorityProof
from app.audit.models import AuditEntry
from app.complaints import workflow
from app.complaints.models import Complaint
from app.complaints.models import ComplaintStatus as S
from app.extensions import db
from app.statemachine import StateMachine, Transition
from tests.factories import make_association, signed_agreement


class Door(enum.StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    LOCKED = "locked"
    GONE = "gone"


class DoorRefused(statemachine.IllegalTransition):
    message = "The door does not do that now."


DOOR = {
    "open": Transition(frozenset({Door.CLOSED}), Door.OPEN),
    "close": Transition(frozenset({Door.OPEN}), Door.CLOSED),
    "knock": Transition(frozenset({Door.CLOSED, Door.OPEN}), None),
    "lock": Transition(frozenset({Door.CLOSED}), Door.LOCKED),
    "remove": Transition(frozenset({Door.OPEN, Door.LOCKED}), Door.GONE),
}


class Thing:
    def __init__(self, status: str) -> None:
        self.status = status


def door_machine(transitions=None, *, final=frozenset({Door.GONE}), error=DoorRefused):
    moves = []

    def record(move, **details):
        moves.append((move, details))
        return len(moves)

    machine = StateMachine(Door, transitions or DOOR, initial=Door.CLOSED, final=final, error=error,
                           record=record)
    return machine, moves


def test_an_allowed_transition_writes_the_status_and_records_the_move():
    machine, moves = door_machine()
    door, actor = Thing("closed"), object()
    assert machine.fire(door, "open", actor=actor, comment="air", document_id=7) == 1
    assert door.status == "open"
    move, details = moves[0]
    assert (move.subject, move.action, move.actor, move.from_status, move.to_status, move.comment) == (
        door, "open", actor, "closed", "open", "air")
    assert details == {"document_id": 7}
    machine.fire(door, "knock")  # a target of None keeps the status, and is recorded all the same
    assert door.status == "open" and (moves[1][0].from_status, moves[1][0].to_status) == ("open", "open")


def test_a_refused_transition_raises_the_typed_error_and_changes_nothing():
    machine, moves = door_machine()
    door = Thing("locked")
    with pytest.raises(DoorRefused) as refused:
        machine.fire(door, "open")
    assert (refused.value.action, refused.value.status) == ("open", "locked")
    assert refused.value.message == "The door does not do that now."
    assert isinstance(refused.value, statemachine.IllegalTransition)
    assert door.status == "locked" and moves == []
    with pytest.raises(KeyError):  # no such action at all: a programming error, not the user's
        machine.guard("closed", "paint")


def test_the_table_is_flat_and_the_allowed_actions_follow_it():
    machine, _ = door_machine()
    assert machine.table == {
        (Door.CLOSED, "open"): Door.OPEN, (Door.OPEN, "close"): Door.CLOSED,
        (Door.CLOSED, "knock"): Door.CLOSED, (Door.OPEN, "knock"): Door.OPEN,
        (Door.CLOSED, "lock"): Door.LOCKED, (Door.OPEN, "remove"): Door.GONE,
        (Door.LOCKED, "remove"): Door.GONE,
    }
    assert machine.allowed("closed") == {"open", "knock", "lock"}
    assert machine.allowed("gone") == set()


def test_a_table_with_an_unreachable_status_is_refused():
    without_lock = {name: rule for name, rule in DOOR.items() if name != "lock"}
    with pytest.raises(ValueError, match="not reachable from closed: locked"):
        door_machine(without_lock)


def test_a_table_with_an_action_from_a_final_status_is_refused():
    with pytest.raises(ValueError, match="actions from a final status: locked: remove"):
        door_machine(final={Door.GONE, Door.LOCKED})


def test_an_error_without_a_user_message_is_refused():
    with pytest.raises(ValueError, match="no user message"):
        door_machine(error=statemachine.IllegalTransition)


MACHINES = {
    "complaint": (workflow.MACHINE, {S.CLOSED}),
    "agreement": (lifecycle.AGREEMENT, {"expired", "terminated"}),
    "authority_proof": (lifecycle.AUTHORITY_PROOF, {"accepted", "refused"}),
}


@pytest.mark.parametrize("name", MACHINES)
def test_each_real_table_is_complete(name):
    """Every status reachable from the initial one, the final ones have no action, the others have."""
    machine, final = MACHINES[name]
    assert machine.final == {machine.statuses(s) for s in final}
    reached, frontier = {machine.initial}, [machine.initial]
    while frontier:
        status = frontier.pop()
        for action in machine.allowed(status):
            target = machine.guard(status, action)
            if target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached == set(machine.statuses)
    for status in machine.statuses:
        assert bool(machine.allowed(status)) is (status not in machine.final), status


def test_the_agreement_table_is_exactly_the_lifecycle():
    assert {(s.value, a): t.value for (s, a), t in lifecycle.AGREEMENT.table.items()} == {
        ("draft", "sign"): "signed_by_association",
        ("signed_by_association", "return"): "draft",
        ("signed_by_association", "countersign"): "active",
        ("active", "expire"): "expired",
        ("active", "terminate"): "terminated",
    }
    assert {(s.value, a): t.value for (s, a), t in lifecycle.AUTHORITY_PROOF.table.items()} == {
        ("pending", "accept"): "accepted", ("pending", "refuse"): "refused",
    }


@pytest.mark.parametrize(("language", "complaint_text", "agreement_text"), [
    ("kk", "Шағымның қазіргі мәртебесінде бұл әрекетті орындау мүмкін емес.",
     "Келісімнің қазіргі мәртебесінде бұл әрекетті орындау мүмкін емес."),
    ("ru", "В текущем статусе жалобы это действие невозможно.",
     "В текущем статусе соглашения это действие невозможно."),
    ("en", "This action is not possible in the complaint's current state.",
     "This action is not possible in the agreement's current state."),
])
def test_the_refusal_speaks_the_users_language(app, language, complaint_text, agreement_text):
    with app.test_request_context("/"):
        session["lang"] = language
        complaint = Complaint(id=1, status=S.CLOSED.value, filed_by_id=1)
        with pytest.raises(workflow.IllegalTransition) as refused:
            workflow.apply(None, complaint, "resolve")
        assert isinstance(refused.value, workflow.WorkflowError)
        assert str(refused.value.message) == complaint_text
        with pytest.raises(services.IllegalTransition) as refused:
            lifecycle.AGREEMENT.guard("expired", "terminate")
        assert isinstance(refused.value, AgreementError)
        assert str(refused.value.message) == agreement_text


def _audit(action: str) -> list[dict]:
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))
    return [{"subject": (e.subject_type, e.subject_id), **json.loads(e.details)} for e in entries]


def test_an_agreement_transition_is_an_event_and_an_audit_entry(app, parties):
    agreement_id = signed_agreement(app, parties, render=False)
    with app.app_context():
        services.return_to_draft(agreement_id, parties.user("supervisor"), "Fill in the members")
        db.session.commit()
        assert db.session.get(Agreement, agreement_id).status == "draft"
        events = db.session.scalars(select(AgreementEvent).where(AgreementEvent.agreement_id == agreement_id)
                                    .order_by(AgreementEvent.id)).all()
        assert [(e.action, e.from_status, e.to_status, e.comment) for e in events][-1] == (
            "return", "signed_by_association", "draft", "Fill in the members")
        assert _audit("agreement.transition")[-1] == {
            "subject": ("agreement", str(agreement_id)), "action": "return",
            "from": "signed_by_association", "to": "draft"}


def test_an_authority_decision_moves_the_proof_once_and_is_audited(app, keys):
    parties = make_association(app, verified=False)
    with app.app_context():
        owner, officer = parties.user("representative"), parties.user("officer")
        proof = services.submit_authority_proof(owner, parties.association_id, b"%PDF-1.7\nscan", "order.pdf")
        services.decide_authority_proof(officer, proof.id, accept=True, reason=None)
        db.session.commit()
        proof = db.session.get(AuthorityProof, proof.id)
        assert (proof.status, proof.reviewed_by_id) == ("accepted", officer.id)
        assert services.authority_verified(parties.association_id, owner.id)
        assert _audit("agreement.authority_decision")[-1] == {
            "subject": ("association", str(parties.association_id)), "proof": proof.id,
            "decision": "accepted", "reason": None}
        with pytest.raises(services.IllegalTransition) as refused:
            services.decide_authority_proof(officer, proof.id, accept=False, reason="Too late")
        assert refused.value.status == "accepted"
        db.session.rollback()
        assert db.session.get(AuthorityProof, proof.id).status == "accepted"


def test_the_machine_is_the_only_writer_of_a_status():
    """No module of the application assigns ``<subject>.status`` but app/statemachine.py."""
    root = Path(statemachine.__file__).parent
    writers = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = node.targets if isinstance(node, ast.Assign) else (
                [node.target] if isinstance(node, ast.AugAssign | ast.AnnAssign) else [])
            for target in targets:
                for leaf in target.elts if isinstance(target, ast.Tuple) else [target]:
                    if (isinstance(leaf, ast.Attribute) and leaf.attr == "status"
                            and not (isinstance(leaf.value, ast.Name) and leaf.value.id == "self")):
                        writers.append(f"{path.relative_to(root)}:{node.lineno}")
    assert [writer.split(":")[0] for writer in writers] == ["statemachine.py"], writers
