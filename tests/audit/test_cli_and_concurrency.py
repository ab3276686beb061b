"""``flask audit verify`` and appends from many threads at once."""

from __future__ import annotations

import threading
from collections import Counter

from sqlalchemy import select, text

from app.audit.models import AuditEntry
from app.audit.services import ChainReport, record, verify_chain
from app.extensions import db
from tests.audit.conftest import drop_audit_triggers


def _add(app, count: int) -> None:
    with app.app_context():
        for n in range(count):
            record("auth.login", actor_id=n, actor_label=f"user{n}@example.kz")
        db.session.commit()


def test_cli_verify_intact(app, runner):
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "audit log intact: 0 rows" in result.output
    _add(app, 3)
    result = runner.invoke(args=["audit", "verify", "--batch-size", "2"])
    assert result.exit_code == 0, result.output
    assert "audit log intact: 3 rows" in result.output
    with app.app_context():
        last_hash = db.session.scalar(text("SELECT hash FROM audit_log WHERE id = 3"))
    assert f"head: row 3 hash {last_hash}" in result.output


def test_cli_verify_tampered(app, runner):
    _add(app, 4)
    with app.app_context():
        drop_audit_triggers("audit_log_no_update")
        db.session.execute(text("UPDATE audit_log SET actor_label = 'nobody@example.kz' WHERE id = 2"))
        db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "BROKEN at row 2: row 2: hash does not match its content" in result.output
    assert "intact:" not in result.output


def test_cli_verify_deleted_tail(app, runner):
    _add(app, 4)
    with app.app_context():
        drop_audit_triggers("audit_log_no_delete")
        db.session.execute(text("DELETE FROM audit_log WHERE id = 4"))
        db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "row 4" in result.output and "head points to row 4 but the last row is 3" in result.output


def test_concurrent_appends_keep_one_chain(app):
    threads_count, per_thread = 10, 20
    errors: list[BaseException] = []
    start = threading.Barrier(threads_count)

    def worker(number: int) -> None:
        try:
            with app.app_context():
                start.wait()
                for i in range(per_thread):
                    record("complaint.note_added", actor_id=number, actor_label=f"officer{number}@demo.pbi.kz",
                           subject_type="complaint", subject_id=number, details={"i": i})
                    db.session.commit()
                db.session.remove()
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    with app.app_context():
        assert verify_chain() == ChainReport(True, 200, None, None)
        ids = db.session.scalars(select(AuditEntry.id).order_by(AuditEntry.id)).all()
        per_actor = Counter(db.session.scalars(select(AuditEntry.actor_id)))
    assert ids == list(range(1, threads_count * per_thread + 1))
    assert per_actor == {n: per_thread for n in range(threads_count)}
