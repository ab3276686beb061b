"""``flask retention apply [--dry-run]``: evidence of long-closed cases goes; documents and the audit stay."""

from __future__ import annotations

import hashlib
import json
import os
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.audit import services as audit
from app.audit.models import AuditEntry
from app.complaints.models import Complaint, ComplaintStatus, Evidence
from app.complaints.services import Upload
from app.documents import services as documents
from app.documents.models import Document
from app.documents.runtime import file_store
from app.extensions import db
from app.timeutil import utcnow
from tests.factories import filed_complaint, make_business

SHARED = b"%PDF-1.4 the same scan sent with two complaints"
SHARED_DIGEST = hashlib.sha256(SHARED).hexdigest()


def close(app, complaint_id: int, *, days_ago: int) -> None:
    with app.app_context():
        complaint = db.session.get(Complaint, complaint_id)
        complaint.status = ComplaintStatus.CLOSED.value
        complaint.closed_at = utcnow() - timedelta(days=days_ago)
        db.session.commit()


@pytest.fixture
def cases(app, keys, make_user):
    """Closed 6 years ago (two files, one shared with a recent case), closed 1 year ago, open for 6 years."""
    owner = make_user()
    business = make_business(app, owner)
    old = filed_complaint(app, owner, business, uploads=[Upload(b"%PDF-1.4 old evidence", "old.pdf"),
                                                         Upload(SHARED, "shared.pdf")])
    recent = filed_complaint(app, owner, business, uploads=[Upload(SHARED, "shared.pdf")])
    still_open = filed_complaint(app, owner, business, uploads=[Upload(b"%PDF-1.4 open case", "open.pdf")])
    close(app, old, days_ago=6 * 365)
    close(app, recent, days_ago=365)
    with app.app_context():
        db.session.get(Complaint, still_open).received_at = utcnow() - timedelta(days=6 * 365)
        db.session.commit()
    return {"old": old, "recent": recent, "open": still_open}


def evidence_of(app, complaint_id: int) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Evidence.sha256).where(Evidence.complaint_id == complaint_id)))


def audit_actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_dry_run_lists_and_changes_nothing(app, runner, cases):
    before = {name: evidence_of(app, cid) for name, cid in cases.items()}
    actions = audit_actions(app)
    result = runner.invoke(args=["retention", "apply", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "would delete 2 evidence file(s) of 1 case(s)" in result.output
    assert {name: evidence_of(app, cid) for name, cid in cases.items()} == before
    assert audit_actions(app) == actions


def test_apply_deletes_old_evidence_keeps_documents_and_audits_once(app, runner, cases):
    old_files = evidence_of(app, cases["old"])
    with app.app_context():
        old_number = db.session.get(Complaint, cases["old"]).number
        store = file_store()
        assert all(store.exists(digest) for digest in old_files)
    result = runner.invoke(args=["retention", "apply"])
    assert result.exit_code == 0, result.output
    assert "deleted 2 evidence file(s) of 1 case(s); 1 stored file(s) removed" in result.output
    assert evidence_of(app, cases["old"]) == []
    assert evidence_of(app, cases["recent"]) and evidence_of(app, cases["open"])  # not due
    with app.app_context():
        store = file_store()
        assert [store.exists(d) for d in old_files if d != SHARED_DIGEST] == [False]
        assert store.get(SHARED_DIGEST) == SHARED  # still the recent case's evidence
        complaint = db.session.get(Complaint, cases["old"])
        talon = db.session.get(Document, complaint.talon_document_id)
        assert documents.pdf_bytes(talon).startswith(b"%PDF-")  # documents are kept
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "evidence.purged")).one()
        assert entry.subject_id == old_number and entry.actor_label == audit.SYSTEM_LABEL
        details = json.loads(entry.details)
        assert sorted(details["sha256"]) == sorted(old_files) and details["retention_days"] == 1826
        assert audit.verify_chain().ok

    again = runner.invoke(args=["retention", "apply"])
    assert again.exit_code == 0 and "deleted 0 evidence file(s) of 0 case(s)" in again.output
    assert audit_actions(app).count("evidence.purged") == 1


def test_the_period_is_configured(app, runner, cases):
    app.config["PBI_RETENTION_DAYS"] = 200
    result = runner.invoke(args=["retention", "apply"])
    assert "deleted 3 evidence file(s) of 2 case(s)" in result.output
    assert evidence_of(app, cases["open"])  # an open case keeps its evidence however old
    app.config["PBI_RETENTION_DAYS"] = 0
    refused = runner.invoke(args=["retention", "apply"])
    assert refused.exit_code != 0 and "PBI_RETENTION_DAYS" in refused.output


def test_storage_leftovers_reports_and_removes_old_temporaries_only(app, runner, cases):
    with app.app_context():
        folder = next(p for p in file_store().root.iterdir() if p.is_dir())
    old, young = folder / ".abc.killed.tmp", folder / ".def.writing.tmp"
    for path in (old, young):
        path.write_bytes(b"half a fi")
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    reported = runner.invoke(args=["storage", "leftovers"])
    assert reported.exit_code == 0 and f"temporary {old}" in reported.output and str(young) not in reported.output
    assert old.exists()
    removed = runner.invoke(args=["storage", "leftovers", "--remove"])
    assert "1 temporary file(s) removed" in removed.output
    assert not old.exists() and young.exists()  # a write that may still be in progress is left alone
    assert "0 referred to by no record" in removed.output
