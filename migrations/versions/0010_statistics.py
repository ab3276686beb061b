"""staff statistics: covering indexes of the received and the decided side

Revision ID: 0010_statistics
Revises: 0009_patterns
Create Date: 2026-12-01 20:10:00

app.reporting.statistics reads a period's complaints along ``received_at`` or along
``decided_on``; these two indexes start with that column and hold every other column
its queries filter, group or count on, so that the figures never read the table itself.
"""
from alembic import op

revision = "0010_statistics"
down_revision = "0009_patterns"
branch_labels = None
depends_on = None

RECEIVED = ["received_at", "incident_district", "pressure_type", "body_category", "assigned_officer_id",
            "association_id", "amount_demanded", "extended_until", "body_name"]
DECIDED = ["decided_on", "incident_district", "pressure_type", "body_category", "assigned_officer_id",
           "association_id", "decision_working_days", "decided_in_term", "status", "outcome", "appealed_at",
           "decided_at", "forwarded_to", "body_name"]


def upgrade():
    op.create_index("ix_complaints_stats_received", "complaints", RECEIVED)
    op.create_index("ix_complaints_stats_decided", "complaints", DECIDED)


def downgrade():
    op.drop_index("ix_complaints_stats_decided", table_name="complaints")
    op.drop_index("ix_complaints_stats_received", table_name="complaints")
