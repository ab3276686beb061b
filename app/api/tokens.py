"""API tokens: created (the secret shown once), authenticated, revoked; every use audited.

Decisions (README "API"):

- A token is ``pbi_`` and 43 URL-safe characters (256 random bits); only its SHA-256 is
  stored, so a copy of the database gives no usable token. It is found by that hash (an
  index lookup), so no comparison of secrets happens in Python.
- Every token has an end: at most :data:`MAX_DAYS` days (default :data:`DEFAULT_DAYS`).
  Expired and revoked tokens are refused the same way as unknown ones (401), and the
  refusal is audited (``api.token_refused``) for known tokens.
- Scopes: ``complaints:read`` (the queue's fields of complaints and their events, never a
  description or an identity), ``statistics:read`` (the staff statistics' figures).
- It is sent only as ``Authorization: Bearer …``; a token in the address is refused.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.api.token_models import ApiToken
from app.audit import services as audit
from app.extensions import db
from app.timeutil import utcnow

COMPLAINTS_READ = "complaints:read"
STATISTICS_READ = "statistics:read"
SCOPES = {
    COMPLAINTS_READ: _l("Complaints: the queue's fields and the events (never descriptions or identities)"),
    STATISTICS_READ: _l("Statistics: the staff figures for a period"),
}
DEFAULT_DAYS = 90
MAX_DAYS = 365
NAME_LENGTH = 100
PREFIX = "pbi_"
_SECRET_LENGTH = len(PREFIX) + 43


class TokenError(ValueError):
    """A token cannot be created or changed as asked; ``message`` is for the user."""

    def __init__(self, message) -> None:
        super().__init__(message)  # a lazy string: rendered where it is shown, in that language
        self.message = message


class TokenRefused(Exception):
    """The request's token does not authenticate (``reason``: missing, malformed, unknown, expired, revoked)."""

    def __init__(self, reason: str, token: ApiToken | None = None) -> None:
        super().__init__(reason)
        self.reason, self.token = reason, token


@dataclass(frozen=True)
class TokenView:
    id: int
    name: str
    prefix: str
    scopes: tuple[str, ...]
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None
    active: bool


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def scopes_of(token: ApiToken) -> frozenset[str]:
    return frozenset(token.scopes.split())


def label(token: ApiToken) -> str:
    """How the audit log names the token (never its secret)."""
    return f"api-token:{token.id}:{token.prefix}"


def create(*, name: str, scopes: Iterable[str], days: int = DEFAULT_DAYS, created_by=None) -> tuple[ApiToken, str]:
    """A new token and its secret (to show once); flushes, audits ``api.token_created``."""
    name = " ".join((name or "").split())
    chosen = sorted(set(scopes))
    if not name or len(name) > NAME_LENGTH:
        raise TokenError(_l("Name the token (at most %(length)s characters).", length=NAME_LENGTH))
    if not chosen or any(scope not in SCOPES for scope in chosen):
        raise TokenError(_l("Choose the token's scopes among: %(scopes)s.", scopes=", ".join(SCOPES)))
    if not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise TokenError(_l("A token is valid from 1 to %(days)s days.", days=MAX_DAYS))
    secret = PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    token = ApiToken(name=name, prefix=secret[:12], secret_hash=secret_hash(secret), scopes=" ".join(chosen),
                     created_at=now, expires_at=now + timedelta(days=days),
                     created_by_id=getattr(created_by, "id", None))
    db.session.add(token)
    db.session.flush()
    audit.record("api.token_created", **audit.actor_fields(created_by), subject_type="api_token",
                 subject_id=token.id, details={"name": name, "scopes": chosen, "prefix": token.prefix,
                                               "expires_at": token.expires_at})
    return token, secret


def revoke(token_id: int, *, revoked_by=None) -> ApiToken:
    """Revoke a token from now on (again: no change); flushes, audits ``api.token_revoked``."""
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise TokenError(_l("There is no such token."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        token.revoked_by_id = getattr(revoked_by, "id", None)
        db.session.flush()
        audit.record("api.token_revoked", **audit.actor_fields(revoked_by), subject_type="api_token",
                     subject_id=token.id, details={"name": token.name, "prefix": token.prefix})
    return token


def from_header(header: str | None) -> str:
    """The secret of an ``Authorization: Bearer`` header (TokenRefused: missing or malformed)."""
    if not header:
        raise TokenRefused("missing")
    scheme, _, secret = header.strip().partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret.startswith(PREFIX) or len(secret) != _SECRET_LENGTH:
        raise TokenRefused("malformed")
    return secret


def authenticate(secret: str, *, now: datetime | None = None) -> ApiToken:
    """The token whose secret this is, if it may be used now (TokenRefused otherwise)."""
    token = db.session.scalar(select(ApiToken).where(ApiToken.secret_hash == secret_hash(secret)))
    if token is None:
        raise TokenRefused("unknown")
    now = now or utcnow()
    if token.revoked_at is not None:
        raise TokenRefused("revoked", token)
    if token.expires_at <= now:
        raise TokenRefused("expired", token)
    return token


def record_use(token: ApiToken, *, operation: str, details: dict) -> None:
    """The audit entry of one authenticated request, and the token's last use (flushes)."""
    token.last_used_at = utcnow()
    audit.record("api.token_use", actor_id=None, actor_label=label(token), subject_type="api_token",
                 subject_id=token.id, details={"operation": operation, **details})


def record_refusal(token: ApiToken, *, operation: str, reason: str) -> None:
    audit.record("api.token_refused", actor_id=None, actor_label=label(token), subject_type="api_token",
                 subject_id=token.id, details={"operation": operation, "reason": reason})


def tokens() -> list[TokenView]:
    now = utcnow()
    rows = db.session.scalars(select(ApiToken).order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc()))
    return [TokenView(t.id, t.name, t.prefix, tuple(t.scopes.split()), t.created_at, t.expires_at, t.revoked_at,
                      t.last_used_at, t.revoked_at is None and t.expires_at > now) for t in rows]
