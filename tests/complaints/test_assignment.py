"""A supervisor assigns a case to an officer and reassigns it; an officer cannot; every assignment is audited."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass

import pytest
from sqlalchemy import select, update

from app import transactions
from app.accounts.models import Role, User
from app.accounts.services import find_by_email
from app.audit.models import AuditEntry
from app.audit.services import verify_chain
from app.complaints import case_actions, workflow
from app.complaints.models import Complaint, ComplaintEvent
from app.extensions import db
from app.notifications.models import Notification
from tests.conftest import translated
from tests.factories import add_user, filed_complaint, make_business, sign_in


@dataclass
class Desk:
    complaint_id: int
    number: str
    emails: dict[str, str]  # officer, other, supervisor, admin, inactive, owner
    ids: dict[str, int]

    def client(self, app, who: str):
        client = app.test_client()
        assert sign_in(client, self.emails[who]).status_code == 302
        return client


@pytest.fixture
def desk(app, keys) -> Desk:
    emails = {"officer": add_user(app, Role.OFFICER), "other": add_user(app, Role.OFFICER),
              "supervisor": add_user(app, Role.SUPERVISOR), "admin": add_user(app, Role.ADMIN),
              "inactive": add_user(app, Role.OFFICER, active=False), "owner": add_user(app)}
    complaint_id = filed_complaint(app, emails["owner"], make_business(app, emails["owner"]))
    with app.app_context():
        ids = {who: find_by_email(email).id for who, email in emails.items()}
        for who, user_id in ids.items():  # names that tell the officers apart in the history
            db.session.execute(update(User).where(User.id == user_id).values(full_name=f"Қызметкер {who}"))
        db.session.commit()
        number = db.session.get(Complaint, complaint_id).number
    return Desk(complaint_id, number, emails, ids)


def _case(app, desk: Desk) -> tuple:
    with app.app_context():
        complaint = db.session.get(Complaint, desk.complaint_id)
        return complaint.status, complaint.assigned_officer_id


def _assignments(app, desk: Desk) -> list[tuple]:
    with app.app_context():
        events = db.session.scalars(select(ComplaintEvent).where(
            ComplaintEvent.complaint_id == desk.complaint_id, ComplaintEvent.action == "assign")
            .order_by(ComplaintEvent.id))
        return [(e.actor_id, e.from_status, e.to_status, e.comment) for e in events]


def _audited_assignments(app, desk: Desk) -> list[tuple]:
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "complaint.transition", AuditEntry.subject_id == desk.number)
            .order_by(AuditEntry.id))
        found = [(e.actor_id, e.actor_label, json.loads(e.details)) for e in entries]
        return [(actor, label, details["from"], details["to"]) for actor, label, details in found
                if details["action"] == "assign"]


def _page(response) -> str:
    assert response.status_code < 500
    return html.unescape(response.get_data(as_text=True))


def test_a_supervisor_assigns_a_registered_case_to_an_officer(app, desk):
    supervisor = desk.client(app, "supervisor")
    page = _page(supervisor.post(f"/staff/complaints/{desk.complaint_id}/assign",
                                 data={"officer_id": str(desk.ids["officer"])}, follow_redirects=True))
    assert translated(app, "kk", "The case has been assigned.") in page
    assert _case(app, desk) == ("assigned", desk.ids["officer"])
    assert _assignments(app, desk) == [(desk.ids["supervisor"], "registered", "assigned", "Қызметкер officer")]
    with app.app_context():
        told = db.session.scalars(select(Notification).where(Notification.user_id == desk.ids["officer"])).all()
        assert [(n.kind, n.subject_number, n.link) for n in told] == [
            ("status", desk.number, f"/staff/complaints/{desk.complaint_id}")]
        assert "start_review" in workflow.available(find_by_email(desk.emails["officer"]),
                                                    db.session.get(Complaint, desk.complaint_id))


def test_reassigning_moves_the_case_and_its_handling_to_the_other_officer(app, desk):
    with app.app_context():
        complaint = db.session.get(Complaint, desk.complaint_id)
        case_actions.assign(find_by_email(desk.emails["supervisor"]), complaint, desk.ids["officer"])
        case_actions.start_review(find_by_email(desk.emails["officer"]), complaint)
        transactions.commit()
    assert _case(app, desk) == ("in_review", desk.ids["officer"])
    supervisor = desk.client(app, "supervisor")
    supervisor.post(f"/staff/complaints/{desk.complaint_id}/assign", data={"officer_id": str(desk.ids["other"])})
    assert _case(app, desk) == ("assigned", desk.ids["other"])  # the new officer starts the review again
    assert [a[1:] for a in _assignments(app, desk)] == [
        ("registered", "assigned", "Қызметкер officer"), ("in_review", "assigned", "Қызметкер other")]
    with app.app_context():
        complaint = db.session.get(Complaint, desk.complaint_id)
        assert "start_review" not in workflow.available(find_by_email(desk.emails["officer"]), complaint)
        assert "start_review" in workflow.available(find_by_email(desk.emails["other"]), complaint)
    first = desk.client(app, "officer")  # the first officer's move is refused now
    page = _page(first.post(f"/staff/complaints/{desk.complaint_id}/start", data={}, follow_redirects=True))
    assert translated(app, "kk", "You are not allowed to do this on this complaint.") in page
    assert _case(app, desk) == ("assigned", desk.ids["other"])


def test_an_admin_may_assign_too(app, desk):
    with app.app_context():
        case_actions.assign(find_by_email(desk.emails["admin"]), db.session.get(Complaint, desk.complaint_id),
                        desk.ids["supervisor"])  # a supervisor may be given a case
        transactions.commit()
    assert _case(app, desk) == ("assigned", desk.ids["supervisor"])


def test_an_officer_cannot_assign(app, desk):
    officer = desk.client(app, "officer")
    detail = _page(officer.get(f"/staff/complaints/{desk.complaint_id}"))
    assert f"/staff/complaints/{desk.complaint_id}/assign" not in detail  # not offered
    supervisor_detail = _page(desk.client(app, "supervisor").get(f"/staff/complaints/{desk.complaint_id}"))
    assert f"/staff/complaints/{desk.complaint_id}/assign" in supervisor_detail
    for target in ("officer", "other"):  # neither to themselves nor to a colleague
        page = _page(officer.post(f"/staff/complaints/{desk.complaint_id}/assign",
                                  data={"officer_id": str(desk.ids[target])}, follow_redirects=True))
        assert translated(app, "kk", "You are not allowed to do this on this complaint.") in page
    assert _case(app, desk) == ("registered", None)
    assert _assignments(app, desk) == [] and _audited_assignments(app, desk) == []
    with app.app_context(), pytest.raises(workflow.NotPermitted):
        case_actions.assign(find_by_email(desk.emails["officer"]), db.session.get(Complaint, desk.complaint_id),
                        desk.ids["officer"])


@pytest.mark.parametrize("target", ["owner", "inactive", "admin", "missing", "none"])
def test_a_case_is_assigned_only_to_an_active_officer_or_supervisor(app, desk, target):
    officer_id = {"missing": 999_999, "none": 0}[target] if target in {"missing", "none"} else desk.ids[target]
    supervisor = desk.client(app, "supervisor")
    page = _page(supervisor.post(f"/staff/complaints/{desk.complaint_id}/assign",
                                 data={"officer_id": str(officer_id)}, follow_redirects=True))
    # No officer chosen is the field's own error; anyone else, the service's refusal.
    expected = "This field is required." if target == "none" else "Choose an active officer."
    assert translated(app, "kk", expected) in page
    assert _case(app, desk) == ("registered", None)
    assert _assignments(app, desk) == []


def test_a_closed_case_is_not_assigned(app, desk):
    with app.app_context():
        db.session.execute(update(Complaint).where(Complaint.id == desk.complaint_id).values(status="closed"))
        db.session.commit()
    supervisor = desk.client(app, "supervisor")
    page = _page(supervisor.post(f"/staff/complaints/{desk.complaint_id}/assign",
                                 data={"officer_id": str(desk.ids["officer"])}, follow_redirects=True))
    assert translated(app, "kk", "This action is not possible in the complaint's current state.") in page
    assert _case(app, desk) == ("closed", None)


def test_every_assignment_is_audited_by_whom_and_from_which_status(app, desk):
    supervisor = desk.client(app, "supervisor")
    supervisor.post(f"/staff/complaints/{desk.complaint_id}/assign", data={"officer_id": str(desk.ids["officer"])})
    supervisor.post(f"/staff/complaints/{desk.complaint_id}/assign", data={"officer_id": str(desk.ids["other"])})
    who = (desk.ids["supervisor"], desk.emails["supervisor"])
    assert _audited_assignments(app, desk) == [(*who, "registered", "assigned"), (*who, "assigned", "assigned")]
    assert _case(app, desk) == ("assigned", desk.ids["other"])
    with app.app_context():
        assert verify_chain().ok
