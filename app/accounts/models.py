"""User accounts and their server-side sessions."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.database import one_of
from app.extensions import db
from app.timeutil import utcnow


class Role(enum.StrEnum):
    ENTREPRENEUR = "entrepreneur"
    OFFICER = "officer"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


STAFF_ROLES = frozenset({Role.OFFICER, Role.SUPERVISOR, Role.ADMIN})
LOCALES = ("kk", "ru", "en")


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(one_of("role", Role), name="role"),
        CheckConstraint(one_of("locale", LOCALES), name="locale"),
        CheckConstraint("email = lower(email)", name="email_lower"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased: e-mail addresses are unique regardless of case.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(32))
    # Staff only: the job title printed under their name on the documents they sign.
    position: Mapped[str | None] = mapped_column(String(200))
    iin: Mapped[str | None] = mapped_column(String(12))
    locale: Mapped[str] = mapped_column(String(2), default="kk")
    role: Mapped[str] = mapped_column(String(16), default=Role.ENTREPRENEUR.value, index=True)
    active: Mapped[bool] = mapped_column(default=True)
    # When the owner proved the address is theirs (a verification or reset link); staff
    # accounts, made by an administrator, count as verified from the start.
    email_verified_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def is_staff(self) -> bool:
        return self.role in {r.value for r in STAFF_ROLES}

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class UserSession(db.Model):
    """One signed-in browser. The cookie carries a random token; only its hash is kept.

    Logging in opens a new record (so the session identifier is renewed at login);
    logging out or changing the password revokes records, after which a copied cookie
    no longer authenticates anyone.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Staff: when this session passed the second factor (NULL: only half signed in).
    second_factor_at: Mapped[datetime | None]
    # The last time the person proved who they are here (sign-in or step-up).
    authenticated_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
