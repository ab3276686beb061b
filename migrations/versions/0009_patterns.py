"""patterns: comparison keys of the body's and the official's names on complaints, indexed

Revision ID: 0009_patterns
Revises: 0008_decision_clock
Create Date: 2026-12-01 19:30:00

``complaints.body_key`` and ``complaints.official_key`` (app.reporting.names) make "the
same body / official in N other complaints" an indexed count. Existing complaints get
their keys computed in Python, in batches of ids, so a registry of a million complaints
is never read into memory at once.
"""
import sqlalchemy as sa
from alembic import op

revision = "0009_patterns"
down_revision = "0008_decision_clock"
branch_labels = None
depends_on = None

BATCH = 5_000


def _backfill(bind) -> None:
    from app.reporting.names import body_key, official_key

    last = 0
    while True:
        rows = bind.execute(sa.text(
            "SELECT id, body_name, official_name FROM complaints WHERE id > :last ORDER BY id LIMIT :batch"),
            {"last": last, "batch": BATCH}).all()
        if not rows:
            return
        bind.execute(sa.text("UPDATE complaints SET body_key = :body, official_key = :official WHERE id = :id"),
                     [{"id": row[0], "body": body_key(row[1]), "official": official_key(row[2])} for row in rows])
        last = rows[-1][0]


def upgrade():
    op.add_column("complaints", sa.Column("body_key", sa.String(length=300), server_default="", nullable=False))
    op.add_column("complaints", sa.Column("official_key", sa.String(length=300), nullable=True))
    _backfill(op.get_bind())
    op.create_index("ix_complaints_body_key", "complaints", ["body_key", "official_key", "received_at"])
    op.create_index("ix_complaints_official_key", "complaints", ["official_key"])


def downgrade():
    op.drop_index("ix_complaints_official_key", table_name="complaints")
    op.drop_index("ix_complaints_body_key", table_name="complaints")
    op.drop_column("complaints", "official_key")
    op.drop_column("complaints", "body_key")
