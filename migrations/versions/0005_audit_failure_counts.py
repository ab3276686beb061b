"""audit: failure counts per source and minute (403s and failed sign-ins cannot flood the log)

Revision ID: 0005_audit_failures
Revises: 0004
Create Date: 2026-12-01 12:15:00

"""
from alembic import op
import sqlalchemy as sa

revision = "0005_audit_failures"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "audit_failure_counts",
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=254), nullable=False),
        sa.Column("window_start", sa.DateTime(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("action", "source", "window_start", name=op.f("pk_audit_failure_counts")),
    )


def downgrade():
    op.drop_table("audit_failure_counts")
