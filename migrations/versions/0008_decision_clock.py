"""the first decision kept for the statistics: its day, its working days, in term or not

Revision ID: 0008_decision_clock
Revises: 0007_docs
Create Date: 2026-12-01 20:00:00

``complaints.decided_on`` (Asia/Almaty day of the first resolve, forward or reject),
``decision_working_days`` and ``decided_in_term`` (app.complaints.clock), backfilled from
each complaint's first decision event, in batches. (Their index, led by ``decided_on``,
comes with the statistics: 0010_statistics.)
"""
from datetime import date, datetime

import sqlalchemy as sa
from alembic import op

from app.complaints.clock import first_decision_facts
from app.timeutil import to_local

revision = "0008_decision_clock"
down_revision = "0007_docs"
branch_labels = None
depends_on = None

BATCH = 5000
_FIRST_DECISIONS = sa.text("""
SELECT c.id, e.action, e.at, c.registration_day, c.due_date, c.forwarding_due, c.extended_until
FROM complaints c
JOIN complaint_events e ON e.id = (
    SELECT min(f.id) FROM complaint_events f
    WHERE f.complaint_id = c.id AND f.action IN ('resolve', 'forward', 'reject'))
WHERE c.id > :after
ORDER BY c.id
LIMIT :batch
""")
_STORE = sa.text("UPDATE complaints SET decided_on = :day, decision_working_days = :days, "
                 "decided_in_term = :in_term WHERE id = :id")


def _day(value):
    """A DATE as read through a plain connection (SQLite gives text)."""
    return date.fromisoformat(value[:10]) if isinstance(value, str) else value


def _moment(value):
    """A naive-UTC DATETIME as read through a plain connection (SQLite gives text)."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _backfill(connection) -> None:
    after = 0
    while True:
        rows = connection.execute(_FIRST_DECISIONS, {"after": after, "batch": BATCH}).all()
        if not rows:
            return
        updates = []
        for complaint_id, action, at, registration_day, due_date, forwarding_due, extended_until in rows:
            day = to_local(_moment(at)).date()
            days, in_term = first_decision_facts(
                action=action, decided_day=day, registration_day=_day(registration_day), due_date=_day(due_date),
                forwarding_due=_day(forwarding_due), extended_until=_day(extended_until) if extended_until else None)
            updates.append({"id": complaint_id, "day": day, "days": days, "in_term": in_term})
        connection.execute(_STORE, updates)
        after = rows[-1][0]


def upgrade():
    # Plain ALTER TABLE (both backends): no table rebuild under the complaints' triggers and
    # generated columns.
    op.add_column("complaints", sa.Column("decided_on", sa.Date(), nullable=True))
    op.add_column("complaints", sa.Column("decision_working_days", sa.Integer(), nullable=True))
    op.add_column("complaints", sa.Column("decided_in_term", sa.Boolean(), nullable=True))
    _backfill(op.get_bind())


def downgrade():
    for column in ("decided_in_term", "decision_working_days", "decided_on"):
        op.execute(f"ALTER TABLE complaints DROP COLUMN {column}")  # SQLite 3.35+ and PostgreSQL
