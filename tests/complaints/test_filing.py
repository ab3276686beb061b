"""Filing over HTTP: evidence checks by content, the talon, double submit, numbers, limits."""

import io
from datetime import datetime

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.complaints.models import Complaint, Evidence
from app.documents import services as documents
from app.documents.models import Document
from app.extensions import db
from app.timeutil import to_local
from tests.conftest import build_app, translated
from tests.factories import (
    PASSWORD,
    add_user,
    complaint_form,
    file_in_parallel,
    filed_complaint,
    make_business,
    sign_in,
)
from tests.tools import assert_signed_whole_and_valid, pdftotext


def jpeg_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture
def owner(app, keys, client):
    email = add_user(app)
    business_id = make_business(app, email)
    assert sign_in(client, email, PASSWORD).status_code == 302
    return email, business_id


def post(client, form, files=(), lang="en"):
    data = dict(form)
    data["evidence"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post(f"/portal/complaints/new?lang={lang}", data=data, content_type="multipart/form-data")


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_filing_with_pdf_and_jpeg_issues_a_signed_talon(app, client, owner, tmp_path):
    _email, business_id = owner
    response = post(client, complaint_form(business_id), [("акт.pdf", PDF), ("photo.JPG", jpeg_bytes())])
    assert response.status_code == 302
    complaint_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        complaint = db.session.get(Complaint, complaint_id)
        year = to_local(complaint.received_at).year
        assert complaint.number == f"PBI-C-{year}-000001" and complaint.status == "registered"
        assert sorted(e.kind for e in db.session.scalars(select(Evidence))) == ["jpeg", "pdf"]
        assert complaint.keep_identity_confidential is True
        talon = db.session.get(Document, complaint.talon_document_id)
        assert talon.kind == "complaint_receipt" and talon.sha256
    page = client.get(f"/portal/complaints/{complaint_id}?lang=en").get_data(as_text=True)
    assert complaint.number in page and "Download the talon" in page
    pdf = client.get(f"/portal/complaints/{complaint_id}/talon.pdf")
    assert pdf.status_code == 200 and pdf.headers["Content-Disposition"].startswith("attachment")
    target = tmp_path / "talon.pdf"
    target.write_bytes(pdf.data)
    assert_signed_whole_and_valid(target)
    text = pdftotext(target)
    assert "Өтініштің қабылданғаны туралы талон" in text and "Талон о принятии обращения" in text
    assert complaint.number in text and complaint.due_date.strftime("%d.%m.%Y") in text
    assert "500 000" not in text and "Куәлар бар" not in text  # no description on the talon
    for lang in ("kk", "ru"):  # the pressure type in both state languages, whatever the reader's
        name = translated(app, lang, "Bribe extortion")
        assert name != "Bribe extortion" and name in text
    with app.app_context():
        assert documents.verify_upload(pdf.data).valid


def test_double_submit_files_one_complaint(app, client, owner):
    _email, business_id = owner
    form = complaint_form(business_id)
    first, second = post(client, form), post(client, form)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert count(app, Complaint) == 1


@pytest.mark.parametrize(("name", "content"), [
    ("evidence.pdf", b"<!doctype html><html><script>alert(1)</script></html>"),
    ("photo.jpg", b"<html><body>not a photo</body></html>"),
    ("drawing.svg", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script/></svg>'),
    ("scan.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200),
    ("empty.pdf", b""),
])
def test_bad_evidence_is_refused_and_nothing_is_saved(app, client, owner, name, content):
    _email, business_id = owner
    response = post(client, complaint_form(business_id), [("good.pdf", PDF), (name, content)])
    assert response.status_code == 400
    assert name in response.get_data(as_text=True)
    assert count(app, Complaint) == 0 and count(app, Evidence) == 0


def test_oversized_file_is_refused_while_reading(tmp_path, keys):
    app = build_app(tmp_path / "small", PBI_EVIDENCE_MAX_FILE_BYTES=4096, PBI_EVIDENCE_MAX_TOTAL_BYTES=6000,
                    PBI_KEY_PASSPHRASE="test key passphrase")
    with app.app_context():
        from app.documents.runtime import keystore

        keystore().initialize()
    email = add_user(app)
    business_id = make_business(app, email)
    client = app.test_client()
    sign_in(client, email, PASSWORD)
    big = post(client, complaint_form(business_id), [("big.pdf", PDF + b"0" * 5000)])
    assert big.status_code == 400 and "larger than 25 MB" in big.get_data(as_text=True)
    total = post(client, complaint_form(business_id), [("a.pdf", PDF + b"0" * 3500), ("b.pdf", PDF + b"1" * 3500)])
    assert total.status_code == 400 and "all files together" in total.get_data(as_text=True)
    # Over the route's whole-request limit (total + 2 MB for the form): refused while streaming.
    huge = post(client, complaint_form(business_id), [("huge.pdf", PDF + b"0" * 2_200_000)])
    assert huge.status_code == 413
    assert count(app, Complaint) == 0


@pytest.mark.parametrize(("field", "value", "message"), [
    ("consent", "", "This field is required."),
    ("description", "too short", "Between 30 and 10,000 characters."),
    ("amount_demanded", "-5", "Enter a whole amount of zero or more."),
    ("incident_date", "2999-01-01", "cannot be in the future"),
    ("pressure_type", "bribery-ish", "Not a valid choice"),
])
def test_invalid_fields_get_a_clear_message(app, client, owner, field, value, message):
    _email, business_id = owner
    response = post(client, complaint_form(business_id, **{field: value}))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(app, Complaint) == 0


def test_cannot_file_for_someone_elses_business(app, client, owner):
    other_business = make_business(app, add_user(app))
    response = post(client, complaint_form(other_business))
    assert response.status_code == 400
    assert count(app, Complaint) == 0


def test_talon_failure_does_not_lose_the_complaint_and_is_retried(app, client, owner, monkeypatch):
    _email, business_id = owner

    def broken(*args, **kwargs):
        raise RuntimeError("signing device unavailable")

    monkeypatch.setattr(documents, "sign_pdf", broken)
    response = post(client, complaint_form(business_id))
    assert response.status_code == 302  # filed; the user sees the number
    complaint_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        complaint = db.session.get(Complaint, complaint_id)
        assert db.session.get(Document, complaint.talon_document_id).sha256 is None
    monkeypatch.undo()
    first = client.get(f"/portal/complaints/{complaint_id}/talon.pdf")
    second = client.get(f"/portal/complaints/{complaint_id}/talon.pdf")
    assert first.status_code == 200 and first.data == second.data
    assert count(app, Document) == 1


def test_fifty_parallel_filings_get_gap_free_numbers(app, keys):
    assert file_in_parallel(app, 50) == []
    with app.app_context():
        numbers = sorted(db.session.scalars(select(Complaint.number)))
    assert numbers == [f"PBI-C-2026-{n:06d}" for n in range(1, 51)]


def test_weekend_filing_counts_from_the_next_working_day(app, keys):
    email = add_user(app)
    business_id = make_business(app, email)
    # Saturday 28 November 2026, 20:00 in Almaty (15:00 UTC).
    complaint_id = filed_complaint(app, email, business_id, received=datetime(2026, 11, 28, 15, 0))
    with app.app_context():
        complaint = db.session.get(Complaint, complaint_id)
        assert complaint.registration_day.isoformat() == "2026-11-30"  # Monday
        # 15 working days after Monday 30 November; 16 December (Independence Day) is not one.
        assert complaint.due_date.isoformat() == "2026-12-22"
        assert complaint.forwarding_due.isoformat() == "2026-12-03"
