"""Every staff read that reveals confidential content leaves one audit row, committed with the request."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import func, select

from app.accounts.models import Role
from app.agreements.models import AuthorityProof
from app.audit.models import AuditEntry
from app.audit.services import verify_chain
from app.complaints.models import Complaint, Evidence
from app.complaints.services import Upload
from app.extensions import db
from tests.factories import add_user, filed_complaint, make_association, make_business


@pytest.fixture
def case(app, keys):
    owner = add_user(app)
    business = make_business(app, owner)
    complaint_id = filed_complaint(app, owner, business, uploads=[Upload(b"%PDF-1.4 evidence", "evidence.pdf")],
                                   description="Маман Жұмабек мырза 700 000 теңге пара сұрады.")
    open_id = filed_complaint(app, owner, business, keep_identity_confidential="",
                              description="Тексеруші Жұмабек актіні жасамады.")
    with app.app_context():
        complaint = db.session.get(Complaint, complaint_id)
        return {"id": complaint_id, "number": complaint.number, "talon": complaint.talon_document_id,
                "evidence": db.session.scalar(select(Evidence.id)), "open_id": open_id,
                "open_number": db.session.get(Complaint, open_id).number}


def _log(app) -> list[AuditEntry]:
    with app.app_context():
        rows = list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
        db.session.expunge_all()
        return rows


def _one_new_row(app, before: int) -> tuple[AuditEntry, dict]:
    rows = _log(app)[before:]
    assert len(rows) == 1, [row.action for row in rows]  # one audit row per request
    return rows[0], json.loads(rows[0].details)


def test_the_case_page_is_audited_confidential_or_not(app, client, signed_in, case):
    email = signed_in(Role.OFFICER)
    for complaint_id, number, confidential in ((case["id"], case["number"], True),
                                               (case["open_id"], case["open_number"], False)):
        before = len(_log(app))
        assert client.get(f"/staff/complaints/{complaint_id}").status_code == 200
        row, details = _one_new_row(app, before)
        assert (row.action, row.actor_label, row.subject_id) == ("complaint.read", email, number)
        # an unassigned case: the officer may take it, so the page shows the complainant's contacts
        assert details == {"what": "case", "confidential": confidential, "contacts": True}


def test_a_staff_download_of_a_document_is_audited_with_its_number(app, client, signed_in, case):
    email = signed_in(Role.SUPERVISOR)
    before = len(_log(app))
    response = client.get(f"/staff/complaints/{case['id']}/documents/{case['talon']}.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    row, details = _one_new_row(app, before)
    assert (row.action, row.actor_label, row.subject_id) == ("complaint.read", email, case["number"])
    assert details["what"] == "document" and details["kind"] == "complaint_receipt"
    assert details["document"].startswith("PBI-")


def test_a_document_of_another_complaint_is_404_and_not_audited(app, client, signed_in, case):
    signed_in(Role.OFFICER)
    before = len(_log(app))
    assert client.get(f"/staff/complaints/{case['open_id']}/documents/{case['talon']}.pdf").status_code == 404
    assert len(_log(app)) == before


def test_an_evidence_download_is_audited(app, client, signed_in, case):
    email = signed_in(Role.OFFICER)
    before = len(_log(app))
    assert client.get(f"/staff/complaints/{case['id']}/evidence/{case['evidence']}").status_code == 200
    row, details = _one_new_row(app, before)
    assert (row.action, row.actor_label, details["evidence_id"]) == ("evidence.read", email, case["evidence"])


def test_a_queue_search_is_audited_with_the_query_and_the_cases_shown(app, client, signed_in, case, caplog):
    email = signed_in(Role.SUPERVISOR)
    before = len(_log(app))
    caplog.set_level(logging.DEBUG)
    response = client.get("/staff/complaints", query_string={"q": "Жұмабек"})
    assert response.status_code == 200
    row, details = _one_new_row(app, before)
    assert (row.action, row.actor_label) == ("complaint.search", email)
    assert details["query"] == "Жұмабек" and details["matches"] == 2 and details["page"] == 1
    assert sorted(details["shown"]) == sorted([case["number"], case["open_number"]])
    assert "Жұмабек" not in caplog.text  # the query is in the audit log, not in a log line
    with app.app_context():
        assert verify_chain().ok


def test_the_queue_without_a_query_writes_nothing(app, client, signed_in, case):
    signed_in(Role.OFFICER)
    before = len(_log(app))
    assert client.get("/staff/complaints", query_string={"status": "registered"}).status_code == 200
    assert len(_log(app)) == before


def test_a_proof_of_authority_download_is_audited(app, client, signed_in, keys):
    parties = make_association(app)
    email = signed_in(Role.OFFICER)
    with app.app_context():
        proof_id = db.session.scalar(select(func.max(AuthorityProof.id)))
    before = len(_log(app))
    assert client.get(f"/staff/authority/{proof_id}/file").status_code == 200
    row, details = _one_new_row(app, before)
    assert (row.action, row.actor_label, row.subject_id) == ("agreement.proof_read", email, str(proof_id))
    assert details == {"association_id": parties.association_id}
