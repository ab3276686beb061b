"""Public verification: the page, the JSON API, and what they never reveal."""

import hashlib
import io
import os
import re

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_signer import PdfSigner
from sqlalchemy import select

from app.agreements.models import Agreement
from app.documents import services
from app.documents.keys import KeyStore
from app.documents.models import Document
from app.documents.pdf import render_pdf
from app.documents.runtime import keystore
from app.documents.signing import _pyhanko_signer, sign_pdf
from app.extensions import db
from tests.conftest import build_app
from tests.factories import active_agreement


@pytest.fixture
def issued(app, parties):
    """(document number, code, signed PDF bytes) of an issued agreement."""
    agreement_id = active_agreement(app, parties)
    with app.app_context():
        document = db.session.get(Document, db.session.get(Agreement, agreement_id).document_id)
        return document.number, document.verification_code, services.pdf_bytes(document)


def api(client, data: bytes):
    return client.post("/api/v1/verify?lang=en", data={"document": (io.BytesIO(data), "doc.pdf")},
                       content_type="multipart/form-data")


def test_issued_document_is_valid(client, issued):
    number, _code, pdf = issued
    body = api(client, pdf).get_json()
    assert body["valid"] is True and body["reason"] is None
    assert body["number"] == number and body["kind"] == "agreement"
    assert body["issued_at"] and body["message"]


def flip_inside_signed_range(pdf: bytes) -> bytes:
    """Change one byte of page content (inside the first signed range, structure intact)."""
    position = pdf.index(b"stream\n") + 20
    assert position < pdf.index(b"/Contents <")
    tampered = bytearray(pdf)
    tampered[position] ^= 0x01
    return bytes(tampered)


def append_incremental_update(pdf: bytes) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    writer.root["/PBITampered"] = generic.BooleanObject(True)
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def add_approval_signature(pdf: bytes, material, monkeypatch) -> bytes:
    """A second (approval) signature by a valid key, appended as an incremental update.

    pyHanko itself respects our "no changes" certification; an attacker's tool need not,
    so the test switches that courtesy check off to build the hostile file.
    """
    monkeypatch.setattr(PdfSigner, "_enforce_certification_constraints", lambda self, reader: None)
    metadata = signers.PdfSignatureMetadata(field_name="Second", md_algorithm="sha256",
                                            subfilter=fields.SigSeedSubFilter.PADES)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    return PdfSigner(metadata, signer=_pyhanko_signer(material)).sign_pdf(writer).getvalue()


def test_tampering_is_reported_with_the_right_reason(app, client, issued, tmp_path, monkeypatch):
    _number, _code, pdf = issued
    assert api(client, flip_inside_signed_range(pdf)).get_json()["reason"] == "signature_invalid"
    assert api(client, append_incremental_update(pdf)).get_json()["reason"] == "modified_after_signing"
    assert api(client, pdf + b"\n% appended\n").get_json()["reason"] == "modified_after_signing"
    with app.app_context():
        second = add_approval_signature(pdf, keystore().current_signer(), monkeypatch)
    assert api(client, second).get_json()["reason"] == "modified_after_signing"

    foreign = KeyStore(tmp_path / "foreign-keys", b"another department")
    foreign.initialize()
    unsigned = render_pdf("<p>Тексеру / Проверка</p>", asset_dir=services.ASSETS)
    body = api(client, sign_pdf(unsigned, foreign.current_signer(), reason="x", location="y")).get_json()
    assert body["valid"] is False and body["reason"] == "untrusted_signer"

    with app.app_context():
        ours_but_unregistered = sign_pdf(unsigned, keystore().current_signer(), reason="x", location="y")
    assert api(client, ours_but_unregistered).get_json()["reason"] == "not_registered"
    assert api(client, unsigned).get_json()["reason"] == "no_signature"


@pytest.mark.parametrize("blob", [b"", b"hello, not a pdf", os.urandom(20_000_000), b"%PDF-1.7\n" + os.urandom(5000)])
def test_bad_input_is_refused_without_error(client, keys, blob):
    response = api(client, blob)
    assert response.status_code == 200
    body = response.get_json()
    assert body["valid"] is False and body["reason"] in {"not_pdf", "no_signature"}
    assert body["message"]


def test_oversized_upload_and_missing_field_get_4xx(client, keys):
    too_big = client.post("/api/v1/verify", data={"document": (io.BytesIO(b"0" * (21 * 1024 * 1024)), "x.pdf")},
                          content_type="multipart/form-data")
    assert too_big.status_code == 400 and too_big.get_json()["reason"] == "too_large"
    missing = client.post("/api/v1/verify", data={}, content_type="multipart/form-data")
    assert missing.status_code == 400 and missing.get_json()["reason"] == "no_file"


def test_message_is_in_the_users_language(client, issued):
    _number, _code, pdf = issued
    english = api(client, pdf).get_json()["message"]
    russian = client.post("/api/v1/verify?lang=ru", data={"document": (io.BytesIO(pdf), "doc.pdf")},
                          content_type="multipart/form-data").get_json()["message"]
    assert english != russian and any("а" <= ch <= "я" for ch in russian.lower())


def test_number_and_code(client, issued):
    number, code, _pdf = issued
    ok = client.get(f"/api/v1/verify/{number}?code={code.lower().replace('-', ' ')}").get_json()
    assert ok["valid"] is True and ok["number"] == number and ok["subject_status"] == "active"

    wrong_code = client.get(f"/api/v1/verify/{number}?code=AAAAA-AAAAA")
    unknown = client.get(f"/api/v1/verify/PBI-D-2099-999999?code={code}")
    assert wrong_code.status_code == unknown.status_code == 404
    assert wrong_code.get_json() == unknown.get_json()  # a wrong code reveals nothing


def test_verification_page_never_shows_confidential_fields(app, client, issued, parties):
    number, code, _pdf = issued
    html = client.get(f"/verify?number={number}&code={code}&lang=en").get_data(as_text=True)
    assert "The document is authentic" in html and number in html
    with app.app_context():
        representative = parties.user("representative")
        for secret in (representative.email, representative.full_name, representative.phone):
            assert secret not in html
    wrong = client.get(f"/verify?number={number}&code=AAAAA-AAAAA&lang=en").get_data(as_text=True)
    unknown = client.get("/verify?number=PBI-D-2099-000001&code=AAAAA-AAAAA&lang=en").get_data(as_text=True)
    assert "could not be confirmed" in wrong and "PBI-A-" not in wrong
    assert wrong.replace(number, "") == unknown.replace("PBI-D-2099-000001", "")


def test_upload_form_on_the_page(client, issued):
    _number, _code, pdf = issued
    response = client.post("/verify/upload?lang=en", data={"document": (io.BytesIO(pdf), "a.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    verdict = re.search(r'<section class="verdict.*?</section>', page, re.DOTALL)
    # the verdict itself in the message: a rare failure here must say which check refused the file
    assert "The document is authentic" in page, (verdict.group(0) if verdict else page[:2000], len(pdf),
                                                 hashlib.sha256(pdf).hexdigest())


def test_root_certificate_download(app, client, keys):
    response = client.get("/verify/root.pem")
    assert response.status_code == 200
    assert response.data.startswith(b"-----BEGIN CERTIFICATE-----")
    with app.app_context():
        from cryptography.hazmat.primitives.serialization import Encoding

        assert response.data == keystore().root_certificate().public_bytes(Encoding.PEM)


def test_documents_signed_before_key_rotation_still_verify(app, client, parties, issued):
    _number, _code, before = issued
    with app.app_context():
        keystore().rotate()
    from tests.factories import make_association

    after_id = active_agreement(app, make_association(app))
    with app.app_context():
        after = services.pdf_bytes(db.session.get(Document, db.session.get(Agreement, after_id).document_id))
        fingerprints = set(db.session.scalars(select(Document.signer_fingerprint)))
    assert len(fingerprints) == 2  # really signed by two different certificates
    assert api(client, before).get_json()["valid"] is True
    assert api(client, after).get_json()["valid"] is True


def test_verification_api_is_rate_limited(tmp_path):
    app = build_app(tmp_path / "limited", RATELIMIT_ENABLED=True, PBI_VERIFY_LIMIT="3 per minute")
    client = app.test_client()
    statuses = [client.get("/api/v1/verify/PBI-D-2026-000001?code=x").status_code for _ in range(4)]
    assert statuses == [404, 404, 404, 429]
