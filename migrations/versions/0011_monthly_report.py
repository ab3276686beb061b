"""reporting: the monthly signed report as a document kind

Revision ID: 0011_monthly_report
Revises: 0010_statistics
Create Date: 2026-12-01 21:00:00

One new document kind, ``monthly_report``: the report of a calendar month addressed to
the department head (app/reporting/monthly_report.py), signed and verifiable like the others.
"""
from alembic import op

revision = "0011_monthly_report"
down_revision = "0010_statistics"
branch_labels = None
depends_on = None

_OLD_KINDS = ("kind IN ('agreement', 'complaint_receipt', 'decision', 'forwarding_letter', "
              "'extension_notice')")
_NEW_KINDS = ("kind IN ('agreement', 'complaint_receipt', 'decision', 'forwarding_letter', "
              "'extension_notice', 'monthly_report')")


def _kinds(condition: str) -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_documents_kind"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_documents_kind"), condition)


def upgrade():
    _kinds(_NEW_KINDS)


def downgrade():
    op.execute("DELETE FROM documents WHERE kind = 'monthly_report'")
    _kinds(_OLD_KINDS)
