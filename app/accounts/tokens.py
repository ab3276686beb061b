"""Single-use account tokens: password-reset and e-mail verification links.

A token is 32 random bytes (256 bits, ``secrets.token_urlsafe``) that exists only in the
e-mail; the database keeps its SHA-256 (a random token needs no slow hash: nothing short
can be guessed). A token serves one purpose, expires, and is used at most once: using it
is one conditional UPDATE (``used_at IS NULL``), so two requests racing with the same
link cannot both succeed.

Links carry the token in the query string (``?token=``), which the access log leaves out
(``gunicorn.conf.py``); every page is sent with ``Referrer-Policy: no-referrer``.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import CheckConstraint, ForeignKey, String, select, update
from sqlalchemy.orm import Mapped, mapped_column

from app.database import one_of
from app.extensions import db
from app.timeutil import utcnow

# Longer input is not a token of ours; refusing it early keeps hashing cheap.
MAX_TOKEN_LENGTH = 128


class Purpose(enum.StrEnum):
    PASSWORD_RESET = "password_reset"  # noqa: S105 (a purpose, not a secret)
    EMAIL_VERIFICATION = "email_verification"


class AccountToken(db.Model):
    __tablename__ = "account_tokens"
    __table_args__ = (CheckConstraint(one_of("purpose", Purpose), name="purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_token() -> tuple[str, str]:
    """A fresh random token and its digest (also used to do the same work for nobody)."""
    token = secrets.token_urlsafe(32)
    return token, digest(token)


def issue(user_id: int, purpose: Purpose, lifetime: timedelta) -> str:
    """Store a new token for ``user_id`` and return it (for the link; never stored)."""
    token, token_hash = new_token()
    now = utcnow()
    db.session.add(AccountToken(user_id=user_id, purpose=purpose.value, token_hash=token_hash,
                                created_at=now, expires_at=now + lifetime))
    db.session.flush()
    return token


def find_usable(token: str | None, purpose: Purpose, *, now: datetime | None = None) -> AccountToken | None:
    """The unused, unexpired record of ``token`` for ``purpose``; ``None`` otherwise."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    now = now or utcnow()
    return db.session.scalar(select(AccountToken).where(
        AccountToken.token_hash == digest(token), AccountToken.purpose == purpose.value,
        AccountToken.used_at.is_(None), AccountToken.expires_at > now,
    ))


def use(record: AccountToken) -> bool:
    """Mark ``record`` used; ``False`` when another request used it first."""
    now = utcnow()
    result = db.session.execute(
        update(AccountToken).where(AccountToken.id == record.id, AccountToken.used_at.is_(None))
        .values(used_at=now).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    record.used_at = now
    return True


def use_all(user_id: int, purpose: Purpose) -> int:
    """Mark every outstanding token of the user for ``purpose`` used (e.g. after a reset)."""
    return db.session.execute(
        update(AccountToken)
        .where(AccountToken.user_id == user_id, AccountToken.purpose == purpose.value,
               AccountToken.used_at.is_(None))
        .values(used_at=utcnow()).execution_options(synchronize_session=False)
    ).rowcount
