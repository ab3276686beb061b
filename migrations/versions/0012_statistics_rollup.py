"""statistics rollup: the local day of receipt, five rollup tables kept by triggers

Revision ID: 0012_statistics_rollup
Revises: 0011_monthly_report
Create Date: 2026-12-02 14:30:00

``complaints.received_on`` is the Asia/Almaty day of ``received_at`` (computed in Python
for existing complaints, in batches of ids: SQLite has no time zones). The rollup tables
(app.reporting.models) are created, their triggers installed from
``app.reporting.rollup.trigger_ddl`` and filled by its rebuild. A later change of what the
rollup sums comes with its own migration that drops the triggers, creates the new ones and
rebuilds (the statements of this one are those of the code it ships with).
"""
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0012_statistics_rollup"
down_revision = "0011_monthly_report"
branch_labels = None
depends_on = None

BATCH = 5_000


def _backfill(bind) -> None:
    from app.timeutil import to_local

    last = 0
    while True:
        rows = bind.execute(sa.text("SELECT id, received_at FROM complaints WHERE id > :last ORDER BY id LIMIT :batch"),
                            {"last": last, "batch": BATCH}).all()
        if not rows:
            return
        days = []
        for complaint_id, received in rows:
            instant = received if isinstance(received, datetime) else datetime.fromisoformat(received)
            days.append({"id": complaint_id, "day": to_local(instant).date().isoformat()})
        bind.execute(sa.text("UPDATE complaints SET received_on = :day WHERE id = :id"), days)
        last = rows[-1][0]


def _counts(*keys: sa.Column, measures=("n",)) -> list[sa.Column]:
    return [*keys, *(sa.Column(name, sa.BigInteger(), server_default="0", nullable=False) for name in measures)]


MEASURES = ("n", "amount_n", "amount_sum", "extended", "confirmed", "partially_confirmed", "not_confirmed",
            "forwarded", "rejected", "in_term", "appeals", "appeals_waiting", "appeals_reconsidering",
            "appeals_redecided")


def upgrade():
    from app.reporting import rollup

    op.add_column("complaints", sa.Column("received_on", sa.Date(), nullable=True))
    bind = op.get_bind()
    _backfill(bind)
    side = sa.CheckConstraint("side IN ('r', 'd')", name=op.f("ck_statistics_rollup_side"))
    op.create_table(
        "statistics_rollup",
        *_counts(sa.Column("side", sa.String(length=1), nullable=False), sa.Column("month", sa.Date(), nullable=False),
                 sa.Column("incident_district", sa.String(length=32), nullable=False),
                 sa.Column("pressure_type", sa.String(length=32), nullable=False),
                 sa.Column("body_category", sa.String(length=32), nullable=False), measures=MEASURES),
        side,
        sa.PrimaryKeyConstraint("side", "month", "incident_district", "pressure_type", "body_category",
                                name=op.f("pk_statistics_rollup")),
    )
    op.create_table(
        "statistics_rollup_days",
        *_counts(sa.Column("month", sa.Date(), nullable=False), sa.Column("working_days", sa.Integer(), nullable=False)),
        sa.PrimaryKeyConstraint("month", "working_days", name=op.f("pk_statistics_rollup_days")),
    )
    op.create_table(
        "statistics_rollup_amounts",
        *_counts(sa.Column("month", sa.Date(), nullable=False), sa.Column("amount", sa.BigInteger(), nullable=False)),
        sa.PrimaryKeyConstraint("month", "amount", name=op.f("pk_statistics_rollup_amounts")),
    )
    op.create_table(
        "statistics_rollup_bodies",
        *_counts(sa.Column("side", sa.String(length=1), nullable=False), sa.Column("month", sa.Date(), nullable=False),
                 sa.Column("body_name", sa.String(length=300), nullable=False)),
        sa.CheckConstraint("side IN ('r', 'd')", name=op.f("ck_statistics_rollup_bodies_side")),
        sa.PrimaryKeyConstraint("side", "month", "body_name", name=op.f("pk_statistics_rollup_bodies")),
    )
    op.create_table(
        "statistics_rollup_officers",
        *_counts(sa.Column("month", sa.Date(), nullable=False), sa.Column("officer_id", sa.Integer(), nullable=False)),
        sa.PrimaryKeyConstraint("month", "officer_id", name=op.f("pk_statistics_rollup_officers")),
    )
    for statement in rollup.trigger_ddl(bind.dialect.name):
        op.execute(statement)
    rollup.rebuild(bind)


def downgrade():
    from app.reporting import rollup

    for statement in rollup.drop_trigger_ddl(op.get_bind().dialect.name):
        op.execute(statement)
    for table in reversed(rollup.TABLES):
        op.drop_table(table)
    op.drop_column("complaints", "received_on")
