"""The transaction model (app.transactions, app.database): reads never block, one commit point."""

from __future__ import annotations

import io
import sqlite3
import threading
import time

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app import database, transactions
from app.accounts.models import Role
from app.accounts.services import find_by_email
from app.complaints import case_actions
from app.complaints.models import Complaint
from app.extensions import db
from tests.conftest import BACKEND
from tests.factories import PASSWORD, add_user, complaint_form, filed_complaint, make_business, sign_in

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def file_over_http(client, business_id: int, query: str = ""):
    data = dict(complaint_form(business_id))
    data["evidence"] = [(io.BytesIO(PDF), "act.pdf")]
    return client.post(f"/portal/complaints/new{query}", data=data, content_type="multipart/form-data")


@pytest.fixture
def owner(app, keys):
    email = add_user(app)
    return email, make_business(app, email)


@pytest.fixture
def commits(app):
    """Every commit of the app's sessions: (went through app.transactions.commit?, time)."""
    seen: list[bool] = []

    def record(session):
        if not session.in_nested_transaction():  # a savepoint's release is not a commit
            seen.append(transactions.committing.get())

    event.listen(Session, "before_commit", record)
    yield seen
    event.remove(Session, "before_commit", record)


@pytest.fixture
def writes(app):
    """The data-changing SQL statements the app sends (not reads, not transaction control)."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        word = statement.lstrip().split(None, 1)[0].upper()
        if word in {"INSERT", "UPDATE", "DELETE", "REPLACE"}:
            seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def test_a_filing_commits_once_then_issues_its_talon_in_a_commit_of_its_own(app, client, owner, commits):
    email, business_id = owner
    assert sign_in(client, email, PASSWORD).status_code == 302
    commits.clear()
    response = file_over_http(client, business_id)
    assert response.status_code == 302
    # One commit for the filing, one for the talon produced after it; both through the one place.
    assert commits == [True, True]
    with app.app_context():
        complaint = db.session.scalars(select(Complaint)).one()
        assert complaint.talon_document_id is not None
    talon = client.get(f"/portal/complaints/{complaint.id}/talon.pdf")
    assert talon.status_code == 200 and talon.data.startswith(b"%PDF-")


def test_plain_reads_write_nothing_and_never_commit_outside_the_one_place(app, client, owner, commits, writes):
    email, business_id = owner
    filed_complaint(app, email, business_id)
    assert sign_in(client, email, PASSWORD).status_code == 302
    commits.clear()
    writes.clear()
    for path in ("/portal/complaints", "/portal/complaints/1", "/registry", "/healthz", "/verify",
                 "/portal/complaints?lang=ru", "/portal/complaints"):
        assert client.get(path).status_code == 200, path
    # ?lang= chooses this session's language only: a GET writes nothing (app.i18n).
    assert writes == []
    assert commits == []
    with app.app_context():
        assert find_by_email(email).locale != "ru"


def test_session_last_seen_is_written_at_most_once_a_minute(app, client, owner, writes):
    email, _ = owner
    assert sign_in(client, email, PASSWORD).status_code == 302
    writes.clear()
    for _ in range(5):
        assert client.get("/portal/complaints").status_code == 200
    assert writes == []
    with app.app_context():  # a minute and a half later
        db.session.execute(text("UPDATE user_sessions SET last_seen_at = datetime(last_seen_at, '-90 seconds')")
                           if BACKEND == "sqlite" else
                           text("UPDATE user_sessions SET last_seen_at = last_seen_at - interval '90 seconds'"))
        db.session.commit()
    writes.clear()
    assert client.get("/portal/complaints").status_code == 200
    assert client.get("/portal/complaints").status_code == 200
    assert len(writes) == 1 and "user_sessions" in writes[0]


@pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite's write lock; PostgreSQL readers never lock")
def test_a_long_read_does_not_block_a_filing_or_the_health_check(app, owner):
    email, business_id = owner
    filed_complaint(app, email, business_id)
    reading, done = threading.Event(), threading.Event()

    def long_read():
        with app.app_context():
            db.session.execute(select(func.count()).select_from(Complaint)).scalar()  # the read transaction
            reading.set()
            # A read that keeps running (a recursive count) inside the same transaction.
            deadline = time.monotonic() + 4
            while time.monotonic() < deadline:
                db.session.execute(text(
                    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 200000) "
                    "SELECT count(*) FROM c")).scalar()
            db.session.rollback()
            done.set()

    reader = threading.Thread(target=long_read)
    reader.start()
    assert reading.wait(10)
    client = app.test_client()
    assert sign_in(client, email, PASSWORD).status_code == 302
    started = time.monotonic()
    filed = file_over_http(client, business_id)
    health = app.test_client().get("/healthz")
    elapsed = time.monotonic() - started
    still_reading = not done.is_set()
    reader.join()
    assert filed.status_code == 302 and health.status_code == 200
    assert still_reading, "the long read ended before the filing: the test proved nothing"
    assert elapsed < 3.5, f"the filing waited {elapsed:.1f} s for a reader"


@pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite's busy timeout")
def test_a_busy_database_answers_503_and_saves_nothing(tmp_path, monkeypatch):
    from tests.conftest import build_app

    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 200)
    app = build_app(tmp_path, PROPAGATE_EXCEPTIONS=False)
    with app.app_context():
        from app.documents.runtime import keystore

        keystore().initialize()
    email = add_user(app)
    business_id = make_business(app, email)
    client = app.test_client()
    assert sign_in(client, email, PASSWORD).status_code == 302
    blocker = sqlite3.connect(str(tmp_path / "test.db"), isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        response = file_over_http(client, business_id, "?lang=en")
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert "Nothing was saved" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Complaint)) == 0
    assert file_over_http(client, business_id).status_code == 302  # and once free, it works


def test_an_update_from_a_stale_read_is_refused_not_applied(app, owner, make_user):
    email, business_id = owner
    complaint_id = filed_complaint(app, email, business_id)
    first, second = make_user(Role.OFFICER), make_user(Role.OFFICER)
    with app.app_context():
        stale = db.session.get(Complaint, complaint_id)  # read before the other officer acts
        assert stale.status == "registered"
        with app.app_context():  # another request, committed in between
            case_actions.take(find_by_email(second), db.session.get(Complaint, complaint_id))
            transactions.commit()
        with pytest.raises(StaleDataError):  # at the service's flush, or at the latest at the commit
            case_actions.take(find_by_email(first), stale)
            transactions.commit()
        transactions.rollback()
        complaint = db.session.get(Complaint, complaint_id)
        assert complaint.assigned_officer_id == find_by_email(second).id


def test_a_concurrent_change_is_a_409_page_in_the_users_language(app, client, owner, make_user, monkeypatch):
    email, business_id = owner
    complaint_id = filed_complaint(app, email, business_id)
    officer = make_user(Role.OFFICER)
    assert sign_in(client, officer, PASSWORD).status_code == 302

    def raced(*args, **kwargs):
        raise StaleDataError("UPDATE statement on table 'complaints' expected to update 1 row(s); 0 were matched.")

    monkeypatch.setattr(case_actions, "take", raced)
    response = client.post(f"/staff/complaints/{complaint_id}/take?lang=en", data={})
    assert response.status_code == 409
    assert "Someone else changed this record at the same moment" in response.get_data(as_text=True)
