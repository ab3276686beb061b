"""Sending the outbox: .eml files in development, a real SMTP conversation otherwise, the CLI."""

from __future__ import annotations

import email
import email.policy
import fcntl
import os
import re
import stat
from email.utils import parsedate_to_datetime

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db
from app.notifications import mail, services
from app.notifications.models import MAX_ATTEMPTS, OutboxMessage

NUMBER = "PBI-C-2026-000123"
LINK = "/portal/complaints/12"
URL = "https://pbi.example.kz/portal/complaints/12"
EML_NAME = re.compile(r"(\d+)-\d{8}T\d{12}Z\.eml")


def queue(app, *people: int, kind: str = "message") -> list[int]:
    """Notify each person (by id) and return the ids of the queued e-mails."""
    with app.app_context():
        ids = []
        for uid in people:
            notification = services.notify(uid, kind, subject_number=NUMBER, link=LINK)
            ids.append(db.session.scalar(
                select(OutboxMessage.id).where(OutboxMessage.notification_id == notification.id)))
        db.session.commit()
        return ids


def outbox(app) -> dict[int, OutboxMessage]:
    with app.app_context():
        rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        db.session.expunge_all()
        return {row.id: row for row in rows}


def send(app, **kwargs) -> tuple[int, int]:
    with app.app_context():
        return mail.send_pending(**kwargs)


def emails_of(app, *people: int) -> list[str]:
    with app.app_context():
        return [db.session.get(User, uid).email for uid in people]


def eml_files(app) -> list[str]:
    directory = os.path.join(app.instance_path, "outbox")
    if not os.path.isdir(directory):
        return []
    return sorted(name for name in os.listdir(directory) if name.endswith(".eml"))


def test_development_writes_parseable_eml_files_once(app, person):
    aliya = person("Әлия Нұрланқызы", locale="kk")
    ivan = person("Иван Петров", locale="ru")
    ids = queue(app, aliya, ivan)
    addresses = emails_of(app, aliya, ivan)

    assert send(app) == (2, 0)

    files = eml_files(app)
    assert len(files) == 2
    assert sorted(int(EML_NAME.fullmatch(name).group(1)) for name in files) == ids
    directory = os.path.join(app.instance_path, "outbox")
    assert not [name for name in os.listdir(directory) if name.endswith(".tmp")]
    stored = outbox(app)
    for name in files:
        path = os.path.join(directory, name)
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600  # the files name people
        with open(path, "rb") as handle:
            raw = handle.read()
        raw.decode("ascii")  # 7-bit clean: the UTF-8 text is encoded
        assert b"\r\n" in raw
        message = email.message_from_bytes(raw, policy=email.policy.default)
        row = stored[int(EML_NAME.fullmatch(name).group(1))]
        assert message["From"] == "no-reply@pbi.example.kz"
        assert message["To"] == row.to_address and row.to_address in addresses
        assert message["Subject"] == row.subject and NUMBER in message["Subject"]
        assert message["Content-Language"] == row.locale
        assert message["Auto-Submitted"] == "auto-generated"
        assert re.fullmatch(r"<[^<>@\s]+@pbi\.example\.kz>", message["Message-ID"])
        assert parsedate_to_datetime(message["Date"]).tzinfo is not None
        assert message.get_content_type() == "text/plain"
        assert message.get_content_charset() == "utf-8"
        body = message.get_content()
        assert body.replace("\r\n", "\n") == row.body
        assert URL in body and NUMBER in body
    bodies = " ".join(row.body for row in stored.values())
    assert "Әлия Нұрланқызы" in bodies and "Иван Петров" in bodies
    assert {row.locale for row in stored.values()} == {"kk", "ru"}
    assert all(row.sent_at is not None and row.attempts == 0 for row in stored.values())

    # A second run finds nothing to send and writes nothing.
    assert send(app) == (0, 0)
    assert eml_files(app) == files


def test_limit_bounds_one_run(app, person):
    queue(app, person(), person(), person())
    assert send(app, limit=2) == (2, 0)
    assert send(app, limit=2) == (1, 0)
    assert len(eml_files(app)) == 3


def test_a_crash_mid_run_never_resends_what_was_delivered(app, person, monkeypatch):
    first, second = queue(app, person(), person())
    real_deliver = mail.FileTransport.deliver

    def deliver_then_crash(self, pending, message):
        if pending.id == second:
            raise SystemExit("killed")  # not a delivery error: the process dies here
        real_deliver(self, pending, message)

    monkeypatch.setattr(mail.FileTransport, "deliver", deliver_then_crash)
    with pytest.raises(SystemExit):
        send(app)
    stored = outbox(app)
    assert stored[first].sent_at is not None
    assert stored[second].sent_at is None and stored[second].attempts == 0

    monkeypatch.setattr(mail.FileTransport, "deliver", real_deliver)
    assert send(app) == (1, 0)
    assert [int(EML_NAME.fullmatch(name).group(1)) for name in eml_files(app)] == [first, second]


def test_smtp_delivers_to_a_real_server(app, person, smtp_sink):
    app.config.update(PBI_SMTP_HOST=smtp_sink.host, PBI_SMTP_PORT=smtp_sink.port, PBI_SMTP_STARTTLS=False,
                      PBI_MAIL_FROM="PBI Registry <notify@pbi.example.kz>")
    aliya, ivan = person("Әлия Нұрланқызы", locale="kk"), person("Иван Петров", locale="ru")
    queue(app, aliya, ivan)
    addresses = emails_of(app, aliya, ivan)

    assert send(app) == (2, 0)

    assert len(smtp_sink.messages) == 2
    for received, address in zip(smtp_sink.messages, addresses, strict=True):
        assert received.mail_from == "<notify@pbi.example.kz>"
        assert received.rcpt_to == [f"<{address}>"]
        received.data.decode("ascii")  # 7-bit on the wire
        message = email.message_from_bytes(received.data, policy=email.policy.default)
        assert message["To"] == address
        assert message["From"].addresses[0].addr_spec == "notify@pbi.example.kz"
        assert URL in message.get_content()
    assert "Әлия Нұрланқызы" in email.message_from_bytes(
        smtp_sink.messages[0].data, policy=email.policy.default).get_content()
    assert all(row.sent_at is not None for row in outbox(app).values())
    assert eml_files(app) == []  # SMTP, not files

    assert send(app) == (0, 0)
    assert len(smtp_sink.messages) == 2


def test_smtp_refused_recipient_fails_alone(app, person, smtp_sink):
    app.config.update(PBI_SMTP_HOST=smtp_sink.host, PBI_SMTP_PORT=smtp_sink.port, PBI_SMTP_STARTTLS=False)
    good, bad, later = queue(app, person(), person(email="refused@example.kz"), person())

    assert send(app) == (2, 1)

    stored = outbox(app)
    assert stored[good].sent_at is not None and stored[later].sent_at is not None
    assert stored[bad].sent_at is None
    assert stored[bad].attempts == 1
    assert "SMTPRecipientsRefused" in stored[bad].last_error and "550" in stored[bad].last_error
    assert len(smtp_sink.messages) == 2


def test_smtp_server_down_counts_failures_and_gives_up_after_max_attempts(app, person, closed_port):
    app.config.update(PBI_SMTP_HOST="127.0.0.1", PBI_SMTP_PORT=closed_port, PBI_SMTP_STARTTLS=False)
    first, second = queue(app, person(), person())

    assert send(app) == (0, 2)
    stored = outbox(app)
    for message_id in (first, second):
        assert stored[message_id].sent_at is None
        assert stored[message_id].attempts == 1
        assert "ConnectionRefusedError" in stored[message_id].last_error

    for _ in range(MAX_ATTEMPTS - 1):
        assert send(app) == (0, 2)
    assert all(row.attempts == MAX_ATTEMPTS for row in outbox(app).values())
    assert send(app) == (0, 0)  # no longer tried
    assert all(row.attempts == MAX_ATTEMPTS and row.sent_at is None for row in outbox(app).values())


def test_smtp_starttls_is_required_by_default(app, person, smtp_sink):
    """The sink offers no STARTTLS: with the default setting nothing goes out in clear text."""
    app.config.update(PBI_SMTP_HOST=smtp_sink.host, PBI_SMTP_PORT=smtp_sink.port)
    [message_id] = queue(app, person())
    assert send(app) == (0, 1)
    assert "STARTTLS" in outbox(app)[message_id].last_error
    assert smtp_sink.messages == []


def test_a_concurrent_run_is_refused(app, person):
    queue(app, person())
    directory = os.path.join(app.instance_path, "outbox")
    os.makedirs(directory, exist_ok=True)
    fd = os.open(os.path.join(directory, ".send.lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(mail.OutboxBusy):
            send(app)
    finally:
        os.close(fd)
    assert send(app) == (1, 0)


# --- the command -------------------------------------------------------------------

def test_cli_send_reports_and_exits_zero(app, runner, person):
    queue(app, person(), person())
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "sent 2, failed 0"
    again = runner.invoke(args=["outbox", "send"])
    assert (again.exit_code, again.output.strip()) == (0, "sent 0, failed 0")


def test_cli_send_exits_one_when_something_failed(app, runner, person, closed_port):
    app.config.update(PBI_SMTP_HOST="127.0.0.1", PBI_SMTP_PORT=closed_port, PBI_SMTP_STARTTLS=False)
    queue(app, person())
    result = runner.invoke(args=["outbox", "send", "--limit", "10"])
    assert result.exit_code == 1
    assert result.output.strip() == "sent 0, failed 1"


def test_cli_send_when_another_run_holds_the_lock(app, runner, person):
    queue(app, person())
    directory = os.path.join(app.instance_path, "outbox")
    os.makedirs(directory, exist_ok=True)
    fd = os.open(os.path.join(directory, ".send.lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = runner.invoke(args=["outbox", "send"])
    finally:
        os.close(fd)
    assert result.exit_code == 0
    assert "another" in result.output


@pytest.mark.parametrize("subject", [
    "БИҚ тізілімі: PBI-C-2026-000001 шағым бойынша жаңа ақпарат",
    "Реестр ЗБИ: PBI-C-2026-000123 обновление по жалобе (PBI-C-2026-000123) и ещё несколько слов для длины",
    "PBI Registry: update on PBI-C-2026-000001",
])
def test_subjects_survive_encoding_word_for_word(subject):
    """Python's default header folding can drop a space between ASCII and Cyrillic words."""
    from datetime import datetime

    pending = mail._Pending(1, "a@example.kz", subject, "Сәлеметсіз бе.", "kk", datetime(2026, 11, 27, 10, 0))
    wire = mail.build_message(pending, "no-reply@pbi.example.kz").as_bytes()
    assert wire.isascii()
    assert email.message_from_bytes(wire, policy=email.policy.default)["Subject"] == subject
