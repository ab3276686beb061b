"""Fixtures of the notification tests: the app with the notifications wired in, users, an SMTP sink.

The ``app`` fixture makes sure the package is wired in the way ``create_app`` does it
(models imported before ``db.create_all()``, then the blueprint, the CLI group and the
Jinja global), whether or not the factory already does so.
"""

from __future__ import annotations

import itertools
import socket
import socketserver
import threading
from dataclasses import dataclass, field

import pytest
from flask import render_template_string

from app import notifications
from app.accounts.guards import public, roles
from app.accounts.services import find_by_email
from app.extensions import db
from app.notifications import models as _models  # noqa: F401 (tables for db.create_all)
from app.notifications.cli import outbox_group
from app.notifications.views import bp
from tests.conftest import build_app
from tests.factories import add_user

_emails = itertools.count(1)


def wire(app):
    # Idempotent: once create_app registers them itself, this does nothing more.
    if bp.name not in app.blueprints:
        app.register_blueprint(bp)
    if outbox_group.name not in app.cli.commands:
        app.cli.add_command(outbox_group)
    notifications.init_app(app)

    # Pages that only show the Jinja global, signed in and anonymous.
    @app.route("/_test/unread")
    @roles()
    def test_unread():
        return render_template_string("{{ unread_notifications() }}")

    @app.route("/_test/unread-public")
    @public
    def test_unread_public():
        return render_template_string("{{ unread_notifications() }}")

    return app


@pytest.fixture
def app(tmp_path):
    app = wire(build_app(tmp_path))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def person(app):
    """Create a user (name, locale, active) and return its id."""

    def make(full_name: str = "Test User", *, locale: str = "kk", active: bool = True,
             email: str | None = None) -> int:
        email = email or f"person{next(_emails)}@example.kz"
        add_user(app, email=email, locale=locale, active=active)
        with app.app_context():
            user = find_by_email(email)
            user.full_name = full_name
            db.session.commit()
            return user.id

    return make


@pytest.fixture
def user_id_of(app):
    def lookup(email: str) -> int:
        with app.app_context():
            return find_by_email(email).id

    return lookup


# --- a real SMTP server, small enough to read: enough of RFC 5321 for smtplib ---------

@dataclass
class Received:
    mail_from: str
    rcpt_to: list[str]
    data: bytes


@dataclass
class SmtpSink:
    host: str
    port: int
    messages: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _SmtpHandler(socketserver.StreamRequestHandler):
    """Accepts everything except recipients whose address contains "refused" (550)."""

    def _reply(self, line: str) -> None:
        self.wfile.write(line.encode("ascii") + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        sink: SmtpSink = self.server.sink  # type: ignore[attr-defined]
        self._reply("220 sink.test ESMTP")
        mail_from: str | None = None
        rcpt_to: list[str] = []
        while True:
            raw = self.rfile.readline(65536)
            if not raw:
                return
            line = raw.decode("ascii", "replace").rstrip("\r\n")
            upper = line.upper()
            if upper.startswith(("EHLO", "HELO")):
                self._reply("250 sink.test")
            elif upper.startswith("MAIL FROM:"):
                mail_from, rcpt_to = line[10:].strip(), []
                self._reply("250 OK")
            elif upper.startswith("RCPT TO:"):
                address = line[8:].strip()
                if mail_from is None:
                    self._reply("503 MAIL first")
                elif "refused" in address:
                    self._reply("550 No such user here")
                else:
                    rcpt_to.append(address)
                    self._reply("250 OK")
            elif upper == "DATA":
                if not rcpt_to:
                    self._reply("503 RCPT first")
                    continue
                self._reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while True:
                    chunk = self.rfile.readline(65536)
                    if not chunk or chunk == b".\r\n":
                        break
                    lines.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                with sink.lock:
                    sink.messages.append(Received(mail_from or "", rcpt_to, b"".join(lines)))
                mail_from, rcpt_to = None, []
                self._reply("250 OK queued")
            elif upper == "RSET":
                mail_from, rcpt_to = None, []
                self._reply("250 OK")
            elif upper == "NOOP":
                self._reply("250 OK")
            elif upper == "QUIT":
                self._reply("221 Bye")
                return
            else:
                self._reply("502 Command not implemented")


class _SmtpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@pytest.fixture
def smtp_sink():
    server = _SmtpServer(("127.0.0.1", 0), _SmtpHandler)
    host, port = server.server_address[:2]
    server.sink = SmtpSink(host, port)  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server.sink  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def closed_port() -> int:
    """A local port with nothing listening on it: connections are refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
