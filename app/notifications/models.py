"""In-app notifications and the e-mail outbox.

Neither table holds any content of a complaint: a notification is a kind, the number of
the complaint and a local link; an outbox message is the e-mail already rendered in the
recipient's language, which itself says no more than that.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.accounts.models import LOCALES
from app.extensions import db
from app.timeutil import utcnow

# What happened on a complaint; each kind has one fixed sentence (services.text_of).
KINDS = ("message", "status", "info_requested", "decision", "deadline_soon", "overdue", "extended")

# Messages that failed this many times are no longer tried.
MAX_ATTEMPTS = 5


def _listed(values) -> str:
    return ", ".join(f"'{value}'" for value in values)


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (CheckConstraint(f"kind IN ({_listed(KINDS)})", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    subject_number: Mapped[str] = mapped_column(String(24))  # e.g. PBI-C-2026-000123
    link: Mapped[str] = mapped_column(String(255))  # a local path, e.g. /portal/complaints/12
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]


class OutboxMessage(db.Model):
    """An e-mail waiting to be sent (``sent_at`` empty) or sent; ``flask outbox send`` sends."""

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint(f"locale IN ({_listed(LOCALES)})", name="locale"),
        CheckConstraint("attempts >= 0", name="attempts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    locale: Mapped[str] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    notification_id: Mapped[int | None] = mapped_column(
        ForeignKey("notifications.id", ondelete="SET NULL"), index=True
    )
