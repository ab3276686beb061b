"""Server-side session records (see :class:`UserSession`).

The browser's signed cookie holds a random token; the database holds its SHA-256. A
session is valid while its record is not revoked, younger than the absolute lifetime and
seen within the idle timeout.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.sql import Executable

from app.accounts.models import UserSession
from app.extensions import db
from app.timeutil import utcnow

# last_seen_at is written at most this often, not on every request.
_TOUCH_INTERVAL = timedelta(minutes=1)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def open_session(user_id: int, *, second_factor: bool = False) -> str:
    """Create a session record and return the token for the cookie."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(UserSession(user_id=user_id, token_hash=_digest(token), authenticated_at=now,
                               second_factor_at=now if second_factor else None))
    db.session.flush()
    return token


def _live(token: str):
    return update(UserSession).where(UserSession.token_hash == _digest(token), UserSession.revoked_at.is_(None))


def mark_authenticated(token: str) -> None:
    """The person has just proved who they are again in this session (step-up)."""
    db.session.execute(_live(token).values(authenticated_at=utcnow())
                       .execution_options(synchronize_session=False))


def find_valid(
    user_id: int, token: str, *, lifetime: timedelta, idle: timedelta, now: datetime | None = None
) -> tuple[UserSession | None, Executable | None]:
    """The live session record for this user and token (else ``None``), and what to write.

    Nothing is changed here (the request may be a plain read): the second value is the
    bookkeeping statement to run after the request — "last seen" at most once a
    minute, or the revocation of an expired record — or ``None``.
    """
    if not token:
        return None, None
    now = now or utcnow()
    record = db.session.scalar(
        select(UserSession).where(
            UserSession.token_hash == _digest(token),
            UserSession.user_id == user_id,
            UserSession.revoked_at.is_(None),
        )
    )
    if record is None:
        return None, None
    by_id = update(UserSession).where(UserSession.id == record.id)
    if now - record.created_at > lifetime or now - record.last_seen_at > idle:
        return None, by_id.where(UserSession.revoked_at.is_(None)).values(revoked_at=now)
    if now - record.last_seen_at > _TOUCH_INTERVAL:
        return record, by_id.where(UserSession.last_seen_at < now).values(last_seen_at=now)
    return record, None


def revoke(token: str) -> None:
    db.session.execute(
        update(UserSession)
        .where(UserSession.token_hash == _digest(token), UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def revoke_all(user_id: int, *, except_token: str | None = None) -> int:
    """Revoke every live session of the user (but ``except_token``'s); return the count."""
    query = update(UserSession).where(
        UserSession.user_id == user_id, UserSession.revoked_at.is_(None)
    )
    if except_token:
        query = query.where(UserSession.token_hash != _digest(except_token))
    return db.session.execute(query.values(revoked_at=utcnow())).rowcount
