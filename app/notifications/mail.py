"""Sending the outbox: SMTP when ``PBI_SMTP_HOST`` is set, ``.eml`` files otherwise.

Settings (read from the app config, with these defaults):

``PBI_SMTP_HOST``       unset: no SMTP; each message is written to ``<instance>/outbox/``
``PBI_SMTP_PORT``       587
``PBI_SMTP_STARTTLS``   True (the certificate is verified; no fallback to plain text)
``PBI_SMTP_USER`` / ``PBI_SMTP_PASSWORD``  optional login
``PBI_MAIL_FROM``       no-reply@pbi.example.kz

Delivery is at least once, never "maybe": a message is marked sent in its own commit
right after the server (or the file system) accepted it, so a crash later in the run
does not send it again. No database transaction stays open while talking to the mail
server (on SQLite every transaction holds the write lock). A lock file keeps two runs
on one host from sending the same messages.
"""

from __future__ import annotations

import contextlib
import email.policy
import fcntl
import os
import smtplib
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path

from flask import current_app
from sqlalchemy import select, update

from app import transactions
from app.documents.storage import atomic_write
from app.extensions import db
from app.notifications.models import MAX_ATTEMPTS, OutboxMessage
from app.timeutil import utcnow

DEFAULT_FROM = "no-reply@pbi.example.kz"
SMTP_TIMEOUT = 30  # seconds
_MAX_ERROR = 2000


class OutboxBusy(RuntimeError):
    """Another ``send_pending`` is running on this host."""


class TransportUnavailable(Exception):
    """The mail server could not be reached or refused the session (not one message)."""


@dataclass(frozen=True)
class _Pending:
    id: int
    to_address: str
    subject: str
    body: str
    locale: str
    created_at: datetime


# Headers are not folded below RFC 5322's 998-character limit: Python's folding of RFC 2047
# encoded words can drop the space between an ASCII word and a Cyrillic one (e.g. a
# complaint number followed by Kazakh text). Our headers are short; the body is
# quoted-printable with its own 76-character lines.
MAIL_POLICY = email.policy.default.clone(max_line_length=998)


def build_message(pending: _Pending, sender: str) -> EmailMessage:
    """The RFC 5322 message: UTF-8 text, 7-bit safe, with the recipient's language declared."""
    message = EmailMessage(policy=MAIL_POLICY)
    message["From"] = sender
    message["To"] = pending.to_address
    message["Subject"] = pending.subject
    message["Date"] = format_datetime(pending.created_at.replace(tzinfo=UTC))
    # Stable across retries, so that a client can drop a duplicate.
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = f"<outbox.{pending.id}.{pending.created_at:%Y%m%d%H%M%S}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
    # Quoted-printable keeps the message 7-bit, whatever the server's extensions.
    message.set_content(pending.body, charset="utf-8", cte="quoted-printable")
    message["Content-Language"] = pending.locale  # after set_content, which clears Content-*
    return message


class FileTransport:
    """Development: each message becomes ``<instance>/outbox/<id>-<timestamp>.eml``."""

    def __init__(self, directory: Path):
        self.directory = directory

    def deliver(self, pending: _Pending, message: EmailMessage) -> None:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        stamp = utcnow().strftime("%Y%m%dT%H%M%S%fZ")
        # CRLF line ends, as RFC 5322 has them; 0600: the files name people.
        data = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
        atomic_write(self.directory / f"{pending.id}-{stamp}.eml", data)

    def close(self) -> None:
        pass


class SmtpTransport:
    """One connection for the run, opened on the first message, reopened if dropped."""

    def __init__(self, config):
        self.host = config["PBI_SMTP_HOST"]
        self.port = int(config.get("PBI_SMTP_PORT", 587))
        self.starttls = bool(config.get("PBI_SMTP_STARTTLS", True))
        self.user = config.get("PBI_SMTP_USER")
        self.password = config.get("PBI_SMTP_PASSWORD")
        self._connection: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        try:
            connection = smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT)
        except (OSError, smtplib.SMTPException) as exc:
            raise TransportUnavailable(_describe(exc)) from exc
        try:
            connection.ehlo()
            if self.starttls:
                connection.starttls(context=ssl.create_default_context())
                connection.ehlo()
            if self.user:
                connection.login(self.user, self.password or "")
        except (OSError, smtplib.SMTPException) as exc:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                connection.close()
            raise TransportUnavailable(_describe(exc)) from exc
        return connection

    def deliver(self, pending: _Pending, message: EmailMessage) -> None:
        if self._connection is None:
            self._connection = self._connect()
        try:
            self._connection.send_message(message)
        except (smtplib.SMTPServerDisconnected, OSError):
            self._drop()  # the next message reconnects
            raise

    def _drop(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self._connection.close()
        self._connection = None

    def close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self._connection.quit()
        self._drop()


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:_MAX_ERROR]


def outbox_directory() -> Path:
    return Path(current_app.instance_path) / "outbox"


def _transport():
    config = current_app.config
    if config.get("PBI_SMTP_HOST"):
        return SmtpTransport(config)
    if config.get("PBI_ENV") == "production" and not config.get("TESTING"):
        current_app.logger.warning("PBI_SMTP_HOST is not set: e-mails are written to %s, not sent",
                                   outbox_directory())
    return FileTransport(outbox_directory())


@contextlib.contextmanager
def _run_lock():
    """An exclusive, non-blocking lock on ``<instance>/outbox/.send.lock`` (held by the OS
    only while this process lives, so a crashed run never leaves it behind)."""
    directory = outbox_directory()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(directory / ".send.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutboxBusy("another outbox run is in progress") from None
        yield
    finally:
        os.close(fd)  # releases the lock


def _pending_batch(limit: int) -> list[_Pending]:
    rows = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.attempts < MAX_ATTEMPTS)
        .order_by(OutboxMessage.id).limit(limit)
    )
    batch = [_Pending(m.id, m.to_address, m.subject, m.body, m.locale, m.created_at) for m in rows]
    transactions.end_read()  # nothing slow runs inside a transaction
    return batch


def _mark_sent(message_id: int) -> None:
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.sent_at.is_(None))
        .values(sent_at=utcnow(), last_error=None)
    )
    transactions.commit()  # each delivery recorded at once, in a short transaction


def _mark_failed(message_id: int, error: str) -> None:
    db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id == message_id)
        .values(attempts=OutboxMessage.attempts + 1, last_error=error)
    )
    transactions.commit()


def send_pending(*, limit: int = 100) -> tuple[int, int]:
    """Send up to ``limit`` queued messages; returns ``(sent, failed)``. Commits.

    A failure adds one to the message's ``attempts`` and records ``last_error``; messages
    with ``MAX_ATTEMPTS`` failures are left alone. When the mail server cannot be
    reached at all, every message of the batch counts as failed without reconnecting for
    each one (a dead server costs one time-out per run, not one per message).
    Raises :class:`OutboxBusy` if another run holds the lock.
    """
    sender = current_app.config.get("PBI_MAIL_FROM") or DEFAULT_FROM
    sent = failed = 0
    with _run_lock():
        batch = _pending_batch(limit)
        if not batch:
            return 0, 0
        transport = _transport()
        unavailable: str | None = None
        try:
            for pending in batch:
                if unavailable is not None:
                    _mark_failed(pending.id, unavailable)
                    failed += 1
                    continue
                try:
                    transport.deliver(pending, build_message(pending, sender))
                except TransportUnavailable as exc:
                    unavailable = str(exc)
                    error = unavailable
                except (OSError, smtplib.SMTPException, ValueError) as exc:
                    error = _describe(exc)
                else:
                    _mark_sent(pending.id)
                    sent += 1
                    continue
                # The error text may name the recipient: it stays in the database, not the log.
                current_app.logger.warning("outbox message %s not sent (%s)", pending.id, error.partition(":")[0])
                _mark_failed(pending.id, error)
                failed += 1
        finally:
            transport.close()
    return sent, failed
