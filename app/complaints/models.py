"""Complaints, their events, messages (and internal notes) and evidence files."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Computed, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.complaints import clock, counts, search
from app.complaints.statuses import OPEN_STATUSES, ComplaintStatus  # noqa: F401 (re-exported)
from app.database import one_of
from app.extensions import db
from app.timeutil import to_local, utcnow


class PressureType(enum.StrEnum):
    UNSCHEDULED_INSPECTION = "unscheduled_inspection"
    BRIBE_EXTORTION = "bribe_extortion"
    PERMIT_OBSTRUCTION = "permit_obstruction"
    SEIZURE = "seizure"
    RAIDER_TAKEOVER = "raider_takeover"
    CRIMINAL_PROSECUTION = "criminal_prosecution"
    PROCUREMENT_INTERFERENCE = "procurement_interference"
    OTHER = "other"


class BodyCategory(enum.StrEnum):
    LOCAL_EXECUTIVE = "local_executive"  # akimats
    STATE_REVENUE = "state_revenue"  # tax and customs
    POLICE = "police"
    PROSECUTION = "prosecution"
    SANITARY = "sanitary"
    EMERGENCY = "emergency"  # fire safety
    LAND_RELATIONS = "land_relations"
    ECOLOGY = "ecology"
    ENFORCEMENT = "enforcement"  # bailiffs, courts' enforcement
    LICENSING = "licensing"  # permits and licences of central bodies
    QUASI_PUBLIC = "quasi_public"  # state companies, utilities
    OTHER = "other"


class Outcome(enum.StrEnum):
    CONFIRMED = "confirmed"
    PARTIALLY_CONFIRMED = "partially_confirmed"
    NOT_CONFIRMED = "not_confirmed"


def _local_day_of_receipt(context) -> date:
    """``received_on``'s default: the local day of the row's ``received_at`` (now when none is given)."""
    received = context.get_current_parameters().get("received_at") if context is not None else None
    return to_local(received or utcnow()).date()


class Complaint(db.Model):
    __tablename__ = "complaints"
    __table_args__ = (
        CheckConstraint(one_of("status", ComplaintStatus), name="status"),
        CheckConstraint(one_of("pressure_type", PressureType), name="pressure_type"),
        CheckConstraint(one_of("body_category", BodyCategory), name="body_category"),
        CheckConstraint(one_of("outcome", Outcome), name="outcome"),
        CheckConstraint("amount_demanded IS NULL OR amount_demanded >= 0", name="amount_demanded"),
        UniqueConstraint("filed_by_id", "submission_token", name="uq_complaints_submission"),
        # The queue's default order (open first, effective due date, id), and the same
        # order within each filter: every page of the queue is read from an index.
        Index("ix_complaints_queue", "queue_rank", "effective_due", "id"),
        Index("ix_complaints_status_queue", "status", "effective_due", "id"),
        Index("ix_complaints_officer_queue", "assigned_officer_id", "queue_rank", "effective_due", "id"),
        Index("ix_complaints_district_queue", "incident_district", "queue_rank", "effective_due", "id"),
        Index("ix_complaints_pressure_queue", "pressure_type", "queue_rank", "effective_due", "id"),
        Index("ix_complaints_body_queue", "body_category", "queue_rank", "effective_due", "id"),
        # The same body / official in other complaints (app.reporting.names keys): indexed counts;
        # with the time of receipt, the repeat-offender view's groups are read from the index alone.
        Index("ix_complaints_body_key", "body_key", "official_key", "received_at"),
        Index("ix_complaints_official_key", "official_key"),
        Index("ix_complaints_received", "received_at", "id"),
        # The staff statistics (app.reporting.statistics) read a period along one of these,
        # never the table: each holds every column those queries filter, group or count on.
        Index("ix_complaints_stats_received", "received_at", "incident_district", "pressure_type", "body_category",
              "assigned_officer_id", "association_id", "amount_demanded", "extended_until", "body_name"),
        Index("ix_complaints_stats_decided", "decided_on", "incident_district", "pressure_type", "body_category",
              "assigned_officer_id", "association_id", "decision_working_days", "decided_in_term", "status",
              "outcome", "appealed_at", "decided_at", "forwarded_to", "body_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    # Optimistic locking: an update based on a stale read of the row is refused
    # (StaleDataError, answered as "changed by someone else"), never applied silently.
    __mapper_args__ = {"version_id_col": version}
    number: Mapped[str] = mapped_column(String(20), unique=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"), index=True)
    filed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # One form, one complaint: the token of the form that created it (double submit).
    submission_token: Mapped[str] = mapped_column(String(64))
    association_id: Mapped[int | None] = mapped_column(ForeignKey("associations.id"), index=True)
    association_may_follow: Mapped[bool] = mapped_column(default=False)

    pressure_type: Mapped[str] = mapped_column(String(32))
    body_category: Mapped[str] = mapped_column(String(32))
    body_name: Mapped[str] = mapped_column(String(300))
    official_name: Mapped[str | None] = mapped_column(String(200))
    official_position: Mapped[str | None] = mapped_column(String(200))
    # Comparison keys of body_name and official_name (app.reporting.names), written with the complaint.
    body_key: Mapped[str] = mapped_column(String(300), default="", server_default="")
    official_key: Mapped[str | None] = mapped_column(String(300))
    incident_date: Mapped[date]
    incident_district: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    # Folded words for full-text search (app.complaints.search), written with the complaint.
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    amount_demanded: Mapped[int | None] = mapped_column(BigInteger)  # tenge
    keep_identity_confidential: Mapped[bool] = mapped_column(default=True)
    consent_at: Mapped[datetime]

    status: Mapped[str] = mapped_column(String(24), default=ComplaintStatus.REGISTERED.value)
    assigned_officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    # The legal clock (dates in Asia/Almaty).
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The Asia/Almaty day of ``received_at``: the month the statistics rollup files it under
    # (a trigger cannot convert time zones on SQLite). Nullable only because SQLite cannot
    # add a NOT NULL column to a filled table without rebuilding it; always set.
    received_on: Mapped[date] = mapped_column(nullable=True, default=_local_day_of_receipt)
    registration_day: Mapped[date]
    due_date: Mapped[date]
    forwarding_due: Mapped[date]
    extended_until: Mapped[date | None]
    # Generated by the database from the columns above (definitions in app.complaints.clock);
    # STORED where the table is created whole, VIRTUAL where migration 0004 added them to SQLite.
    effective_due: Mapped[date] = mapped_column(Computed(clock.EFFECTIVE_DUE_SQL, persisted=True))
    queue_rank: Mapped[int] = mapped_column(Computed(clock.QUEUE_RANK_SQL, persisted=True))
    extension_reason: Mapped[str | None] = mapped_column(Text)

    outcome: Mapped[str | None] = mapped_column(String(24))
    decision_text: Mapped[str | None] = mapped_column(Text)
    forwarded_to: Mapped[str | None] = mapped_column(String(300))
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None]
    # The first decision (resolve, forward or reject), kept for the statistics: its day
    # (Asia/Almaty), the working days it took from registration, and whether it met the
    # legal term then in force (clock.record_first_decision). Never rewritten after an appeal.
    decided_on: Mapped[date | None]
    decision_working_days: Mapped[int | None]
    decided_in_term: Mapped[bool | None]
    appeal_reason: Mapped[str | None] = mapped_column(Text)
    appealed_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    talon_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))


search.attach(Complaint.__table__)


class StatusCount(db.Model):
    """How many complaints are in each status, kept by triggers on ``complaints`` (see counts.py)."""

    __tablename__ = "complaint_status_counts"

    status: Mapped[str] = mapped_column(String(24), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger, default=0)


counts.attach(Complaint.__table__, StatusCount.__table__)


class ComplaintEvent(db.Model):
    """Every transition and clock change: who, when, from, to, comment (public wording)."""

    __tablename__ = "complaint_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24))
    comment: Mapped[str | None] = mapped_column(Text)
    # What the decision said, kept with the event so a re-issued letter says the same:
    # the outcome code (resolve) or the competent body (forward).
    detail: Mapped[str | None] = mapped_column(String(300))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))


class CaseMessage(db.Model):
    """The thread between complainant and department; ``internal`` rows are officers' notes."""

    __tablename__ = "case_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    body: Mapped[str] = mapped_column(Text)
    internal: Mapped[bool] = mapped_column(default=False)


class Evidence(db.Model):
    """An uploaded file (stored encrypted); filed with the complaint or sent in a message."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("case_messages.id"))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    sha256: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    size: Mapped[int]
    display_name: Mapped[str] = mapped_column(String(255))  # the user's file name, as text only
