"""The department's side over HTTP: take, request information, decide, appeal, extend."""

import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.audit.services import verify_chain
from app.complaints.models import Complaint, ComplaintEvent
from app.documents import services as documents
from app.documents.models import Document
from app.extensions import db
from app.notifications.models import Notification, OutboxMessage
from tests.factories import PASSWORD, add_user, filed_complaint, make_business, sign_in
from tests.tools import assert_signed_whole_and_valid, pdftotext


@pytest.fixture
def case(app, keys):
    """(complaint id, complainant client, officer client, supervisor client, e-mails)."""
    owner = add_user(app)
    officer, supervisor = add_user(app, "officer"), add_user(app, "supervisor")
    complaint_id = filed_complaint(app, owner, make_business(app, owner))
    clients = []
    for email in (owner, officer, supervisor):
        client = app.test_client()
        assert sign_in(client, email, PASSWORD).status_code == 302
        clients.append(client)
    return complaint_id, *clients, (owner, officer, supervisor)


def status(app, complaint_id) -> str:
    with app.app_context():
        return db.session.get(Complaint, complaint_id).status


def test_take_request_answer_resolve_and_decision_letter(app, case, tmp_path):
    complaint_id, owner, officer, _supervisor, _emails = case
    staff = f"/staff/complaints/{complaint_id}"
    officer.post(f"{staff}/take")
    officer.post(f"{staff}/start")
    assert status(app, complaint_id) == "in_review"
    empty = officer.post(f"{staff}/request-info?lang=en", data={"comment": ""})
    assert empty.status_code == 400 and status(app, complaint_id) == "in_review"
    assert "This field is required." in empty.get_data(as_text=True)
    officer.post(f"{staff}/request-info", data={"comment": "Тексеру актісін жіберіңіз"})
    assert status(app, complaint_id) == "info_requested"
    portal = owner.get(f"/portal/complaints/{complaint_id}?lang=en").get_data(as_text=True)
    assert "Provide the requested information" in portal and "Тексеру актісін жіберіңіз" in portal
    owner.post(f"/portal/complaints/{complaint_id}/info",
               data={"comment": "Акт қоса берілді", "attachment": (io.BytesIO(b"%PDF-1.4 act"), "act.pdf")},
               content_type="multipart/form-data")
    assert status(app, complaint_id) == "in_review"
    officer.post(f"{staff}/resolve", data={"outcome": "partially_confirmed",
                                           "comment": "Фактілер ішінара расталды.", "confirmed": "yes"})
    assert status(app, complaint_id) == "resolved"
    with app.app_context():
        letter = db.session.scalars(select(Document).where(Document.kind == "decision")).one()
        assert letter.sha256 and letter.subject_number == db.session.get(Complaint, complaint_id).number
        letter_id = letter.id
        kinds = {n.kind for n in db.session.scalars(select(Notification))}
        assert {"status", "info_requested", "decision", "message"} <= kinds
        assert db.session.scalar(select(OutboxMessage.id)) is not None
        actions = [e.action for e in db.session.scalars(select(ComplaintEvent).order_by(ComplaintEvent.id))]
        assert actions == ["file", "take", "start_review", "request_info", "provide_info", "resolve"]
    pdf = owner.get(f"/portal/complaints/{complaint_id}/documents/{letter_id}.pdf")
    target = tmp_path / "decision.pdf"
    target.write_bytes(pdf.data)
    assert_signed_whole_and_valid(target)
    text = pdftotext(target)
    assert "Шешім туралы хат" in text and "Письмо о принятом решении" in text
    assert "Фактілер ішінара расталды." in text


def test_appeal_once_and_supervisor_reopens(app, case):
    complaint_id, owner, officer, supervisor, _ = case
    staff = f"/staff/complaints/{complaint_id}"
    for step in ("take", "start"):
        officer.post(f"{staff}/{step}")
    officer.post(f"{staff}/resolve", data={"outcome": "not_confirmed", "comment": "Расталмады.",
                                           "confirmed": "yes"})
    closing = officer.post(f"{staff}/close?lang=en", follow_redirects=True)
    assert status(app, complaint_id) == "resolved"  # the appeal window is still open
    assert "appeal" in closing.get_data(as_text=True).lower()
    owner.post(f"/portal/complaints/{complaint_id}/appeal", data={"comment": "Келіспеймін", "confirmed": "yes"})
    assert status(app, complaint_id) == "appealed"
    supervisor.post(f"{staff}/review-appeal")
    assert status(app, complaint_id) == "in_review"
    supervisor.post(f"{staff}/resolve", data={"outcome": "confirmed", "comment": "Қайта қаралды; расталды.",
                                                 "confirmed": "yes"})
    again = owner.post(f"/portal/complaints/{complaint_id}/appeal?lang=en",
                       data={"comment": "Тағы", "confirmed": "yes"}, follow_redirects=True)
    assert "already been appealed once" in again.get_data(as_text=True)
    assert status(app, complaint_id) == "resolved"


def _in_force(app, complaint_id) -> tuple:
    with app.app_context():
        c = db.session.get(Complaint, complaint_id)
        return c.outcome, c.decision_text, c.forwarded_to, c.rejection_reason


def test_a_decision_after_an_appeal_replaces_the_earlier_one_everywhere(app, case):
    """Resolved, appealed, then forwarded: the case is forwarded — not also resolved — in its
    fields, the staff statistics (rollup and complaints) and the public statistics."""
    from app.reporting import periods, public
    from app.reporting.statistics import StatisticsFilter, figures
    from app.timeutil import local_today

    complaint_id, owner, officer, supervisor, _ = case
    staff = f"/staff/complaints/{complaint_id}"
    for step in ("take", "start"):
        officer.post(f"{staff}/{step}")
    officer.post(f"{staff}/resolve", data={"outcome": "confirmed", "comment": "Расталды.", "confirmed": "yes"})
    assert _in_force(app, complaint_id) == ("confirmed", "Расталды.", None, None)
    owner.post(f"/portal/complaints/{complaint_id}/appeal", data={"comment": "Келіспеймін", "confirmed": "yes"})
    supervisor.post(f"{staff}/review-appeal")
    response = supervisor.post(f"{staff}/forward", data={"body_name": "Облыс прокуратурасы",
                                                         "comment": "Құзыреті бойынша.", "confirmed": "yes"})
    assert response.status_code == 302
    assert _in_force(app, complaint_id) == (None, None, "Облыс прокуратурасы", None)
    today = local_today()
    with app.app_context():
        for use_rollup in (True, False):
            h = figures(StatisticsFilter(periods.month(today)), today, use_rollup=use_rollup).current
            assert (h.decided, h.forwarded, h.confirmed) == (1, 1, 0)
        counts = public.count(today)
        assert counts.decided["decision"] == {public.FORWARDED: 1}


def test_appeal_window_closes(app, case):
    complaint_id, owner, officer, _supervisor, _ = case
    staff = f"/staff/complaints/{complaint_id}"
    for step in ("take", "start"):
        officer.post(f"{staff}/{step}")
    officer.post(f"{staff}/resolve", data={"outcome": "confirmed", "comment": "Расталды.", "confirmed": "yes"})
    with app.app_context():
        complaint = db.session.get(Complaint, complaint_id)
        complaint.decided_at -= timedelta(days=app.config["PBI_APPEAL_WINDOW_DAYS"] + 1)
        db.session.commit()
    late = owner.post(f"/portal/complaints/{complaint_id}/appeal?lang=en", data={"comment": "Кеш", "confirmed": "yes"},
                      follow_redirects=True)
    assert "has passed" in late.get_data(as_text=True) and status(app, complaint_id) == "resolved"
    officer.post(f"{staff}/close")
    assert status(app, complaint_id) == "closed"


def test_extension_once_and_at_most_two_months(app, case):
    complaint_id, owner, officer, supervisor, _ = case
    staff = f"/staff/complaints/{complaint_id}"
    with app.app_context():
        complaint = db.session.get(Complaint, complaint_id)
        registration = complaint.registration_day
        due = complaint.due_date
    assert officer.post(f"{staff}/extend", data={"until": str(due + timedelta(days=5)), "comment": "x"},
                        follow_redirects=True).status_code == 403
    with app.app_context():
        assert db.session.get(Complaint, complaint_id).extended_until is None  # officers cannot extend
    too_far = registration + timedelta(days=70)  # beyond two months from registration
    refused = supervisor.post(f"{staff}/extend?lang=en", data={"until": str(too_far), "comment": "Сараптама"},
                              follow_redirects=True)
    assert "at most two months" in refused.get_data(as_text=True)
    new_due = due + timedelta(days=10)
    supervisor.post(f"{staff}/extend", data={"until": str(new_due), "comment": "Сараптама қажет"})
    with app.app_context():
        complaint = db.session.get(Complaint, complaint_id)
        assert complaint.extended_until == new_due and complaint.extension_reason == "Сараптама қажет"
        assert db.session.scalar(select(Notification.id).where(Notification.kind == "extended")) is not None
    second = supervisor.post(f"{staff}/extend?lang=en", data={"until": str(new_due + timedelta(days=1)),
                                                              "comment": "тағы"}, follow_redirects=True)
    assert "already been extended once" in second.get_data(as_text=True)
    assert "Сараптама қажет" in owner.get(f"/portal/complaints/{complaint_id}").get_data(as_text=True)


def test_forward_and_reject_issue_letters(app, keys):
    owner = add_user(app)
    officer = add_user(app, "officer")
    business = make_business(app, owner)
    first, second = filed_complaint(app, owner, business), filed_complaint(app, owner, business)
    client = app.test_client()
    sign_in(client, officer, PASSWORD)
    for complaint_id in (first, second):
        client.post(f"/staff/complaints/{complaint_id}/take")
        client.post(f"/staff/complaints/{complaint_id}/start")
    missing = client.post(f"/staff/complaints/{first}/forward", data={"body_name": "", "comment": "x"})
    assert missing.status_code == 400 and status(app, first) == "in_review"
    client.post(f"/staff/complaints/{first}/forward", data={"body_name": "Облыс прокуратурасы",
                                                            "comment": "Құзыреті бойынша", "confirmed": "yes"})
    client.post(f"/staff/complaints/{second}/reject", data={"comment": "Қабылданбайды", "confirmed": "yes"})
    assert (status(app, first), status(app, second)) == ("forwarded", "rejected")
    with app.app_context():
        letters = db.session.scalars(select(Document).where(Document.kind == "decision")).all()
        assert len(letters) == 2
        for letter in letters:
            assert documents.verify_upload(documents.pdf_bytes(letter)).valid


def test_internal_notes_never_reach_the_portal(app, case):
    complaint_id, owner, officer, _supervisor, _ = case
    officer.post(f"/staff/complaints/{complaint_id}/notes", data={"body": "ІШКІ-ЕСКЕРТПЕ: куәгерді тексеру"})
    officer.post(f"/staff/complaints/{complaint_id}/messages", data={"body": "Хабарлама өтініш берушіге"})
    staff_page = officer.get(f"/staff/complaints/{complaint_id}").get_data(as_text=True)
    assert "ІШКІ-ЕСКЕРТПЕ" in staff_page and "Хабарлама өтініш берушіге" in staff_page
    for path in (f"/portal/complaints/{complaint_id}", "/portal/complaints", "/notifications", "/portal"):
        assert "ІШКІ-ЕСКЕРТПЕ" not in owner.get(path).get_data(as_text=True), path
    assert "Хабарлама өтініш берушіге" in owner.get(f"/portal/complaints/{complaint_id}").get_data(as_text=True)


def test_staff_reads_and_transitions_are_in_the_audit_chain(app, case):
    complaint_id, _owner, officer, _supervisor, (_, officer_email, _) = case
    with app.app_context():
        evidence_free = db.session.get(Complaint, complaint_id).number
    officer.get(f"/staff/complaints/{complaint_id}")
    officer.post(f"/staff/complaints/{complaint_id}/take")
    with app.app_context():
        rows = db.session.scalars(select(AuditEntry).where(AuditEntry.subject_id == evidence_free)
                                  .order_by(AuditEntry.id)).all()
        actions = [(r.action, r.actor_label) for r in rows]
        assert ("complaint.read", officer_email) in actions
        assert ("complaint.transition", officer_email) in actions
        assert verify_chain().ok
