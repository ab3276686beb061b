"""The verification page as a person reads it: local dates, one sentence, clear refusals, the status."""

import re

import pytest
from sqlalchemy import select

from app.agreements.models import Agreement
from app.complaints.models import Complaint
from app.documents.models import Document
from app.extensions import db
from app.timeutil import to_local
from tests.factories import active_agreement, add_user, filed_complaint, make_business


@pytest.fixture
def agreement_document(app, parties):
    """(number, code, issued_at naive UTC, agreement number) of an issued agreement."""
    agreement_id = active_agreement(app, parties)
    with app.app_context():
        agreement = db.session.get(Agreement, agreement_id)
        document = db.session.get(Document, agreement.document_id)
        return document.number, document.verification_code, document.issued_at, agreement.number


def _verdict(html: str) -> str:
    match = re.search(r'<section class="verdict[^"]*".*?</section>', html, re.S)
    assert match, html[:2000]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(0)))


def test_issue_time_in_local_format_one_sentence_and_status(client, agreement_document):
    number, code, issued_at, _agreement = agreement_document
    response = client.get(f"/verify?number={number}&code={code}&lang=en")
    assert response.status_code == 200
    verdict = _verdict(response.get_data(as_text=True))
    assert to_local(issued_at).strftime("%d.%m.%Y %H:%M") in verdict
    assert "T" not in verdict.split("Issued")[1].split("Subject")[0]  # not an ISO timestamp
    assert verdict.count("authentic") == 1  # the heading, not repeated in the sentence below it
    assert "Status In force" in verdict


def test_talon_shows_the_complaints_public_status(app, client, keys):
    owner = add_user(app)
    complaint_id = filed_complaint(app, owner, make_business(app, owner))
    with app.app_context():
        complaint = db.session.get(Complaint, complaint_id)
        talon = db.session.get(Document, complaint.talon_document_id)
        number, code = talon.number, talon.verification_code
    verdict = _verdict(client.get(f"/verify?number={number}&code={code}&lang=en").get_data(as_text=True))
    assert "Status Registered" in verdict
    russian = _verdict(client.get(f"/verify?number={number}&code={code}&lang=ru").get_data(as_text=True))
    assert "Статус Зарегистрирована" in russian


def test_empty_submission_is_a_400_with_a_message(client, keys):
    assert client.get("/verify?lang=en").status_code == 200  # just opening the page is fine
    empty = client.get("/verify?number=&code=&lang=en")
    html = empty.get_data(as_text=True)
    assert empty.status_code == 400 and "Enter the document number." in html
    assert 'class="verdict' not in html  # no blank result
    no_code = client.get("/verify?number=PBI-D-2026-000001&code=&lang=en")
    html = no_code.get_data(as_text=True)
    assert no_code.status_code == 400 and "Enter the verification code." in html
    assert 'value="PBI-D-2026-000001"' in html  # what was typed is kept


def test_a_complaint_or_agreement_number_gets_a_hint(client, agreement_document):
    _number, code, _issued, agreement_number = agreement_document
    typed = client.get(f"/verify?number=pbi-c-2026-000007&code={code}&lang=en")
    html = typed.get_data(as_text=True)
    assert typed.status_code == 400 and "This is the number of a complaint" in html and "PBI-D-" in html
    assert 'value="pbi-c-2026-000007"' in html
    agreement = client.get(f"/verify?number={agreement_number}&code={code}&lang=kk")
    assert agreement.status_code == 400 and "PBI-D-" in agreement.get_data(as_text=True)
    with client.application.app_context():
        assert db.session.scalar(select(Document.id).where(Document.number == agreement_number)) is None
