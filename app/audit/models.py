"""The audit log tables and the database triggers that keep them append-only.

``audit_log`` holds one row per event, each carrying the SHA-256 of its own content and
of the row before it (see :mod:`app.audit.services` for the exact construction).
``audit_head`` is a single row (``id = 1``) naming the last row and its hash: every
append updates it first, which serialises appends and lets the verifier notice a
deleted last row.

The triggers below refuse UPDATE and DELETE on ``audit_log`` (and TRUNCATE on
PostgreSQL), and let ``audit_head`` only move forward one row at a time. They are
created with the tables by ``db.create_all()``; Alembic migrations must run the same
statements, exposed as :data:`APPEND_ONLY_DDL` (and :data:`DROP_APPEND_ONLY_DDL` to
undo them), because ``op.create_table`` does not fire these table events.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DDL, CheckConstraint, Index, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

GENESIS_HASH = "0" * 64
"""The ``prev_hash`` of the first row, and the head's ``last_hash`` while the log is empty."""

APPEND_ONLY_MESSAGE = "audit_log is append-only"
HEAD_MESSAGE = "audit_head only moves forward"


class AuditEntry(db.Model):
    """One audited event. Never updated, never deleted.

    ``id`` is not a database sequence: :func:`app.audit.services.record` takes it from
    the head row (last id + 1) under the head's lock, so ids are consecutive and a gap
    means a deleted row.
    """

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(index=True)  # naive UTC
    # A plain integer, no foreign key: deleting a user must never rewrite the log.
    actor_id: Mapped[int | None]
    # Who it was at the time (an e-mail address, "system", "anonymous"), copied at write time.
    actor_label: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(64), index=True)
    subject_type: Mapped[str | None] = mapped_column(String(64))
    subject_id: Mapped[str | None] = mapped_column(String(64))
    # Canonical JSON text: sort_keys, ensure_ascii=False, separators=(",", ":").
    details: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    def __repr__(self) -> str:
        return f"<AuditEntry {self.id} {self.action}>"


class AuditHead(db.Model):
    """The single row (``id = 1``) naming the last audit row: the lock point of appends."""

    __tablename__ = "audit_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_id: Mapped[int]
    last_hash: Mapped[str] = mapped_column(String(64))


_SQLITE_LOG = [
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END",
]
_SQLITE_HEAD = [
    "CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head "
    f"BEGIN SELECT RAISE(ABORT, '{HEAD_MESSAGE}'); END",
    "CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON audit_head "
    "WHEN NEW.id <> OLD.id OR NEW.last_id NOT IN (OLD.last_id, OLD.last_id + 1) "
    f"BEGIN SELECT RAISE(ABORT, '{HEAD_MESSAGE}'); END",
]
# restrict_violation (SQLSTATE 23001) surfaces as IntegrityError, as SQLite's RAISE(ABORT) does.
_POSTGRESQL_LOG = [
    "CREATE OR REPLACE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
    f"BEGIN RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}' USING ERRCODE = 'restrict_violation'; END; $$",
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()",
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()",
]
_POSTGRESQL_HEAD = [
    "CREATE OR REPLACE FUNCTION audit_head_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN "
    "IF TG_OP <> 'UPDATE' THEN "
    f"RAISE EXCEPTION '{HEAD_MESSAGE}' USING ERRCODE = 'restrict_violation'; END IF; "
    "IF NEW.id <> OLD.id OR NEW.last_id NOT IN (OLD.last_id, OLD.last_id + 1) THEN "
    f"RAISE EXCEPTION '{HEAD_MESSAGE}' USING ERRCODE = 'restrict_violation'; END IF; "
    "RETURN NEW; END; $$",
    "CREATE TRIGGER audit_head_forward_only BEFORE UPDATE OR DELETE ON audit_head "
    "FOR EACH ROW EXECUTE FUNCTION audit_head_forward_only()",
    "CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_head_forward_only()",
]

_LOG_DDL = {"sqlite": _SQLITE_LOG, "postgresql": _POSTGRESQL_LOG}
_HEAD_DDL = {"sqlite": _SQLITE_HEAD, "postgresql": _POSTGRESQL_HEAD}

APPEND_ONLY_DDL: dict[str, list[str]] = {
    dialect: _LOG_DDL[dialect] + _HEAD_DDL[dialect] for dialect in ("sqlite", "postgresql")
}
"""Trigger DDL by dialect name, in order; for a migration: ``for sql in APPEND_ONLY_DDL[dialect]: op.execute(sql)``."""

DROP_APPEND_ONLY_DDL: dict[str, list[str]] = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS audit_log_no_update",
        "DROP TRIGGER IF EXISTS audit_log_no_delete",
        "DROP TRIGGER IF EXISTS audit_head_no_delete",
        "DROP TRIGGER IF EXISTS audit_head_forward_only",
    ],
    "postgresql": [
        "DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log",
        "DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log",
        "DROP FUNCTION IF EXISTS audit_log_refuse_change()",
        "DROP TRIGGER IF EXISTS audit_head_forward_only ON audit_head",
        "DROP TRIGGER IF EXISTS audit_head_no_truncate ON audit_head",
        "DROP FUNCTION IF EXISTS audit_head_forward_only()",
    ],
}
"""The reverse of :data:`APPEND_ONLY_DDL` (a migration's downgrade), by dialect name."""


def _attach(table, statements: dict[str, list[str]]) -> None:
    for dialect, sqls in statements.items():
        for sql in sqls:
            # DDL() formats its text with %; the statements contain no % sign.
            event.listen(table, "after_create", DDL(sql).execute_if(dialect=dialect))


_attach(AuditEntry.__table__, _LOG_DDL)
_attach(AuditHead.__table__, _HEAD_DDL)


class FailureCount(db.Model):
    """How many failures of one kind one source had in one minute (app.audit.failures).

    The first failure of a minute writes an audit row; the others only count here, so a
    flood of 403s or wrong passwords cannot flood the chained log. Not chained itself:
    the next window's audit row carries this window's final count into the chain.
    """

    __tablename__ = "audit_failure_counts"

    action: Mapped[str] = mapped_column(String(64), primary_key=True)
    # "user:<id>" for a signed-in actor, "address:<client address>" otherwise.
    source: Mapped[str] = mapped_column(String(254), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(primary_key=True)  # naive UTC, whole minute
    count: Mapped[int]
