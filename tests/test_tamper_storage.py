"""A stored file changed on disk is never served: evidence and talons, over HTTP.

Files are sealed with AES-256-GCM, the plaintext's SHA-256 as associated data, and checked
against that digest on the way out (app/documents/storage.py). Here the files on disk are
changed the ways someone with the disk but not the key could: a flipped byte, a truncation,
one file copied over another, random bytes. Every download is then refused (the integrity
handler answers 500 and logs a critical line; no byte of a file goes out), and the
department's verification refuses a talon whose stored copy is not the issued one.
"""

from __future__ import annotations

import io
import logging

import pytest
from sqlalchemy import select

from app.complaints.models import Complaint, Evidence
from app.documents.models import Document
from app.documents.runtime import file_store
from app.extensions import db
from tests.factories import PASSWORD, add_user, complaint_form, make_business

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture
def filed(app, keys, client):
    """(complaint id, evidence id, evidence digest, talon digest) of a complaint filed over HTTP."""
    email = add_user(app)
    business_id = make_business(app, email)
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    form = dict(complaint_form(business_id))
    form["evidence"] = [(io.BytesIO(PDF + b"% evidence\n"), "акт.pdf")]
    response = client.post("/portal/complaints/new?lang=en", data=form, content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        complaint = db.session.scalar(select(Complaint))
        evidence = db.session.scalar(select(Evidence))
        talon = db.session.get(Document, complaint.talon_document_id)
        return complaint.id, evidence.id, evidence.sha256, talon.sha256


def stored_path(app, digest: str):
    with app.app_context():
        return file_store()._path(digest)


def _flip(blob: bytes) -> bytes:
    changed = bytearray(blob)
    changed[len(changed) // 2] ^= 0x01
    return bytes(changed)


TAMPERINGS = {
    "a flipped byte": lambda blob, other: _flip(blob),
    "truncated": lambda blob, other: blob[:-1],
    "another stored file copied over it": lambda blob, other: other,
    "nonce only": lambda blob, other: blob[:12],
}


@pytest.mark.parametrize("how", list(TAMPERINGS))
def test_a_changed_stored_file_is_not_served(app, client, filed, how, caplog):
    complaint_id, evidence_id, evidence_digest, talon_digest = filed
    evidence_url = f"/portal/complaints/{complaint_id}/evidence/{evidence_id}"
    talon_url = f"/portal/complaints/{complaint_id}/talon.pdf"
    good_evidence, good_talon = client.get(evidence_url), client.get(talon_url)
    assert good_evidence.status_code == good_talon.status_code == 200
    evidence_path, talon_path = stored_path(app, evidence_digest), stored_path(app, talon_digest)
    evidence_blob, talon_blob = evidence_path.read_bytes(), talon_path.read_bytes()
    evidence_path.write_bytes(TAMPERINGS[how](evidence_blob, talon_blob))
    talon_path.write_bytes(TAMPERINGS[how](talon_blob, evidence_blob))

    with caplog.at_level(logging.CRITICAL):
        for url, good in ((evidence_url, good_evidence), (talon_url, good_talon)):
            response = client.get(url)
            assert response.status_code == 500, (how, url)
            assert response.mimetype == "text/html" and good.data not in response.data
            assert b"%PDF" not in response.data
    assert sum("failed its integrity check" in r.getMessage() for r in caplog.records) == 2


def test_a_talon_changed_after_issue_is_not_the_registered_one(app, client, filed):
    """The copy a citizen holds, changed by one byte outside the signed range, is refused too."""
    complaint_id = filed[0]
    talon = client.get(f"/portal/complaints/{complaint_id}/talon.pdf").data
    start = talon.index(b"/Contents <") + len(b"/Contents <")
    end = talon.index(b">", start)
    changed = bytearray(talon)
    changed[end - 2] ^= 0x01  # in the zero padding: a byte no signature covers
    for data, expected in ((talon, None), (bytes(changed), "modified_after_signing")):
        body = client.post("/api/v1/verify?lang=en", data={"document": (io.BytesIO(data), "t.pdf")},
                           content_type="multipart/form-data").get_json()
        assert body["reason"] == expected and body["valid"] is (expected is None)
