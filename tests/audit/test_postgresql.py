"""The same guarantees on PostgreSQL: row lock on the head, plpgsql triggers.

Skipped unless ``PBI_TEST_POSTGRES_URL`` names a server where the test may create a
database (see the ``postgres_app`` fixture).
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import IntegrityError

from app.audit.models import AuditEntry
from app.audit.services import ChainReport, record, verify_chain
from app.extensions import db
from tests.audit.conftest import GENESIS, independent_hash, raw_rows, stored_at_iso


def _add(app, count: int) -> None:
    with app.app_context():
        for n in range(count):
            record("complaint.transition", actor_id=n, actor_label=f"officer{n}@demo.pbi.kz",
                   subject_type="complaint", subject_id=n, details={"n": n, "text": "Өтініш"})
        db.session.commit()


def test_chain_and_hash_on_postgresql(postgres_app):
    _add(postgres_app, 4)
    with postgres_app.app_context():
        rows = raw_rows(db.session)
        assert rows[0].prev_hash == GENESIS
        for row in rows:
            assert row.hash == independent_hash(row.prev_hash, row.id, stored_at_iso(row.at), row.actor_id,
                                                row.actor_label, row.action, row.subject_type, row.subject_id,
                                                row.details)
        assert verify_chain(batch_size=3) == ChainReport(True, 4, None, None)


@pytest.mark.parametrize("sql", [
    "UPDATE audit_log SET action = 'x' WHERE id = 2",
    "DELETE FROM audit_log WHERE id = 2",
    "TRUNCATE audit_log",
    "UPDATE audit_head SET last_id = 1",
    "DELETE FROM audit_head",
    "TRUNCATE audit_head",
])
def test_postgresql_triggers_refuse_changes(postgres_app, sql):
    _add(postgres_app, 3)
    with postgres_app.app_context():
        with pytest.raises(IntegrityError, match=r"append-only|only moves forward"):
            db.session.execute(text(sql))
        db.session.rollback()
        with pytest.raises(IntegrityError):
            db.session.execute(update(AuditEntry).values(details="{}"))
        db.session.rollback()
        with pytest.raises(IntegrityError):
            db.session.execute(delete(AuditEntry))
        db.session.rollback()
        assert verify_chain() == ChainReport(True, 3, None, None)


def test_postgresql_tampering_is_found(postgres_app):
    _add(postgres_app, 5)
    with postgres_app.app_context():
        db.session.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        db.session.execute(text("UPDATE audit_log SET details = '{}' WHERE id = 2"))
        db.session.commit()
        assert verify_chain() == ChainReport(False, 1, 2, "row 2: hash does not match its content")
        db.session.rollback()
        db.session.execute(text("DELETE FROM audit_log WHERE id IN (2, 5)"))
        db.session.commit()
        assert verify_chain() == ChainReport(False, 1, 2, "row 2 missing (id gap)")
        db.session.rollback()
        db.session.execute(text("DELETE FROM audit_log WHERE id = 1"))
        db.session.commit()
        assert verify_chain() == ChainReport(False, 0, 1, "rows 1..2 missing (id gap)")


def test_postgresql_deleted_last_row_is_found(postgres_app):
    _add(postgres_app, 3)
    with postgres_app.app_context():
        db.session.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        db.session.execute(text("DELETE FROM audit_log WHERE id = 3"))
        db.session.commit()
        assert verify_chain() == ChainReport(False, 2, 3, "head points to row 3 but the last row is 2")


def test_postgresql_concurrent_appends(postgres_app):
    errors: list[BaseException] = []
    start = threading.Barrier(10)

    def worker(number: int) -> None:
        try:
            with postgres_app.app_context():
                start.wait()
                for i in range(20):
                    record("complaint.note", actor_id=number, actor_label=f"officer{number}@demo.pbi.kz",
                           details={"i": i})
                    db.session.commit()
                db.session.remove()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    with postgres_app.app_context():
        assert verify_chain(batch_size=7) == ChainReport(True, 200, None, None)
        assert db.session.scalars(select(AuditEntry.id).order_by(AuditEntry.id)).all() == list(range(1, 201))
