"""The first decision kept for the statistics (clock.record_first_decision, migration 0008)."""

from __future__ import annotations

import importlib.util
from datetime import timedelta
from pathlib import Path

import pytest

from app.calendar.workdays import default_calendar
from app.complaints.models import Complaint
from app.extensions import db
from app.timeutil import local_today
from tests.factories import PASSWORD, add_user, filed_complaint, make_business, sign_in

MIGRATION = Path(__file__).parents[2] / "migrations" / "versions" / "0008_decision_clock.py"


@pytest.fixture
def desk(app, keys):
    """(owner e-mail, owner client, officer client, supervisor client)."""
    owner, officer, supervisor = add_user(app), add_user(app, "officer"), add_user(app, "supervisor")
    clients = []
    for email in (owner, officer, supervisor):
        client = app.test_client()
        assert sign_in(client, email, PASSWORD).status_code == 302
        clients.append(client)
    return owner, *clients


def _file(app, owner: str, **fields) -> int:
    complaint_id = filed_complaint(app, owner, make_business(app, owner))
    if fields:
        with app.app_context():
            complaint = db.session.get(Complaint, complaint_id)
            for name, value in fields.items():
                setattr(complaint, name, value)
            db.session.commit()
    return complaint_id


def _facts(app, complaint_id: int) -> tuple:
    with app.app_context():
        complaint = db.session.get(Complaint, complaint_id)
        return complaint.decided_on, complaint.decision_working_days, complaint.decided_in_term


def _decide(officer, complaint_id: int, action: str, **data) -> None:
    staff = f"/staff/complaints/{complaint_id}"
    officer.post(f"{staff}/take")
    officer.post(f"{staff}/start")
    response = officer.post(f"{staff}/{action}", data={**data, "confirmed": "yes"})
    assert response.status_code == 302, response.get_data(as_text=True)


def test_a_decision_in_term_is_kept_with_its_working_days(app, desk):
    owner, _owner_client, officer, _supervisor = desk
    complaint_id = _file(app, owner)
    assert _facts(app, complaint_id) == (None, None, None)
    _decide(officer, complaint_id, "resolve", outcome="confirmed", comment="Расталды.")
    with app.app_context():
        registration_day = db.session.get(Complaint, complaint_id).registration_day
    today = local_today()
    assert _facts(app, complaint_id) == (
        today, default_calendar().working_days_between(registration_day, today), True)


def test_late_decisions_and_an_extension(app, desk):
    owner, _owner_client, officer, _supervisor = desk
    today = local_today()
    late = _file(app, owner, due_date=today - timedelta(days=1))
    extended = _file(app, owner, due_date=today - timedelta(days=1), extended_until=today)
    late_forward = _file(app, owner, forwarding_due=today - timedelta(days=1))
    _decide(officer, late, "reject", comment="Қаралмайды.")
    _decide(officer, extended, "resolve", outcome="not_confirmed", comment="Расталмады.")
    _decide(officer, late_forward, "forward", body_name="Облыс прокуратурасы", comment="Құзыреті бойынша.")
    assert [_facts(app, one)[2] for one in (late, extended, late_forward)] == [False, True, False]


def test_a_decision_after_an_appeal_leaves_the_first_one(app, desk):
    owner, owner_client, officer, supervisor = desk
    complaint_id = _file(app, owner)
    _decide(officer, complaint_id, "resolve", outcome="not_confirmed", comment="Расталмады.")
    earlier = local_today() - timedelta(days=1)
    with app.app_context():  # as if the first decision had been made yesterday
        db.session.get(Complaint, complaint_id).decided_on = earlier
        db.session.commit()
    first = _facts(app, complaint_id)
    owner_client.post(f"/portal/complaints/{complaint_id}/appeal", data={"comment": "Келіспеймін", "confirmed": "yes"})
    staff = f"/staff/complaints/{complaint_id}"
    supervisor.post(f"{staff}/review-appeal")
    supervisor.post(f"{staff}/resolve", data={"outcome": "confirmed", "comment": "Қайта қаралды.", "confirmed": "yes"})
    with app.app_context():
        assert db.session.get(Complaint, complaint_id).status == "resolved"
    assert _facts(app, complaint_id) == first and first[0] == earlier


def test_the_migration_backfills_what_the_write_path_keeps(app, desk):
    owner, _owner_client, officer, _supervisor = desk
    today = local_today()
    decided = [_file(app, owner), _file(app, owner, due_date=today - timedelta(days=1))]
    undecided = _file(app, owner)
    _decide(officer, decided[0], "resolve", outcome="confirmed", comment="Расталды.")
    _decide(officer, decided[1], "forward", body_name="Мемлекеттік кірістер департаменті", comment="Құзыреті бойынша.")
    kept = {one: _facts(app, one) for one in (*decided, undecided)}
    spec = importlib.util.spec_from_file_location("decision_clock", MIGRATION)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with app.app_context():
        db.session.execute(db.update(Complaint).values(decided_on=None, decision_working_days=None,
                                                       decided_in_term=None))
        migration._backfill(db.session.connection())
        db.session.commit()
    assert {one: _facts(app, one) for one in kept} == kept
    assert kept[undecided] == (None, None, None) and kept[decided[1]][2] is True
