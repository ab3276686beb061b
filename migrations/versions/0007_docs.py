"""documents and the law: the forwarding covering letter and the extension notice; staff positions

Revision ID: 0007_docs
Revises: 0006_account_recovery
Create Date: 2026-12-01 15:45:00

Two new document kinds (``forwarding_letter`` — addressed to the competent body a
complaint is forwarded to; ``extension_notice`` — tells the complainant the new due date)
and the job title that staff sign documents with (``users.position``).
"""
import sqlalchemy as sa
from alembic import op

revision = "0007_docs"
down_revision = "0006_account_recovery"
branch_labels = None
depends_on = None

_OLD_KINDS = "kind IN ('agreement', 'complaint_receipt', 'decision')"
_NEW_KINDS = "kind IN ('agreement', 'complaint_receipt', 'decision', 'forwarding_letter', 'extension_notice')"


def _kinds(condition: str) -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_documents_kind"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_documents_kind"), condition)


def upgrade():
    _kinds(_NEW_KINDS)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("position", sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("position")
    op.execute("DELETE FROM documents WHERE kind IN ('forwarding_letter', 'extension_notice')")
    _kinds(_OLD_KINDS)
