"""statistics rollup: the local day of receipt, five rollup tables kept by triggers

Revision ID: 0012_statistics_rollup
Revises: 0011_monthly_report
Create Date: 2026-12-02 14:30:00

A decision made after an appeal now replaces every field of the earlier one
(app.complaints.case_actions._in_force); complaints re-decided before this keep the
fields of both, so each is reduced to its latest decision event's fields first.

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


_LATEST = ("(SELECT e.action FROM complaint_events e WHERE e.complaint_id = complaints.id "
           "AND e.action IN ('resolve', 'forward', 'reject') ORDER BY e.at DESC, e.id DESC LIMIT 1)")
_IN_FORCE = (
    ("forward", "outcome = NULL, decision_text = NULL, rejection_reason = NULL",
     "forwarded_to IS NOT NULL AND (outcome IS NOT NULL OR rejection_reason IS NOT NULL)"),
    ("resolve", "forwarded_to = NULL, rejection_reason = NULL",
     "outcome IS NOT NULL AND (forwarded_to IS NOT NULL OR rejection_reason IS NOT NULL)"),
    ("reject", "outcome = NULL, decision_text = NULL, forwarded_to = NULL",
     "rejection_reason IS NOT NULL AND (outcome IS NOT NULL OR forwarded_to IS NOT NULL)"),
)


def _one_decision_in_force(bind) -> None:
    for action, assignments, both in _IN_FORCE:
        bind.execute(sa.text(f"UPDATE complaints SET {assignments} WHERE {both} AND {_LATEST} = '{action}'"))  # noqa: S608


def _counts(*keys: sa.Column, measures=("n",)) -> list[sa.Column]:
    return [*keys, *(sa.Column(name, sa.BigInteger(), server_default="0", nullable=False) for name in measures)]


MEASURES = ("n", "amount_n", "amount_sum", "extended", "confirmed", "partially_confirmed", "not_confirmed",
            "forwarded", "rejected", "in_term", "appeals", "appeals_waiting", "appeals_reconsidering",
            "appeals_redecided")


def upgrade():
    from app.reporting import rollup

    op.add_column("complaints", sa.Column("received_on", sa.Date(), nullable=True))
    bind = op.get_bind()
    _one_decision_in_force(bind)
    _backfill(bind)
    side = sa.CheckConstraint("side IN ('r', 'd')", name=op.f("ck_statistics_rollup_side"))
    op.create_table(
        "statistics_rollup",
        *_counts(sa.Column("side", sa.String(length=1), nullable=False), sa.Column("month", sa.Date(), nullable=False),
                 sa.Column("dimension", sa.String(length=32), nullable=False),
                 sa.Column("value", sa.String(length=32), nullable=False), measures=MEASURES),
        side,
        sa.PrimaryKeyConstraint("side", "month", "dimension", "value", name=op.f("pk_statistics_rollup")),
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
