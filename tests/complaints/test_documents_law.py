"""The law's details on the complaint documents (APC art. 64, 65, 76), read back with pdftotext.

The talon names the registering unit and its contacts; the decision letter prints the
appeal deadline as a date and the officer's position; an extension issues a signed notice
to the complainant with the new due date and the reason, listed on the case page.
"""

from datetime import timedelta

from sqlalchemy import select

from app.accounts.models import User
from app.complaints import clock
from app.complaints.models import Complaint
from app.documents.models import Document
from app.extensions import db
from app.timeutil import to_local
from tests.factories import PASSWORD, add_user, filed_complaint, make_business, sign_in
from tests.tools import assert_signed_whole_and_valid, pdftotext


def _text(client, path, tmp_path) -> str:
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "application/pdf", response.status
    target = tmp_path / "document.pdf"
    target.write_bytes(response.data)
    assert_signed_whole_and_valid(target)
    return " ".join(pdftotext(target).split())


def _people(app):
    owner, officer, supervisor = add_user(app), add_user(app, "officer"), add_user(app, "supervisor")
    with app.app_context():
        for email, position in ((officer, "Бас сарапшы / Главный эксперт"),
                                (supervisor, "Басқарма басшысы / Руководитель управления")):
            db.session.scalar(select(User).where(User.email == email)).position = position
        db.session.commit()
    complaint_id = filed_complaint(app, owner, make_business(app, owner))
    clients = []
    for email in (owner, officer, supervisor):
        client = app.test_client()
        sign_in(client, email, PASSWORD)
        clients.append(client)
    return complaint_id, *clients


def test_talon_names_the_registering_unit_and_its_contacts(app, keys, tmp_path):
    app.config.update(PBI_DEPARTMENT_PHONE="+7 7253 00 14 24", PBI_DEPARTMENT_EMAIL="turkistan@example.kz",
                      PBI_DEPARTMENT_ADDRESS_KK="Түркістан қ., Тәуке хан даңғылы, 1",
                      PBI_DEPARTMENT_ADDRESS_RU="г. Туркестан, проспект Тауке хана, 1")
    owner = add_user(app)
    complaint_id = filed_complaint(app, owner, make_business(app, owner))
    client = app.test_client()
    sign_in(client, owner, PASSWORD)
    text = _text(client, f"/portal/complaints/{complaint_id}/talon.pdf", tmp_path)
    for expected in ("Түркістан облысы бойынша департамент", "Тәуке хан даңғылы, 1", "проспект Тауке хана, 1",
                     "+7 7253 00 14 24", "turkistan@example.kz", "09:00–18:30", "Часы приема", "1424"):
        assert expected in text, expected


def test_decision_letter_prints_the_appeal_deadline_and_the_officers_position(app, keys, tmp_path):
    complaint_id, owner, officer, _supervisor = _people(app)
    staff = f"/staff/complaints/{complaint_id}"
    for step in ("take", "start"):
        officer.post(f"{staff}/{step}")
    officer.post(f"{staff}/resolve", data={"outcome": "confirmed", "comment": "Фактілер расталды.", "confirmed": "yes"})
    with app.app_context():
        complaint = db.session.get(Complaint, complaint_id)
        deadline = clock.appeal_deadline(complaint)
        letter = db.session.scalars(select(Document).where(Document.kind == "decision")).one()
        letter_id = letter.id
    assert deadline == to_local(complaint.decided_at).date() + timedelta(days=app.config["PBI_APPEAL_WINDOW_DAYS"])
    text = _text(owner, f"/portal/complaints/{complaint_id}/documents/{letter_id}.pdf", tmp_path)
    assert deadline.strftime("%d.%m.%Y") in text
    assert "Бас сарапшы / Главный эксперт" in text
    page = owner.get(f"/portal/complaints/{complaint_id}?lang=en").get_data(as_text=True)
    assert "Appeal the decision" in page  # the portal offers the appeal the letter announces


def test_extension_issues_a_signed_notice_to_the_complainant(app, keys, tmp_path):
    complaint_id, owner, _officer, supervisor = _people(app)
    with app.app_context():
        complaint = db.session.get(Complaint, complaint_id)
        old_due, number = complaint.due_date, complaint.number
    new_due = old_due + timedelta(days=10)
    supervisor.post(f"/staff/complaints/{complaint_id}/extend",
                    data={"until": str(new_due), "comment": "Сараптама қорытындысы күтілуде"})
    with app.app_context():
        notice = db.session.scalars(select(Document).where(Document.kind == "extension_notice")).one()
        assert notice.sha256 is not None  # issued with the extension, not days later
        notice_id, notice_number = notice.id, notice.number
    text = _text(owner, f"/portal/complaints/{complaint_id}/documents/{notice_id}.pdf", tmp_path)
    for expected in ("Қарау мерзімін ұзарту туралы хабарлама", "Уведомление о продлении срока рассмотрения",
                     number, notice_number, old_due.strftime("%d.%m.%Y"), new_due.strftime("%d.%m.%Y"),
                     "Сараптама қорытындысы күтілуде", "Руководитель управления"):
        assert expected in text, expected
    page = owner.get(f"/portal/complaints/{complaint_id}?lang=en").get_data(as_text=True)
    assert "Notice of the extended period" in page and notice_number in page
