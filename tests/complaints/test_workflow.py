"""The complaint state machine: every action from every status, for every kind of actor."""

import itertools

import pytest

from app.accounts.models import Role
from app.complaints import workflow
from app.complaints.models import Complaint, ComplaintEvent
from app.complaints.models import ComplaintStatus as S

COMPLAINANT_ID, OFFICER_ID, OTHER_OFFICER_ID, SUPERVISOR_ID = 10, 20, 21, 30

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


class FakeUser:
    def __init__(self, user_id: int, role: Role):
        self.id, self.role = user_id, role.value


ACTORS = {
    "complainant": FakeUser(COMPLAINANT_ID, Role.ENTREPRENEUR),
    "officer": FakeUser(OFFICER_ID, Role.OFFICER),
    "other_officer": FakeUser(OTHER_OFFICER_ID, Role.OFFICER),
    "supervisor": FakeUser(SUPERVISOR_ID, Role.SUPERVISOR),
}


def test_transition_table_is_exactly_the_legal_one():
    table = {(action, source): rule.target or source
             for action, rule in workflow.TRANSITIONS.items() for source in rule.sources}
    assert table == LEGAL


def test_every_action_from_every_status_by_every_actor(app):
    """All 12 actions x 9 statuses x 4 actors: illegal moves and wrong actors are refused."""
    checked = 0
    with app.app_context():
        for action, status, who in itertools.product(workflow.TRANSITIONS, list(S), ACTORS):
            case = (action, status.value, who)
            complaint = Complaint(id=1, status=status.value, filed_by_id=COMPLAINANT_ID,
                                  assigned_officer_id=OFFICER_ID)
            if (action, status) not in LEGAL:
                with pytest.raises(workflow.IllegalTransition):
                    workflow.apply(ACTORS[who], complaint, action)
                assert complaint.status == status.value, case
            elif who not in WHO.get(action, HANDLERS):
                with pytest.raises(workflow.NotPermitted):
                    workflow.apply(ACTORS[who], complaint, action)
                assert complaint.status == status.value, case
                assert action not in workflow.available(ACTORS[who], complaint), case
            else:
                assert action in workflow.available(ACTORS[who], complaint), case
                event = workflow.apply(ACTORS[who], complaint, action, "comment")
                assert isinstance(event, ComplaintEvent), case
                assert complaint.status == LEGAL[(action, status)].value, case
                assert (event.from_status, event.to_status, event.actor_id, event.comment) == (
                    status.value, complaint.status, ACTORS[who].id, "comment"), case
            checked += 1
    assert checked == len(workflow.TRANSITIONS) * len(S) * len(ACTORS)
