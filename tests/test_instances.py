"""Real servers: gunicorn workers and instances share sign-in throttling and sessions.

Each test runs the project's own ``gunicorn --config gunicorn.conf.py`` on a free loopback
port, for an instance folder written here (``PBI_INSTANCE_PATH``). Nothing in the app is
mocked or instrumented: which worker answered is read from gunicorn's access log (its
``%(p)s`` atom, set on the command line), and every request opens a new connection
(``Connection: close``), so consecutive requests land on whichever worker accepts first.

- One server, 2 workers, the shipped default storage (``instance/ratelimits.sqlite``):
  failed sign-ins are refused at exactly the per-account limit.
- Two instances on different ports, one PostgreSQL database and one Redis (Debian's
  ``redis-server``, started here on a free port without persistence): a session made on
  one continues on the other, and the throttle counts across both
  (``RATELIMIT_STORAGE_URI=redis://…``). Without PostgreSQL or redis-server the test is
  skipped, except with ``CI=true``, where it fails.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import psycopg
import pytest
import redis

from app import create_app
from app.accounts import services as accounts
from app.accounts import two_factor
from app.accounts.models import Role
from app.config import ENV_SETTINGS, normalize_database_url
from app.extensions import db
from tests.factories import PASSWORD, TEST_TOTP_SECRET

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ACCOUNT_LIMIT = 5
ATTEMPTS = 20
MAX_ATTEMPTS = 300
WRONG_PASSWORD = "not-the-password-42"
# Settings of this process's environment that would override the instance under test.
_OVERRIDING = {*ENV_SETTINGS, "DATABASE_URL", "PBI_INSTANCE_PATH", "GUNICORN_CMD_ARGS", "WEB_CONCURRENCY",
               "PBI_THREADS"}


def _require(available: bool, reason: str) -> None:
    """Skip without a tool, except in CI (``CI=true``), which must run every test."""
    if available:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason + " — CI must run this test")
    pytest.skip(reason)


# --- an instance folder and its command line ---------------------------------------------

@dataclass
class Instance:
    path: Path
    env: dict[str, str]


def make_instance(path: Path, secret: str, **environment: str) -> Instance:
    """An instance folder with a config as ``init`` writes it (plus test-sized settings)."""
    path.mkdir(parents=True)
    settings = {
        "SECRET_KEY": secret,
        "PBI_ENV": "development",  # plain-HTTP session cookie on loopback
        "PBI_KEY_PASSPHRASE": "instance test key passphrase",
        # Cheap hashing keeps the test quick; the cost itself is tested in test_passwords.
        "PBI_ARGON2_TIME_COST": 1,
        "PBI_ARGON2_MEMORY_COST": 1024,
        "PBI_ARGON2_PARALLELISM": 1,
        "PBI_LOGIN_LIMIT_PER_ACCOUNT": f"{ACCOUNT_LIMIT} per 15 minutes",
        # Every request comes from 127.0.0.1: keep the per-address limit out of the way.
        "PBI_LOGIN_LIMIT_PER_IP": "1000 per 5 minutes",
    }
    (path / "config.py").write_text("".join(f"{key} = {value!r}\n" for key, value in settings.items()))
    env = {key: value for key, value in os.environ.items() if key not in _OVERRIDING}
    env.update(environment, PBI_INSTANCE_PATH=str(path))
    return Instance(path, env)


def flask_cli(instance: Instance, *args: str) -> str:
    result = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=instance.env,
        capture_output=True, text=True, timeout=180, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def create_officers(instance: Instance, *emails: str) -> None:
    """Officers with the password ``PASSWORD``, through the app's own service, in this process.

    (In-process to save a CLI start per account; ``flask users create`` is tested in test_cli.)
    """
    overrides = {"INSTANCE_PATH": str(instance.path)}
    if "DATABASE_URL" in instance.env:
        overrides["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(instance.env["DATABASE_URL"])
    app = create_app(overrides)
    with app.app_context():
        for email in emails:
            officer, _ = accounts.create_staff(email=email, role=Role.OFFICER, full_name="Test Officer",
                                               password=PASSWORD)
            two_factor.enrol_with_secret(officer, TEST_TOTP_SECRET)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


# --- gunicorn ----------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    port: int
    access_log: Path

    def answers(self) -> list[tuple[int, str, str, int]]:
        """(worker pid, method, path, status) of every request in the access log."""
        rows = []
        for line in self.access_log.read_text().splitlines():
            pid, method, path, status = line.split()
            rows.append((int(pid.strip("<>")), method, path, int(status)))
        return rows

    def sign_in_workers(self) -> set[int]:
        """The pids of the workers that have answered ``POST /login`` so far."""
        return {pid for pid, method, path, _ in self.answers() if (method, path) == ("POST", "/login")}


@contextlib.contextmanager
def gunicorn(instance: Instance, workers: int, logs: Path) -> Iterator[Server]:
    """The project's gunicorn settings with ``workers`` workers, for ``instance``.

    Only the bind address and the access log (file and format, to name the worker pid)
    are set here; the rest is ``gunicorn.conf.py``. Stopped with SIGTERM, by its pid.
    """
    port = free_port()
    logs.mkdir(parents=True, exist_ok=True)
    server = Server(port, logs / f"access-{port}.log")
    error_log = logs / f"gunicorn-{port}.log"
    command = [
        str(BIN / "gunicorn"), "--config", str(ROOT / "gunicorn.conf.py"), "--bind", f"127.0.0.1:{port}",
        "--access-logfile", str(server.access_log), "--access-logformat", "%(p)s %(m)s %(U)s %(s)s",
        "wsgi:app",
    ]
    env = {**instance.env, "WEB_CONCURRENCY": str(workers)}
    with open(error_log, "wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
        try:
            _wait_until_serving(process, server, error_log)
            yield server
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_serving(process: subprocess.Popen, server: Server, error_log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail("gunicorn exited:\n" + error_log.read_text(errors="replace")[-3000:])
        with contextlib.suppress(OSError):
            if Client(server.port).get("/healthz").status == 200:
                return
        time.sleep(0.25)
    pytest.fail("gunicorn did not answer /healthz within 90 s:\n" + error_log.read_text(errors="replace")[-3000:])


# --- a browser-like client: a new connection per request, cookies kept -------------------

@dataclass
class Response:
    status: int
    location: str
    text: str


@dataclass
class Client:
    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def at(self, port: int) -> Client:
        """The same browser (same cookies) talking to another server."""
        return Client(port, self.cookies)

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> Response:
        headers = {"Connection": "close"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers)
            raw = connection.getresponse()
            text = raw.read().decode("utf-8", "replace")
            for header in raw.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    if morsel["max-age"] == "0" or not morsel.value:
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
            return Response(raw.status, raw.getheader("Location", ""), text)
        finally:
            connection.close()

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, form: dict[str, str]) -> Response:
        return self.request("POST", path, form)

    def csrf_token(self, path: str) -> str:
        page = self.get(path)
        assert page.status == 200, page.status
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)
        assert match, "no CSRF token on " + path
        return match.group(1)

    def sign_in(self, email: str, password: str, token: str) -> int:
        """The password step; an officer's session then owes the code (:meth:`second_factor`)."""
        return self.post("/login", {"csrf_token": token, "email": email, "password": password}).status

    def second_factor(self) -> int:
        """Type the current code of :data:`TEST_TOTP_SECRET` (a fresh account: never used yet)."""
        code = two_factor.code_at(TEST_TOTP_SECRET, two_factor.current_step())
        return self.post("/sign-in/code", {"csrf_token": self.csrf_token("/sign-in/code"), "code": code}).status


# --- one server, several workers ----------------------------------------------------------

@contextlib.contextmanager
def background_load(port: int, clients: int = 4, limit: int = 2000) -> Iterator[None]:
    """Other users reading ``/healthz`` meanwhile (at most ``limit`` requests each).

    Sequential connections to an idle gunicorn tend to be accepted by the same worker
    every time; with the workers busy, whichever is free accepts, so the sign-ins spread.
    """
    stop = threading.Event()

    def read() -> None:
        client = Client(port)
        for _ in range(limit):
            if stop.is_set():
                return
            client.get("/healthz")

    threads = [threading.Thread(target=read) for _ in range(clients)]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=120)


def test_failed_sign_ins_are_throttled_exactly_across_workers(tmp_path):
    """2 workers × the default SQLite storage: the 6th failed sign-in is refused, on any worker.

    With per-worker counts (``memory://``), a worker that had seen fewer than 5 failures
    would answer 401 again (tried: 8 to 10 of 40 answers were 401, not 5). The attempts go
    on until both workers have answered some (at least ``ATTEMPTS``, at most
    ``MAX_ATTEMPTS``): then some worker saw fewer than 5 failures itself and still
    refused, so the exact sequence shows that the count is shared.
    """
    instance = make_instance(tmp_path / "instance", secrets.token_hex(32))
    flask_cli(instance, "db", "upgrade")
    target, other = "target@instances.pbi.kz", "other@instances.pbi.kz"
    create_officers(instance, target, other)
    with gunicorn(instance, workers=2, logs=tmp_path / "logs") as server:
        client = Client(server.port)
        token = client.csrf_token("/login")
        statuses: list[int] = []
        with background_load(server.port):  # one attempt at a time: the limit is exact
            while len(statuses) < MAX_ATTEMPTS and (len(statuses) < ATTEMPTS or len(server.sign_in_workers()) < 2):
                statuses.append(client.sign_in(target, WRONG_PASSWORD, token))
        workers = server.sign_in_workers()
        # While throttled, even the right password is refused for that account...
        throttled_right = client.sign_in(target, PASSWORD, token)
        # ... but the limit is per account: another one signs in from the same address.
        other_signs_in = client.sign_in(other, PASSWORD, token)
    assert len(workers) >= 2, f"only worker {workers} answered {len(statuses)} sign-ins: nothing was shown"
    assert statuses == [401] * ACCOUNT_LIMIT + [429] * (len(statuses) - ACCOUNT_LIMIT)
    assert (throttled_right, other_signs_in) == (429, 302)
    assert (instance.path / "ratelimits.sqlite").exists()


# --- two instances, one PostgreSQL, one Redis ---------------------------------------------

@contextlib.contextmanager
def redis_server(directory: Path) -> Iterator[str]:
    """Debian's redis-server on a free loopback port, no persistence; stopped by its pid."""
    binary = shutil.which("redis-server") or shutil.which("redis-server", path="/usr/bin:/usr/sbin")
    _require(binary is not None, "redis-server (Debian package) is needed; `make test` installs it as root")
    port = free_port()
    directory.mkdir(parents=True, exist_ok=True)
    log = directory / "redis.log"
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(directory), "--logfile", str(log)],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )
    uri = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                redis.Redis.from_url(uri).ping()
                break
            except redis.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("redis-server did not start: " + (log.read_text() if log.exists() else ""))
                time.sleep(0.1)
        yield uri
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """A throw-away database on the server in ``PBI_TEST_POSTGRES_URL`` (see postgres_app)."""
    url = os.environ.get("PBI_TEST_POSTGRES_URL", "")
    _require(bool(url), "set PBI_TEST_POSTGRES_URL to run the PostgreSQL tests (`make test` does, as root)")
    name = f"pbi_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.rpartition("/")[0].replace("postgresql://", "postgresql+psycopg://", 1) + "/" + name
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def test_two_instances_share_sessions_and_rate_limits(tmp_path):
    """Sign in through A, continue and sign out through B; throttling counts across both."""
    with postgres_database() as database_url, redis_server(tmp_path / "redis") as redis_uri:
        secret = secrets.token_hex(32)  # one secret for the deployment: both sign cookies alike
        shared = {"DATABASE_URL": database_url, "RATELIMIT_STORAGE_URI": redis_uri}
        first = make_instance(tmp_path / "a" / "instance", secret, **shared)
        second = make_instance(tmp_path / "b" / "instance", secret, **shared)
        flask_cli(first, "db", "upgrade")
        email = "officer@two.pbi.kz"
        create_officers(first, email)
        logs = tmp_path / "logs"
        with gunicorn(first, workers=1, logs=logs) as a, gunicorn(second, workers=1, logs=logs) as b:
            on_a = Client(a.port)
            assert on_a.sign_in(email, PASSWORD, on_a.csrf_token("/login")) == 302
            assert on_a.second_factor() == 302
            on_b = on_a.at(b.port)
            account = on_b.get("/account")
            assert account.status == 200 and email in account.text  # B knows the session made on A
            assert on_b.post("/logout", {"csrf_token": on_b.csrf_token("/account")}).status == 302
            assert on_a.get("/account").status == 302  # signed out on B means signed out on A

            target = "target@two.pbi.kz"
            attempts = [(a, Client(a.port)), (b, Client(b.port))]
            tokens = [client.csrf_token("/login") for _, client in attempts]
            statuses = []
            for index in range(ACCOUNT_LIMIT + 4):  # alternate: A, B, A, B, ...
                client, token = attempts[index % 2][1], tokens[index % 2]
                statuses.append(client.sign_in(target, WRONG_PASSWORD, token))
        assert statuses == [401] * ACCOUNT_LIMIT + [429] * 4
        assert redis.Redis.from_url(redis_uri).keys("LIMITS*"), "the counts were not kept in Redis"
        assert not (first.path / "ratelimits.sqlite").exists()
        for server in (a, b):  # each instance saw fewer failures than the limit on its own
            assert 0 < sum(1 for *_, path, status in server.answers() if status == 401) < ACCOUNT_LIMIT
