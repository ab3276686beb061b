"""Complaints per status, kept by the database itself so the queue never counts the table.

``complaint_status_counts`` holds one row per status (all of them, from the start) and
triggers on ``complaints`` move the counts on every insert, status change and delete, in
the same transaction as the change. One UPDATE statement touches both rows of a
transition, so two opposite transitions lock the rows in the same order (no deadlock on
PostgreSQL). Migration 0004 carries its own copy of these statements.
"""

from __future__ import annotations

from sqlalchemy import DDL, event, literal_column, select, table

from app.complaints.statuses import ComplaintStatus
from app.extensions import db

_MOVE = ("UPDATE complaint_status_counts SET count = count + CASE WHEN status = {new} THEN 1 ELSE -1 END "
         "WHERE status IN ({old}, {new})")

SQLITE_DDL = (
    "CREATE TRIGGER IF NOT EXISTS complaint_counts_insert AFTER INSERT ON complaints BEGIN "
    "UPDATE complaint_status_counts SET count = count + 1 WHERE status = new.status; END",
    "CREATE TRIGGER IF NOT EXISTS complaint_counts_update AFTER UPDATE OF status ON complaints "
    "WHEN old.status <> new.status BEGIN " + _MOVE.format(old="old.status", new="new.status") + "; END",
    "CREATE TRIGGER IF NOT EXISTS complaint_counts_delete AFTER DELETE ON complaints BEGIN "
    "UPDATE complaint_status_counts SET count = count - 1 WHERE status = old.status; END",
)
POSTGRESQL_DDL = (
    "CREATE OR REPLACE FUNCTION complaint_counts_move() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "  # noqa: S608
    "IF TG_OP = 'INSERT' THEN UPDATE complaint_status_counts SET count = count + 1 WHERE status = NEW.status; "
    "ELSIF TG_OP = 'DELETE' THEN UPDATE complaint_status_counts SET count = count - 1 WHERE status = OLD.status; "
    "ELSE " + _MOVE.format(old="OLD.status", new="NEW.status") + "; END IF; RETURN NULL; END $$",
    "CREATE TRIGGER complaint_counts_insert AFTER INSERT ON complaints FOR EACH ROW "
    "EXECUTE FUNCTION complaint_counts_move()",
    "CREATE TRIGGER complaint_counts_update AFTER UPDATE OF status ON complaints FOR EACH ROW "
    "WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION complaint_counts_move()",
    "CREATE TRIGGER complaint_counts_delete AFTER DELETE ON complaints FOR EACH ROW "
    "EXECUTE FUNCTION complaint_counts_move()",
)


def seed_statement() -> str:
    rows = ", ".join(f"('{status.value}', 0)" for status in ComplaintStatus)
    return f"INSERT INTO complaint_status_counts (status, count) VALUES {rows}"  # noqa: S608 (enum values)


def attach(complaints_table, counts_table) -> None:
    event.listen(counts_table, "after_create", DDL(seed_statement()))
    for statement in SQLITE_DDL:
        event.listen(complaints_table, "after_create", DDL(statement).execute_if(dialect="sqlite"))
    for statement in POSTGRESQL_DDL:
        event.listen(complaints_table, "after_create", DDL(statement).execute_if(dialect="postgresql"))


def by_status() -> dict[str, int]:
    """Complaints per status (a read of nine rows, whatever the size of the registry)."""
    rows = db.session.execute(select(literal_column("status"), literal_column("count"))
                              .select_from(table("complaint_status_counts")))
    return {status: count for status, count in rows if count}
