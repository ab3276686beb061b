"""The audit chain catches an edited, a deleted and a reordered row (``flask audit verify``).

Rows are written by a real scenario (a complaint filed over HTTP, its talon issued, a
verification), then changed the way someone with write access to the database could, with
the append-only triggers removed first. The command the operators run says BROKEN and exits 1.
"""

from __future__ import annotations

import io

import pytest
from sqlalchemy import text

from app.audit.services import record
from app.extensions import db
from tests.audit.conftest import drop_audit_triggers
from tests.factories import PASSWORD, add_user, complaint_form, make_business


@pytest.fixture
def chain(app, keys, client):
    """At least five audit rows from a filing, topped up with direct records."""
    email = add_user(app)
    business_id = make_business(app, email)
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    response = client.post("/portal/complaints/new", data={**complaint_form(business_id), "evidence": [
        (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "a.pdf")]}, content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        for n in range(5):
            record("complaint.viewed", actor_id=None, actor_label="tamper-test", subject_type="complaint",
                   subject_id=n, details={"n": n})
        db.session.commit()
        return db.session.scalar(text("SELECT COUNT(*) FROM audit_log"))


def verify(runner):
    return runner.invoke(args=["audit", "verify"])


def test_the_untouched_chain_verifies(runner, chain):
    result = verify(runner)
    assert result.exit_code == 0 and f"audit log intact: {chain} rows" in result.output


def test_an_edited_row_is_caught(app, runner, chain):
    with app.app_context():
        drop_audit_triggers("audit_log_no_update")
        db.session.execute(text("UPDATE audit_log SET details = '{\"n\": 99}' WHERE id = 3"))
        db.session.commit()
    result = verify(runner)
    assert result.exit_code == 1 and "BROKEN at row 3" in result.output


def test_a_deleted_row_is_caught(app, runner, chain):
    with app.app_context():
        drop_audit_triggers("audit_log_no_delete")
        db.session.execute(text("DELETE FROM audit_log WHERE id = 2"))
        db.session.commit()
    result = verify(runner)
    assert result.exit_code == 1 and "BROKEN" in result.output and "row 2" in result.output


def test_reordered_rows_are_caught(app, runner, chain):
    """Rows 2 and 3 trade places: each keeps its own content and hash, under the other's id."""
    with app.app_context():
        drop_audit_triggers("audit_log_no_update")
        for statement in ("UPDATE audit_log SET id = -2 WHERE id = 2", "UPDATE audit_log SET id = 2 WHERE id = 3",
                          "UPDATE audit_log SET id = 3 WHERE id = -2"):
            db.session.execute(text(statement))
        db.session.commit()
    result = verify(runner)
    assert result.exit_code == 1 and "BROKEN at row 2" in result.output
