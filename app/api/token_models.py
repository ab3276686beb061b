"""The tokens that systems of the department use to call the API's token operations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import utcnow


class ApiToken(db.Model):
    """One system's access: a name, its scopes and a term; only the SHA-256 of the secret is kept.

    The secret (``pbi_`` and 43 URL-safe characters, 256 random bits) is shown once when the
    token is created; ``prefix`` (its first 12 characters) is kept to tell tokens apart in
    lists and the audit log. ``revoked_at`` set: refused from then on. ``last_used_at``: the
    last request it authenticated (each one is also in the audit log, ``api.token_use``).
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(12))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(200))  # space-separated, e.g. "complaints:read statistics:read"
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime]  # naive UTC
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    last_used_at: Mapped[datetime | None]
