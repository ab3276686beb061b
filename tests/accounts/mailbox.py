"""Reading the e-mail outbox in account tests: the messages queued to an address, and links."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from app.extensions import db
from app.notifications.models import OutboxMessage

_LINK = re.compile(r"https?://\S+")


def messages_to(app, address: str) -> list[OutboxMessage]:
    with app.app_context():
        rows = list(db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.to_address == address).order_by(OutboxMessage.id)))
        db.session.expunge_all()
        return rows


def token_in(body: str, path: str) -> str:
    """The ``token`` of the link to ``path`` in an e-mail body."""
    for url in _LINK.findall(body):
        parts = urlsplit(url)
        if parts.path == path:
            return parse_qs(parts.query)["token"][0]
    raise AssertionError(f"no link to {path} in: {body}")


def last_token(app, address: str, path: str) -> str:
    return token_in(messages_to(app, address)[-1].body, path)
