"""Server hygiene (app.hygiene): escaped log lines, correlation ids, private files, no leaks."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import signal
import socket
import stat
import subprocess
import sys

from flask import abort
from sqlalchemy import func, select

from app.accounts.guards import public
from app.accounts.models import Role
from app.complaints.models import Complaint
from app.extensions import db
from app.hygiene import escape_controls, restrict_instance
from tests.factories import PASSWORD, complaint_form, make_business
from tests.test_instances import ROOT, Server, _wait_until_serving, flask_cli, free_port, make_instance

FORGED = "\r\n127.0.0.1 \"GET /admin\" 200\x00\x1b[31m\x85"


def test_escape_controls_makes_every_control_character_visible():
    assert escape_controls("plain текст") == "plain текст"
    escaped = escape_controls(FORGED)
    assert escaped.startswith("\\r\\n127.0.0.1") and "\\x00\\x1b[31m\\x85" in escaped
    assert not re.search("[\x00-\x1f\x7f-\x9f]", escaped)


def test_app_log_lines_are_escaped_and_carry_the_request_id(app, caplog):
    with app.test_request_context("/"), caplog.at_level(logging.INFO):
        app.logger.warning("path was %s", FORGED)
        from app.hygiene import request_id
        rid = request_id()
    (record,) = [r for r in caplog.records if "path was" in r.getMessage()]
    line = record.getMessage()
    assert "\r" not in line and "\n" not in line and "\x00" not in line
    assert line == f"[{rid}] path was " + escape_controls(FORGED)


def test_error_pages_carry_the_correlation_id_that_is_in_the_log(app, client, caplog):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the error handler answers

    @app.route("/boom")
    @public
    def boom():
        raise RuntimeError("SELECT secret_column FROM users WHERE password = 'hunter2' /srv/pbi/app.py")

    @app.route("/forbidden")
    @public
    def forbidden():
        abort(403)

    with caplog.at_level(logging.ERROR):
        response = client.get("/boom?lang=en")
    assert response.status_code == 500
    rid = response.headers["X-Request-Id"]
    html = response.get_data(as_text=True)
    assert f"Reference: {rid}" in html
    for leak in ("Traceback", "SELECT", "hunter2", "/srv/pbi", "RuntimeError", "app.py", "secret_column"):
        assert leak not in html
    assert any(rid in record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR)
    other = client.get("/forbidden")
    assert other.headers["X-Request-Id"] != rid and other.headers["X-Request-Id"] in other.get_data(as_text=True)
    api = client.get("/api/v1/verify/NOPE")
    assert re.fullmatch(r"[0-9a-f]{16}", api.headers["X-Request-Id"])


def test_a_client_cannot_choose_its_request_id(client):
    response = client.get("/healthz", headers={"X-Request-Id": "forged<id>"})
    assert re.fullmatch(r"[0-9a-f]{16}", response.headers["X-Request-Id"])


def test_instance_folder_is_private_and_files_are_created_0600(app, tmp_path):
    instance = tmp_path / "instance"
    assert stat.S_IMODE(instance.stat().st_mode) == 0o700
    assert os.umask(0o077) == 0o077  # set by the app factory
    made = instance / "new-file"
    made.write_bytes(b"x")
    assert stat.S_IMODE(made.stat().st_mode) == 0o600


def test_restrict_instance_fixes_files_made_before(tmp_path):
    folder = tmp_path / "old"
    (folder / "keys").mkdir(parents=True)
    (folder / "app.db").write_bytes(b"x")
    (folder / "keys" / "signing.key").write_bytes(b"k")
    for path, mode in ((folder, 0o755), (folder / "keys", 0o755), (folder / "app.db", 0o644),
                       (folder / "keys" / "signing.key", 0o644)):
        os.chmod(path, mode)
    assert restrict_instance(str(folder)) == 4
    assert {stat.S_IMODE(p.stat().st_mode) for p in (folder, folder / "keys")} == {0o700}
    assert {stat.S_IMODE(p.stat().st_mode) for p in (folder / "app.db", folder / "keys" / "signing.key")} == {0o600}
    assert restrict_instance(str(folder)) == 0


def test_a_full_scenario_leaves_no_secret_in_the_logs(app, keys, client, signed_in, caplog):
    """Register, file a complaint with text, staff review: no text, password or token in any log line."""
    secret_text = "Маман 777 000 теңге талап етті, куәгер Ерлан Сапаров, кабинет 214 хабарлама"
    new_password = "Unique-Pass-For-Log-Test-91"
    with caplog.at_level(logging.DEBUG):
        registered = client.post("/register", data={
            "full_name": "Лог Тест", "email": "log.test@example.kz", "phone": "+77011112233",
            "password": new_password, "password_repeat": new_password, "iin": "", "consent": "y"})
        assert registered.status_code == 302, registered.get_data(as_text=True)[-2000:]
        client.post("/logout")
        email = signed_in()
        business_id = make_business(app, email)
        filed = client.post("/portal/complaints/new", data=complaint_form(business_id, description=secret_text))
        assert filed.status_code == 302 and "/portal/complaints/" in filed.headers["Location"], filed.headers
        cookie = client.get_cookie("pbi_session")
        client.post("/logout")
        signed_in(Role.OFFICER)
        with app.app_context():
            complaint_id = db.session.scalar(select(func.max(Complaint.id)))
        page = client.get(f"/staff/complaints/{complaint_id}")
        assert secret_text in page.get_data(as_text=True)
        client.post(f"/staff/complaints/{complaint_id}/take")
        client.post(f"/staff/complaints/{complaint_id}/notes", data={"comment": secret_text})
        client.get(f"/staff/complaints?q={secret_text[:20]}")
    lines = [record.getMessage() + (record.exc_text or "") for record in caplog.records]
    assert lines, "the scenario logged nothing at all: the capture is not working"
    for secret in (secret_text, secret_text[:20], new_password, PASSWORD, cookie.value if cookie else "-"):
        assert not [line for line in lines if secret in line], secret


@contextlib.contextmanager
def shipped_gunicorn(instance, logs):
    """gunicorn with ``gunicorn.conf.py`` as shipped (its access-log format too), 2 workers."""
    port = free_port()
    logs.mkdir(parents=True, exist_ok=True)
    server = Server(port, logs / "access.log")
    error_log = logs / "gunicorn.log"
    command = [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py"),
               "--bind", f"127.0.0.1:{port}", "--access-logfile", str(server.access_log), "wsgi:app"]
    with open(error_log, "wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, env={**instance.env, "WEB_CONCURRENCY": "2"},
                                   stdout=output, stderr=subprocess.STDOUT)
        try:
            _wait_until_serving(process, server, error_log)
            yield server
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=40)


def test_the_access_log_of_real_gunicorn_escapes_the_path_and_names_the_request(tmp_path):
    """CR/LF/NUL in the path arrive decoded in gunicorn's ``%(U)s``: written escaped, one line."""
    instance = make_instance(tmp_path / "instance", os.urandom(32).hex())
    flask_cli(instance, "db", "upgrade")
    with shipped_gunicorn(instance, tmp_path / "logs") as server, \
            socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(b"GET /x%0d%0a127.0.0.1%20%22GET%20/forged%22%20200%00 HTTP/1.1\r\n"
                     b"Host: localhost\r\nConnection: close\r\n\r\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head = answer.decode("latin-1")
    assert head.startswith("HTTP/1.1 404")
    rid = re.search(r"X-Request-Id: ([0-9a-f]+)", head).group(1)
    log = server.access_log.read_text(errors="replace")
    (line,) = [line for line in log.splitlines() if "/x" in line]
    assert '\\r\\n127.0.0.1 "GET /forged" 200\\x00' in line.replace('\\"', '"')
    assert line.endswith(rid)
    assert not [row for row in log.splitlines() if row.startswith("127.0.0.1 \"GET /forged")]
    assert stat.S_IMODE((instance.path).stat().st_mode) == 0o700
    assert {stat.S_IMODE(p.stat().st_mode) & 0o077 for p in instance.path.rglob("*") if p.is_file()} == {0}

