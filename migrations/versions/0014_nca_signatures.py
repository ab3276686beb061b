"""agreements: NCA RK revocation lists and the verified signer of an agreement

Revision ID: 0014_nca_signatures
Revises: 0013_api_tokens
Create Date: 2026-12-03 07:00:00

Two tables (app/agreements/nca_models.py): ``revocation_lists``, the CRLs an administrator imported, and
``agreement_nca_signatures``, who signed an agreement with an NCA RK key, in which role, checked how.
"""
import sqlalchemy as sa
from alembic import op

revision = "0014_nca_signatures"
down_revision = "0013_api_tokens"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "revocation_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("issuer_dn", sa.String(length=1000), nullable=False),
        sa.Column("issuer_match", sa.String(length=1000), nullable=False),
        sa.Column("this_update", sa.DateTime(), nullable=False),
        sa.Column("next_update", sa.DateTime(), nullable=True),
        sa.Column("crl_number", sa.String(length=64), nullable=True),
        sa.Column("is_delta", sa.Boolean(), nullable=False),
        sa.Column("revoked_count", sa.Integer(), nullable=False),
        sa.Column("der", sa.LargeBinary(), nullable=False),
        sa.Column("imported_by_id", sa.Integer(), nullable=True),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["imported_by_id"], ["users.id"],
                                name=op.f("fk_revocation_lists_imported_by_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revocation_lists")),
        sa.UniqueConstraint("sha256", name=op.f("uq_revocation_lists_sha256")),
    )
    op.create_index(op.f("ix_revocation_lists_issuer_match"), "revocation_lists", ["issuer_match"])
    op.create_table(
        "agreement_nca_signatures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("signer_name", sa.String(length=500), nullable=True),
        sa.Column("iin", sa.String(length=12), nullable=True),
        sa.Column("bin", sa.String(length=12), nullable=True),
        sa.Column("organization", sa.String(length=500), nullable=True),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("certificate_serial", sa.String(length=100), nullable=False),
        sa.Column("certificate_issuer", sa.String(length=1000), nullable=False),
        sa.Column("algorithm", sa.String(length=40), nullable=False),
        sa.Column("signing_time", sa.DateTime(), nullable=True),
        sa.Column("verified_at", sa.DateTime(), nullable=False),
        sa.Column("judged_at", sa.DateTime(), nullable=False),
        sa.Column("timestamp_time", sa.DateTime(), nullable=True),
        sa.Column("timestamp_authority", sa.String(length=1000), nullable=True),
        sa.Column("revocation_source", sa.String(length=16), nullable=True),
        sa.Column("revocation_time", sa.DateTime(), nullable=True),
        sa.Column("report", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["agreement_id"], ["agreements.id"],
                                name=op.f("fk_agreement_nca_signatures_agreement_id_agreements"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreement_nca_signatures")),
        sa.UniqueConstraint("agreement_id", name=op.f("uq_agreement_nca_signatures_agreement_id")),
    )


def downgrade():
    op.drop_table("agreement_nca_signatures")
    op.drop_index(op.f("ix_revocation_lists_issuer_match"), table_name="revocation_lists")
    op.drop_table("revocation_lists")
