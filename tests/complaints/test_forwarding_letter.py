"""The covering letter to the competent body: identity kept or disclosed as the complainant chose."""

import io

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.businesses.models import Business
from app.complaints.models import Complaint
from app.documents.models import Document
from app.extensions import db
from tests.factories import PASSWORD, add_user, filed_complaint, make_business, sign_in
from tests.tools import assert_signed_whole_and_valid, pdftotext

BODY = "Түркістан облысының прокуратурасы"
NOTE = "Құзыреті бойынша: тексеру прокуратураның қадағалауында"
NOTICE_KK = "Өтініш беруші өзінің жеке басы туралы мәліметтерді ашпауды сұрады"
NOTICE_RU = "Заявитель просил не раскрывать сведения о его личности"


def _forwarded(app, *, confidential: bool):
    """Forward a complaint; returns (complainant client, complaint id, letter id, identity strings)."""
    owner = add_user(app)
    officer = add_user(app, "officer")
    business_id = make_business(app, owner)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == owner))
        user.full_name, user.phone = "Айгүл Серікқызы Жұмабаева", "+77019876543"
        db.session.get(User, db.session.scalar(select(User.id).where(User.email == officer))).position = (
            "Бас сарапшы / Главный эксперт")
        business = db.session.get(Business, business_id)
        identity = [user.full_name, user.phone, owner, business.name, business.number]
        db.session.commit()
    complaint_id = filed_complaint(app, owner, business_id, keep_identity_confidential="y" if confidential else "")
    staff = app.test_client()
    sign_in(staff, officer, PASSWORD)
    for step in ("take", "start"):
        staff.post(f"/staff/complaints/{complaint_id}/{step}")
    staff.post(f"/staff/complaints/{complaint_id}/forward",
               data={"body_name": BODY, "comment": NOTE, "confirmed": "yes"})
    with app.app_context():
        assert db.session.get(Complaint, complaint_id).status == "forwarded"
        letter = db.session.scalars(select(Document).where(Document.kind == "forwarding_letter")).one()
        assert letter.sha256 is not None and letter.subject_id == complaint_id
        letter_id, number, code = letter.id, letter.number, letter.verification_code
    complainant = app.test_client()
    sign_in(complainant, owner, PASSWORD)
    return complainant, complaint_id, (letter_id, number, code), identity


def _letter_text(client, complaint_id, letter_id, tmp_path) -> str:
    response = client.get(f"/portal/complaints/{complaint_id}/documents/{letter_id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    target = tmp_path / "forwarding.pdf"
    target.write_bytes(response.data)
    assert_signed_whole_and_valid(target)
    checked = client.post("/api/v1/verify", data={"document": (io.BytesIO(response.data), "letter.pdf")},
                          content_type="multipart/form-data").get_json()
    assert checked["valid"] and checked["kind"] == "forwarding_letter"  # our signature, in our registry
    return pdftotext(target)


@pytest.mark.parametrize("confidential", [True, False])
def test_covering_letter_names_the_body_and_the_facts(app, keys, tmp_path, confidential):
    client, complaint_id, (letter_id, number, _code), identity = _forwarded(app, confidential=confidential)
    text = " ".join(_letter_text(client, complaint_id, letter_id, tmp_path).split())
    with app.app_context():
        complaint = db.session.get(Complaint, complaint_id)
        complaint_number, description = complaint.number, complaint.description
    assert "Сопроводительное письмо о направлении обращения по компетенции" in text
    for expected in (BODY, NOTE, complaint_number, number, "Пара бопсалау", "Вымогательство взятки",
                     "Бас сарапшы / Главный эксперт"):
        assert expected in text, expected
    assert " ".join(description.split()) in text
    if confidential:
        assert NOTICE_KK in text and NOTICE_RU in text
        for secret in identity:
            assert secret not in text, secret
    else:
        assert NOTICE_KK not in text and NOTICE_RU not in text
        for disclosed in identity:
            assert disclosed in text, disclosed


def test_complainant_sees_the_letter_and_verify_keeps_the_identity(app, keys):
    client, complaint_id, (_letter_id, number, code), identity = _forwarded(app, confidential=True)
    page = client.get(f"/portal/complaints/{complaint_id}?lang=en").get_data(as_text=True)
    assert "Covering letter to the competent body" in page and number in page
    assert f"/verify?number={number}&amp;code={code}" in page
    verify = client.get(f"/verify?number={number}&code={code}&lang=en")
    shown = verify.get_data(as_text=True)
    assert verify.status_code == 200 and "The document is authentic" in shown
    assert "Covering letter to the competent body" in shown
    for secret in identity:
        assert secret not in shown, secret
    answer = client.get(f"/api/v1/verify/{number}?code={code}").get_json()
    assert answer["valid"] and answer["kind"] == "forwarding_letter"
    assert not any(secret in str(answer) for secret in identity)
