"""The statistics rollup: complaints counted per month, kept by triggers (see rollup.py).

Every table holds sums over complaints, keyed by a calendar month (its first day, an
Asia/Almaty month: ``received_on`` for the received side, ``decided_on`` for the decided
side) and the few columns the unfiltered statistics group by. A row whose sums fell back
to zero stays (it is as good as absent); :func:`app.reporting.rollup.rebuild` drops them.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from app.complaints.models import Complaint
from app.extensions import db
from app.reporting import rollup

RECEIVED, DECIDED = "r", "d"


class RollupCounts(db.Model):
    """Per side, month and one value of one dimension (a district, a pressure type or a body
    category): the statistics' counts. The rows of one dimension add up to the totals.

    Received rows (side ``r``) fill ``n`` and the ``amount_*`` and ``extended`` sums;
    decided rows (side ``d``) fill ``n`` and the decision and appeal sums.
    """

    __tablename__ = "statistics_rollup"
    __table_args__ = (CheckConstraint("side IN ('r', 'd')", name="side"),)

    side: Mapped[str] = mapped_column(String(1), primary_key=True)
    month: Mapped[date] = mapped_column(primary_key=True)
    dimension: Mapped[str] = mapped_column(String(32), primary_key=True)  # incident_district, pressure_type, …
    value: Mapped[str] = mapped_column(String(32), primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    amount_n: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    amount_sum: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    extended: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    confirmed: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    partially_confirmed: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    not_confirmed: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    forwarded: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    rejected: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    in_term: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    appeals: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    appeals_waiting: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    appeals_reconsidering: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    appeals_redecided: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class RollupDays(db.Model):
    """Decisions per month of decision and working days taken (the percentiles' histogram)."""

    __tablename__ = "statistics_rollup_days"

    month: Mapped[date] = mapped_column(primary_key=True)
    working_days: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class RollupAmounts(db.Model):
    """Complaints per month of receipt and amount demanded (the median's histogram).

    Its size is the number of distinct (month, amount) pairs: amounts people state are
    round, so a few hundred a month, at most one row per complaint stating an amount.
    """

    __tablename__ = "statistics_rollup_amounts"

    month: Mapped[date] = mapped_column(primary_key=True)
    amount: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class RollupBodies(db.Model):
    """Complaints per side, month and body (its name as filed): the top bodies."""

    __tablename__ = "statistics_rollup_bodies"
    __table_args__ = (CheckConstraint("side IN ('r', 'd')", name="side"),)

    side: Mapped[str] = mapped_column(String(1), primary_key=True)
    month: Mapped[date] = mapped_column(primary_key=True)
    body_name: Mapped[str] = mapped_column(String(300), primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class RollupOfficers(db.Model):
    """Decisions per month of decision and the officer the case is assigned to now (workload)."""

    __tablename__ = "statistics_rollup_officers"

    month: Mapped[date] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


rollup.attach(Complaint.__table__)
