"""The complaint state machine: every action from every status, for every kind of actor."""

import itertools

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.accounts.services import find_by_email
from app.audit.models import AuditEntry
from app.complaints import workflow
from app.complaints.models import Complaint, ComplaintEvent
from app.complaints.models import ComplaintStatus as S
from app.extensions import db
from tests.factories import add_user, filed_complaint, make_business

# The legal moves, written out independently of workflow.TRANSITIONS.
LEGAL = {
    ("take", S.REGISTERED): S.ASSIGNED,
    ("assign", S.REGISTERED): S.ASSIGNED,
    ("assign", S.ASSIGNED): S.ASSIGNED,
    ("assign", S.IN_REVIEW): S.ASSIGNED,
    ("assign", S.INFO_REQUESTED): S.ASSIGNED,
    ("start_review", S.ASSIGNED): S.IN_REVIEW,
    ("request_info", S.IN_REVIEW): S.INFO_REQUESTED,
    ("provide_info", S.INFO_REQUESTED): S.IN_REVIEW,
    ("forward", S.IN_REVIEW): S.FORWARDED,
    ("resolve", S.IN_REVIEW): S.RESOLVED,
    ("reject", S.ASSIGNED): S.REJECTED,
    ("reject", S.IN_REVIEW): S.REJECTED,
    ("close", S.FORWARDED): S.CLOSED,
    ("close", S.RESOLVED): S.CLOSED,
    ("close", S.REJECTED): S.CLOSED,
    ("appeal", S.RESOLVED): S.APPEALED,
    ("review_appeal", S.APPEALED): S.IN_REVIEW,
    **{("extend", s): s for s in (S.REGISTERED, S.ASSIGNED, S.IN_REVIEW, S.INFO_REQUESTED, S.APPEALED)},
}
WHO = {  # action -> the actors allowed (by the key names below)
    "take": {"officer", "other_officer", "supervisor"},
    "assign": {"supervisor"}, "extend": {"supervisor"}, "review_appeal": {"supervisor"},
    "provide_info": {"complainant"}, "appeal": {"complainant"},
}
HANDLERS = {"officer", "supervisor"}  # the assigned officer, or a supervisor


@pytest.fixture
def actors(app, keys) -> tuple[dict[str, int], int]:
    """Real accounts (a transition writes its audit entry, which names the actor) and a complaint."""
    emails = {"complainant": add_user(app), "officer": add_user(app, "officer"),
              "other_officer": add_user(app, "officer"), "supervisor": add_user(app, "supervisor")}
    complaint_id = filed_complaint(app, emails["complainant"], make_business(app, emails["complainant"]))
    with app.app_context():
        return {who: find_by_email(email).id for who, email in emails.items()}, complaint_id


def test_transition_table_is_exactly_the_legal_one():
    table = {(action, source): rule.target or source
             for action, rule in workflow.TRANSITIONS.items() for source in rule.sources}
    assert table == LEGAL


def test_every_action_from_every_status_by_every_actor(app, actors):
    """All 12 actions x 9 statuses x 4 actors: illegal moves and wrong actors are refused.

    Each case runs on one real complaint in a savepoint that is rolled back afterwards; a
    legal move writes its event and its audit entry.
    """
    checked, (actors, complaint_id) = 0, actors
    with app.app_context():
        users = {who: db.session.get(User, user_id) for who, user_id in actors.items()}
        complaint = db.session.get(Complaint, complaint_id)
        for action, status, who in itertools.product(workflow.TRANSITIONS, list(S), users):
            case = (action, status.value, who)
            savepoint = db.session.begin_nested()
            complaint.status, complaint.assigned_officer_id = status.value, actors["officer"]
            audit_rows = db.session.scalar(select(func.count()).select_from(AuditEntry))
            if (action, status) not in LEGAL:
                with pytest.raises(workflow.IllegalTransition):
                    workflow.apply(users[who], complaint, action)
                assert complaint.status == status.value, case
            elif who not in WHO.get(action, HANDLERS):
                with pytest.raises(workflow.NotPermitted):
                    workflow.apply(users[who], complaint, action)
                assert complaint.status == status.value, case
                assert action not in workflow.available(users[who], complaint), case
            else:
                assert action in workflow.available(users[who], complaint), case
                event = workflow.apply(users[who], complaint, action, "comment")
                assert isinstance(event, ComplaintEvent), case
                assert complaint.status == LEGAL[(action, status)].value, case
                assert (event.from_status, event.to_status, event.actor_id, event.comment) == (
                    status.value, complaint.status, actors[who], "comment"), case
                entry = db.session.execute(select(AuditEntry.action, AuditEntry.actor_id, AuditEntry.subject_id)
                                           .order_by(AuditEntry.id.desc()).limit(1)).one()
                assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == audit_rows + 1, case
                assert tuple(entry) == (
                    "complaint.transition", actors[who], complaint.number), case
            savepoint.rollback()
            checked += 1
    assert checked == len(workflow.TRANSITIONS) * len(S) * len(actors)
