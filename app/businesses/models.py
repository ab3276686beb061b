"""Businesses (legal entities and individual entrepreneurs) and associations."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.extensions import db
from app.timeutil import utcnow


class BusinessKind(enum.StrEnum):
    LEGAL_ENTITY = "legal_entity"  # identified by a BIN
    INDIVIDUAL = "individual"  # individual entrepreneur, identified by the owner's IIN


business_representatives = Table(
    "business_representatives",
    db.metadata,
    Column("business_id", ForeignKey("businesses.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)

association_representatives = Table(
    "association_representatives",
    db.metadata,
    Column("association_id", ForeignKey("associations.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Business(db.Model):
    __tablename__ = "businesses"
    __table_args__ = (
        CheckConstraint("kind IN ('legal_entity', 'individual')", name="kind"),
        CheckConstraint("length(number) = 12", name="number_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    # BIN for a legal entity, IIN for an individual entrepreneur; one record per number.
    number: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    address: Mapped[str] = mapped_column(String(500))
    district: Mapped[str] = mapped_column(String(32))
    sector: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    representatives: Mapped[list[User]] = relationship(secondary=business_representatives)


class Association(db.Model):
    __tablename__ = "associations"
    __table_args__ = (
        CheckConstraint("members_count >= 0", name="members_count"),
        CheckConstraint("length(bin) = 12", name="bin_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bin: Mapped[str] = mapped_column(String(12), unique=True)
    name_kk: Mapped[str] = mapped_column(String(300))
    name_ru: Mapped[str] = mapped_column(String(300))
    members_count: Mapped[int]
    # Sector codes (see reference.SECTORS), comma-separated.
    sectors: Mapped[str] = mapped_column(String(500))
    head_name: Mapped[str] = mapped_column(String(200))
    head_position: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    representatives: Mapped[list[User]] = relationship(secondary=association_representatives)

    @property
    def sector_codes(self) -> list[str]:
        return [code for code in self.sectors.split(",") if code]
