"""Writing the chain, verifying it, and the database refusing to change it."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError

from app.audit import services
from app.audit.models import APPEND_ONLY_DDL, DROP_APPEND_ONLY_DDL, AuditEntry, AuditHead
from app.audit.services import AuditChainError, ChainReport, record, verify_chain
from app.extensions import db
from tests.audit.conftest import GENESIS, drop_audit_triggers, independent_hash, raw_rows, stored_at_iso
from tests.conftest import sqlite_only

T0 = datetime(2026, 3, 1, 9, 30)


def add_rows(app, count: int = 5) -> None:
    with app.app_context():
        for n in range(1, count + 1):
            record("complaint.transition", actor_id=n, actor_label=f"officer{n}@demo.pbi.kz",
                   subject_type="complaint", subject_id=100 + n, details={"to": "in_review", "n": n},
                   at=T0 + timedelta(minutes=n))
        db.session.commit()


def verify(app) -> ChainReport:
    with app.app_context():
        try:
            return verify_chain()
        finally:
            db.session.rollback()


def test_record_builds_a_valid_chain(app):
    with app.app_context():
        first = record("auth.login", actor_id=3, actor_label="officer1@demo.pbi.kz")
        record("complaint.transition", actor_id=3, actor_label="officer1@demo.pbi.kz", subject_type="complaint",
               subject_id=42, details={"from": "new", "to": "in_review", "comment": "Өтініш қаралуда\n«жедел»"})
        record("document.issued", actor_id=None, actor_label="system", subject_type="document",
               subject_id="TRK-2026-000123", details={"pages": 2, "nested": {"b": [1, 2], "a": None}},
               at=datetime(2026, 3, 1, 15, 0, tzinfo=timezone(timedelta(hours=5))))
        record("evidence.read", actor_id=4, actor_label="supervisor1@demo.pbi.kz", subject_type="evidence",
               subject_id="7", details={"file": "photo.jpg"}, at=datetime(2026, 3, 1, 10, 0, 0, 0))
        assert first.id == 1 and first.prev_hash == GENESIS
        db.session.commit()

        rows = raw_rows(db.session)
        head = db.session.execute(text("SELECT last_id, last_hash FROM audit_head")).one()

    assert [r.id for r in rows] == [1, 2, 3, 4]
    assert rows[0].prev_hash == GENESIS
    for before, after in itertools.pairwise(rows):
        assert after.prev_hash == before.hash
    for row in rows:
        assert row.hash == independent_hash(
            row.prev_hash, row.id, stored_at_iso(row.at), row.actor_id, row.actor_label, row.action,
            row.subject_type, row.subject_id, row.details,
        )
        # details are canonical JSON: sorted keys, no spaces, Cyrillic as itself
        assert row.details == json.dumps(json.loads(row.details), sort_keys=True, ensure_ascii=False,
                                         separators=(",", ":"))
    assert rows[0].details == "{}"
    assert "Өтініш" in rows[1].details and rows[1].subject_id == "42"
    assert rows[1].details.startswith('{"comment":')
    assert rows[2].details == '{"nested":{"a":null,"b":[1,2]},"pages":2}'
    assert stored_at_iso(rows[2].at) == "2026-03-01T10:00:00.000000"  # +05:00 stored as naive UTC
    assert rows[2].actor_id is None and rows[2].actor_label == "system"
    assert tuple(head) == (4, rows[-1].hash)


def test_hash_construction_is_pinned():
    """A fixed vector: changing the construction would orphan every existing log."""
    fields = {"id": 1, "at": datetime(2026, 3, 1, 9, 30), "actor_id": 7, "actor_label": "officer1@demo.pbi.kz",
              "action": "complaint.transition", "subject_type": "complaint", "subject_id": "42",
              "details": '{"to":"closed"}'}
    payload = services.hash_payload(prev_hash=GENESIS, **fields)
    assert payload == (
        '["pbi-audit-v1","' + GENESIS + '",1,"2026-03-01T09:30:00.000000",7,"officer1@demo.pbi.kz",'
        '"complaint.transition","complaint","42","{\\"to\\":\\"closed\\"}"]'
    ).encode()
    expected = independent_hash(GENESIS, 1, "2026-03-01T09:30:00.000000", 7, "officer1@demo.pbi.kz",
                                "complaint.transition", "complaint", "42", '{"to":"closed"}')
    assert services.entry_hash(prev_hash=GENESIS, **fields) == expected
    assert expected == "491345bc592b28f0f4ac5e819e58ea11a8605977e90614a9bae4cde5f0391e23"


def test_verify_chain_ok(app):
    assert verify(app) == ChainReport(True, 0, None, None)  # no log yet
    add_rows(app, 5)
    assert verify(app) == ChainReport(True, 5, None, None)
    with app.app_context():
        for size in (1, 2, 4, 5, 1000):
            assert verify_chain(batch_size=size) == ChainReport(True, 5, None, None)
        with pytest.raises(ValueError):
            verify_chain(batch_size=0)


def test_rolled_back_record_leaves_no_gap(app):
    with app.app_context():
        record("auth.login", actor_id=1, actor_label="a@example.kz")
        db.session.commit()
        record("auth.login", actor_id=2, actor_label="b@example.kz")
        db.session.rollback()
        with db.session.begin_nested():
            record("auth.login", actor_id=3, actor_label="c@example.kz")
        db.session.commit()
        try:
            with db.session.begin_nested():
                record("auth.login", actor_id=4, actor_label="d@example.kz")
                raise RuntimeError("the caller's work failed")
        except RuntimeError:
            pass
        entry = record("auth.logout", actor_id=1, actor_label="a@example.kz")
        db.session.commit()
        assert entry.id == 3
        assert db.session.scalars(select(AuditEntry.actor_label).order_by(AuditEntry.id)).all() == [
            "a@example.kz", "c@example.kz", "a@example.kz"]
    assert verify(app) == ChainReport(True, 3, None, None)


def test_edited_row_is_found(app):
    add_rows(app, 5)
    with app.app_context():
        drop_audit_triggers("audit_log_no_update")
        db.session.execute(text("UPDATE audit_log SET details = '{\"to\":\"closed\"}' WHERE id = 3"))
        db.session.commit()
    report = verify(app)
    assert report == ChainReport(False, 2, 3, "row 3: hash does not match its content")


def test_edited_row_with_recomputed_hash_breaks_the_next_link(app):
    add_rows(app, 5)
    with app.app_context():
        drop_audit_triggers("audit_log_no_update")
        row = raw_rows(db.session)[2]
        forged = independent_hash(row.prev_hash, 3, stored_at_iso(row.at), row.actor_id, "someone@else.kz",
                                  row.action, row.subject_type, row.subject_id, row.details)
        db.session.execute(text("UPDATE audit_log SET actor_label = 'someone@else.kz', hash = :h WHERE id = 3"),
                           {"h": forged})
        db.session.commit()
    assert verify(app) == ChainReport(False, 3, 4, "row 4: prev_hash does not match row 3")


@pytest.mark.parametrize("column, value", [
    pytest.param("at", "2026-02-30 09:00:00.000000",  # not a date: reported, not raised
                 marks=sqlite_only("SQLite stores any text in a timestamp column; PostgreSQL refuses it")),
    ("at", "2026-03-01 09:31:00.000001"),
    ("actor_id", 999),
    ("actor_id", None),
    ("subject_id", None),
    ("action", "complaint.transitioN"),
])
def test_any_edited_column_is_found(app, column, value):
    add_rows(app, 3)
    with app.app_context():
        drop_audit_triggers("audit_log_no_update")
        db.session.execute(text(f"UPDATE audit_log SET {column} = :v WHERE id = 2"), {"v": value})  # noqa: S608
        db.session.commit()
    assert verify(app) == ChainReport(False, 1, 2, "row 2: hash does not match its content")


def test_deleted_middle_rows_are_found(app):
    add_rows(app, 6)
    with app.app_context():
        drop_audit_triggers("audit_log_no_delete")
        db.session.execute(text("DELETE FROM audit_log WHERE id = 3"))
        db.session.commit()
    assert verify(app) == ChainReport(False, 2, 3, "row 3 missing (id gap)")
    with app.app_context():
        db.session.execute(text("DELETE FROM audit_log WHERE id = 4"))
        db.session.commit()
        # the gap falls across a batch boundary too
        assert verify_chain(batch_size=2) == ChainReport(False, 2, 3, "rows 3..4 missing (id gap)")
        db.session.rollback()


def test_deleted_first_row_is_found(app):
    add_rows(app, 3)
    with app.app_context():
        drop_audit_triggers("audit_log_no_delete")
        db.session.execute(text("DELETE FROM audit_log WHERE id = 1"))
        db.session.commit()
    assert verify(app) == ChainReport(False, 0, 1, "row 1 missing (id gap)")


def test_deleted_last_row_is_found_through_the_head(app):
    add_rows(app, 5)
    with app.app_context():
        drop_audit_triggers("audit_log_no_delete")
        db.session.execute(text("DELETE FROM audit_log WHERE id = 5"))
        db.session.commit()
    assert verify(app) == ChainReport(False, 4, 5, "head points to row 5 but the last row is 4")
    with app.app_context():
        db.session.execute(text("DELETE FROM audit_log"))
        db.session.commit()
    assert verify(app) == ChainReport(False, 0, 1, "head points to row 5 but the log is empty")


def test_row_inserted_behind_the_heads_back_is_found(app):
    add_rows(app, 3)
    with app.app_context():
        last = raw_rows(db.session)[-1]
        at_iso, details = "2026-03-02T00:00:00.000000", "{}"
        forged = independent_hash(last.hash, 4, at_iso, 1, "x@example.kz", "auth.login", None, None, details)
        db.session.execute(text(
            "INSERT INTO audit_log (id, at, actor_id, actor_label, action, details, prev_hash, hash) "
            "VALUES (4, '2026-03-02 00:00:00.000000', 1, 'x@example.kz', 'auth.login', '{}', :p, :h)"
        ), {"p": last.hash, "h": forged})
        db.session.commit()
    assert verify(app) == ChainReport(False, 3, 4, "head points to row 3 but the last row is 4")


def test_row_with_forged_hash_is_found(app):
    add_rows(app, 2)
    with app.app_context():
        last = raw_rows(db.session)[-1]
        db.session.execute(text(
            "INSERT INTO audit_log (id, at, actor_id, actor_label, action, details, prev_hash, hash) "
            "VALUES (3, '2026-03-02 00:00:00.000000', 1, 'x@example.kz', 'auth.login', '{}', :p, :h)"
        ), {"p": last.hash, "h": "f" * 64})
        db.session.execute(text("UPDATE audit_head SET last_id = 3, last_hash = :h"), {"h": "f" * 64})
        db.session.commit()
    assert verify(app) == ChainReport(False, 2, 3, "row 3: hash does not match its content")


def test_head_hash_must_match_the_last_row(app):
    add_rows(app, 2)
    with app.app_context():
        db.session.execute(text("UPDATE audit_head SET last_hash = :h"), {"h": "e" * 64})
        db.session.commit()
    assert verify(app) == ChainReport(False, 2, 2, "head hash does not match row 2")


def _row_2(app):
    with app.app_context():
        return db.session.execute(text("SELECT action, details, hash FROM audit_log WHERE id = 2")).one()


@pytest.mark.parametrize("statement", [
    update(AuditEntry).where(AuditEntry.id == 2).values(action="complaint.deleted"),
    update(AuditEntry).values(details="{}"),
    delete(AuditEntry).where(AuditEntry.id == 2),
    delete(AuditEntry),
], ids=["update-one", "update-all", "delete-one", "delete-all"])
def test_the_database_refuses_update_and_delete(app, statement):
    add_rows(app, 3)
    before = _row_2(app)
    with app.app_context():
        with pytest.raises(DBAPIError, match="audit_log is append-only"):
            db.session.execute(statement)
            db.session.flush()
        db.session.rollback()
    assert _row_2(app) == before
    assert verify(app).ok


def test_the_database_refuses_changes_through_the_orm(app):
    add_rows(app, 3)
    before = _row_2(app)
    with app.app_context():
        entry = db.session.get(AuditEntry, 2)
        entry.details = "{}"
        with pytest.raises(DBAPIError, match="audit_log is append-only"):
            db.session.commit()
        db.session.rollback()
        db.session.delete(db.session.get(AuditEntry, 2))
        with pytest.raises(DBAPIError, match="audit_log is append-only"):
            db.session.commit()
        db.session.rollback()
    assert _row_2(app) == before


def test_the_head_only_moves_forward(app):
    add_rows(app, 3)
    with app.app_context():
        for sql in ("UPDATE audit_head SET last_id = 2", "UPDATE audit_head SET last_id = 5",
                    "UPDATE audit_head SET id = 2", "DELETE FROM audit_head"):
            with pytest.raises(DBAPIError, match="audit_head only moves forward"):
                db.session.execute(text(sql))
            db.session.rollback()
        assert db.session.execute(select(AuditHead.last_id)).scalar_one() == 3
    assert verify(app).ok


def test_missing_head_with_rows_refuses_to_append(app):
    add_rows(app, 2)
    with app.app_context():
        drop_audit_triggers("audit_head_no_delete")
        db.session.execute(text("DELETE FROM audit_head"))
        db.session.commit()
        with pytest.raises(AuditChainError, match="audit_head is missing"):
            record("auth.login", actor_id=1, actor_label="a@example.kz")
        db.session.rollback()
    assert verify(app) == ChainReport(False, 2, None, "audit_head is missing but the last row is 2")


@pytest.mark.parametrize("kwargs, error", [
    ({"action": ""}, ValueError),
    ({"action": "x" * 65}, ValueError),
    ({"action": "auth.\x00login"}, ValueError),
    ({"action": None}, ValueError),
    ({"actor_label": ""}, ValueError),
    ({"actor_label": None}, TypeError),
    ({"subject_id": True}, TypeError),
    ({"subject_id": 1.5}, TypeError),
    ({"actor_id": "3"}, TypeError),
    ({"details": {"when": object()}}, TypeError),
    ({"details": {"ratio": float("nan")}}, ValueError),
    ({"details": ["not", "a", "mapping"]}, TypeError),
])
def test_record_refuses_bad_input_without_writing(app, kwargs, error):
    arguments = {"action": "auth.login", "actor_id": 1, "actor_label": "a@example.kz", **kwargs}
    with app.app_context():
        with pytest.raises(error):
            record(arguments.pop("action"), **arguments)
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_odd_user_text_is_recorded_not_refused(app):
    with app.app_context():
        entry = record("auth.login_failed", actor_id=None, actor_label="a\x00b\ud800@example.kz" + "x" * 300,
                       subject_type="complaint", subject_id="1" * 70, details={"typed": "x\x00y\udfff"})
        db.session.commit()
        entry_hash = entry.hash
        row = raw_rows(db.session)[0]
    assert row.actor_label.startswith("a\ufffdb\ufffd@example.kz") and len(row.actor_label) == 254
    assert row.actor_label.endswith("x…") and row.subject_id == "1" * 63 + "…"
    assert json.loads(row.details) == {"typed": "x\x00y\ufffd"}  # NUL is escaped in JSON, kept
    assert entry_hash == independent_hash(row.prev_hash, 1, stored_at_iso(row.at), None, row.actor_label,
                                          row.action, row.subject_type, row.subject_id, row.details)
    assert verify(app).ok


def test_details_accept_dates_enums_and_decimals(app):
    from decimal import Decimal

    from app.accounts.models import Role

    with app.app_context():
        entry = record("user.created", actor_id=None, actor_label="system",
                       details={"role": Role.OFFICER, "on": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC).date(),
                                "amount": Decimal("10.50")})
        assert entry.details == '{"amount":"10.50","on":"2026-01-02","role":"officer"}'
        db.session.commit()


def test_actor_fields():
    class Anonymous:
        is_authenticated = False

    class Signed:
        is_authenticated, id, email = True, 7, "officer1@demo.pbi.kz"

    assert services.actor_fields(None) == {"actor_id": None, "actor_label": "system"}
    assert services.actor_fields(Anonymous()) == {"actor_id": None, "actor_label": "anonymous"}
    assert services.actor_fields(Signed()) == {"actor_id": 7, "actor_label": "officer1@demo.pbi.kz"}


TRIGGERS = {
    "sqlite": ("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'audit%'",
               {"audit_log_no_update", "audit_log_no_delete", "audit_head_no_delete", "audit_head_forward_only"}),
    "postgresql": ("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE 'audit%'",
                   {"audit_log_append_only", "audit_log_no_truncate", "audit_head_forward_only",
                    "audit_head_no_truncate"}),
}


def test_ddl_for_migrations_covers_both_dialects(app):
    assert set(APPEND_ONLY_DDL) == set(DROP_APPEND_ONLY_DDL) == {"sqlite", "postgresql"}
    with app.app_context():
        dialect = db.session.get_bind().dialect.name
        query, expected = TRIGGERS[dialect]
        names = set(db.session.scalars(text(query)))
        assert names == expected
        # the migration's SQL is the same as create_all's: drop and re-create round-trips
        for sql in DROP_APPEND_ONLY_DDL[dialect]:
            db.session.execute(text(sql))
        assert set(db.session.scalars(text(query))) == set()
        for sql in APPEND_ONLY_DDL[dialect]:
            db.session.execute(text(sql))
        db.session.commit()
        assert set(db.session.scalars(text(query))) == names
