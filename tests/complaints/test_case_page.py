"""The complainant's case page: the officer's question above the answer form, the decision in a section of
its own, the appeal's own due date once a supervisor takes it up, and flash messages that say what happened."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest

from app.calendar.workdays import default_calendar
from app.complaints import case_page
from app.complaints.models import Complaint
from app.extensions import db
from app.templating import local_date
from tests.complaints.test_case_actions import case  # noqa: F401 (fixture)


def portal(client, complaint_id: int) -> str:
    return client.get(f"/portal/complaints/{complaint_id}?lang=en").get_data(as_text=True)


def test_the_question_stands_above_the_answer_form_and_the_answer_is_acknowledged(app, case):  # noqa: F811
    complaint_id, owner, officer, _supervisor, _ = case
    staff = f"/staff/complaints/{complaint_id}"
    for step in ("take", "start"):
        officer.post(f"{staff}/{step}")
    officer.post(f"{staff}/request-info", data={"comment": "Тексеру актісінің көшірмесін жіберіңіз."})
    page = portal(owner, complaint_id)
    question = page.index("The officer's question")
    assert page.index("Тексеру актісінің көшірмесін жіберіңіз.") > question
    assert question < page.index(f'action="/portal/complaints/{complaint_id}/info"')
    answered = owner.post(f"/portal/complaints/{complaint_id}/info?lang=en", data={
        "comment": "Акт қоса берілді", "attachment": (io.BytesIO(b"%PDF-1.4 act"), "act.pdf")},
        content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    assert "Your answer has been sent to the officer; the consideration of your complaint continues." in answered
    assert "The officer's question" not in portal(owner, complaint_id)  # answered: no open question


def test_the_decision_has_a_section_of_its_own_with_its_reasoned_text_and_letter(app, case):  # noqa: F811
    complaint_id, owner, officer, _supervisor, _ = case
    staff = f"/staff/complaints/{complaint_id}"
    assert "Decision on your complaint" not in portal(owner, complaint_id)
    for step in ("take", "start"):
        officer.post(f"{staff}/{step}")
    reasoned = "Тексеру барысында фактілер ішінара расталды.\nАкт прокуратураға жіберілді."
    officer.post(f"{staff}/resolve", data={"outcome": "partially_confirmed", "comment": reasoned, "confirmed": "yes"})
    page = portal(owner, complaint_id)
    section = page[page.index('<section class="decision-panel"'):]
    section = section[:section.index("</section>")]
    assert "Decision on your complaint" in section and "The facts were partially confirmed" in section
    assert f'<div class="decision-text">{reasoned}</div>' in section
    assert f"/portal/complaints/{complaint_id}/documents/" in section and "Download the decision letter" in section
    assert page.index("decision-panel") < page.index("<h2>History</h2>")


def test_a_rejection_shows_its_grounds(app, case):  # noqa: F811
    complaint_id, owner, officer, _supervisor, _ = case
    officer.post(f"/staff/complaints/{complaint_id}/take")
    grounds = "Шағым мемлекеттік органға қатысты емес."
    officer.post(f"/staff/complaints/{complaint_id}/reject", data={"comment": grounds, "confirmed": "yes"})
    page = portal(owner, complaint_id)
    section = page[page.index('<section class="decision-panel"'):]
    assert "Rejected as inadmissible" in section and grounds in section


def test_the_appeal_is_acknowledged_with_its_term_and_the_term_is_shown_once_taken_up(app, case):  # noqa: F811
    complaint_id, owner, officer, supervisor, _ = case
    staff = f"/staff/complaints/{complaint_id}"
    for step in ("take", "start"):
        officer.post(f"{staff}/{step}")
    officer.post(f"{staff}/resolve", data={"outcome": "not_confirmed", "comment": "Расталмады.", "confirmed": "yes"})
    filed = owner.post(f"/portal/complaints/{complaint_id}/appeal?lang=en",
                       data={"comment": "Келіспеймін", "confirmed": "yes"}, follow_redirects=True)
    filed = filed.get_data(as_text=True)
    with app.app_context():
        appealed_at = db.session.get(Complaint, complaint_id).appealed_at
        due = local_date(case_page.appeal_due(appealed_at))
    assert f"Your appeal has been filed. A supervisor will take it up and consider it by {due}." in filed
    assert "Appeal to be considered by" not in filed  # not taken up yet
    supervisor.post(f"{staff}/review-appeal")
    page = portal(owner, complaint_id)
    assert "Appeal to be considered by" in page and f"<strong>{due}</strong>" in page
    supervisor.post(f"{staff}/resolve",
                    data={"outcome": "confirmed", "comment": "Қайта қаралды; расталды.", "confirmed": "yes"})
    page = portal(owner, complaint_id)
    assert "Appeal to be considered by" not in page  # decided again
    assert "Қайта қаралды; расталды." in page[page.index("decision-panel"):page.index("<h2>History</h2>")]


def test_a_message_is_acknowledged(app, case):  # noqa: F811
    complaint_id, owner, *_ = case
    page = owner.post(f"/portal/complaints/{complaint_id}/messages?lang=en", data={"body": "Сәлеметсіз бе"},
                      follow_redirects=True).get_data(as_text=True)
    assert "Your message has been sent to the department." in page


@pytest.mark.parametrize(("filed", "due"), [
    (datetime(2026, 3, 2, 5, 0), 20),  # a Monday morning in Almaty: registered that day
])
def test_the_appeal_term_is_twenty_working_days_from_its_registration_day(app, filed, due):
    with app.app_context():
        calendar = default_calendar()
        registered = calendar.registration_day(filed.replace(tzinfo=UTC))
        assert case_page.appeal_due(filed) == calendar.add_working_days(registered, due)
        assert calendar.working_days_between(registered, case_page.appeal_due(filed)) == due


def test_every_attachment_input_offers_only_the_evidence_kinds(app, case):  # noqa: F811
    """The portal's message and answer forms and the staff message form limit the file picker, as filing does."""
    import re

    from app.complaints.forms import EVIDENCE_ACCEPT

    complaint_id, owner, officer, _supervisor, _ = case
    staff = f"/staff/complaints/{complaint_id}"
    for step in ("take", "start"):
        officer.post(f"{staff}/{step}")
    officer.post(f"{staff}/request-info", data={"comment": "Тексеру актісінің көшірмесін жіберіңіз."})
    pages = (portal(owner, complaint_id), officer.get(f"{staff}?lang=en").get_data(as_text=True))
    inputs = [tag for page in pages for tag in re.findall(r'<input[^>]*type="file"[^>]*>', page)]
    assert len(inputs) >= 3  # portal: answer + message; staff: message
    assert all(f'accept="{EVIDENCE_ACCEPT}"' in tag for tag in inputs), inputs
