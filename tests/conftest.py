"""Shared fixtures: ``app``, ``client``, ``runner``, user factories and an auth helper.

The database backend of every app the tests build comes from ``PBI_TEST_BACKEND``:

- ``sqlite`` (default): a file in the test's ``tmp_path``.
- ``postgresql``: a throw-away database on the server in ``PBI_TEST_POSTGRES_URL``
  (``make test`` starts a local cluster and sets it). The schema is built once per
  session from the current models (``db.create_all()``) into a template database
  ``pbi_tmpl_<random>``; each test's databases are ``CREATE DATABASE … TEMPLATE`` copies,
  dropped after the test; the template is dropped at the end of the session. Nothing is
  kept between runs, so new columns, indexes and triggers are always in the template.

``postgres_app`` gives a PostgreSQL app whatever the backend (the tests that always need
a real server); on the SQLite pass it skips without a server, except in CI.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
import pytest
from flask import session
from flask_babel import gettext

from app import create_app
from app.accounts.models import Role
from app.config import normalize_database_url
from app.documents.runtime import keystore
from app.extensions import db
from tests.factories import PASSWORD, Parties, add_user, make_association, sign_in


def base_config(tmp_path) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-" + "x" * 40,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'test.db'}",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        # Cheap hashing keeps the suite fast; production cost is tested in test_passwords.
        "PBI_ARGON2_TIME_COST": 1,
        "PBI_ARGON2_MEMORY_COST": 1024,
        "PBI_ARGON2_PARALLELISM": 1,
        "PBI_KEY_PASSPHRASE": "test key passphrase",
        "PBI_PUBLIC_URL": "https://pbi.example.kz",
    }


BACKENDS = ("sqlite", "postgresql")
BACKEND = os.environ.get("PBI_TEST_BACKEND", "sqlite").strip().lower() or "sqlite"
POSTGRES_REASON = "set PBI_TEST_POSTGRES_URL to run the PostgreSQL tests (`make test` does, as root)"


def _postgres_server_url() -> str | None:
    return os.environ.get("PBI_TEST_POSTGRES_URL") or None


class PostgresDatabases:
    """Throw-away databases on the test server, copied from a per-session template."""

    def __init__(self, server_url: str):
        self.server_url = server_url  # the maintenance database, e.g. .../postgres
        self.template: str | None = None
        self._admin: psycopg.Connection | None = None
        self._session: list[str] = []  # made outside a test (module/session fixtures)
        self._test: list[str] | None = None  # made during the running test
        self._apps: list = []
        self.made = 0  # databases created this session
        self.seconds = 0.0  # spent creating and dropping them

    def url_of(self, name: str) -> str:
        return normalize_database_url(f"{self.server_url.rpartition('/')[0]}/{name}")

    def _execute(self, sql: str) -> None:
        if self._admin is None or self._admin.closed:
            self._admin = psycopg.connect(self.server_url, autocommit=True)
        started = time.perf_counter()
        self._admin.execute(sql)
        self.seconds += time.perf_counter() - started

    def _build_template(self) -> str:
        """The current models' schema (tables, indexes, DDL events, triggers), built now."""
        name = f"pbi_tmpl_{uuid.uuid4().hex[:12]}"
        self._execute(f'CREATE DATABASE "{name}"')
        self.template = name
        with tempfile.TemporaryDirectory(prefix="pbi-tmpl-") as folder:
            app = create_app({**base_config(Path(folder)), "SQLALCHEMY_DATABASE_URI": self.url_of(name)})
            with app.app_context():
                db.create_all()
                db.session.remove()
                db.engine.dispose()  # a template must have no connections when it is copied
        return name

    def create(self, *, empty: bool = False) -> str:
        """A new database (a copy of the template, or ``empty``); its SQLAlchemy URL."""
        template = "template0" if empty else (self.template or self._build_template())
        name = f"pbi_test_{uuid.uuid4().hex[:12]}"
        self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        self.made += 1
        (self._session if self._test is None else self._test).append(name)
        return self.url_of(name)

    def track(self, app) -> None:
        """Dispose ``app``'s engine before the test's databases are dropped."""
        if self._test is not None:
            self._apps.append(app)

    def begin_test(self) -> None:
        self._test, self._apps = [], []

    def end_test(self) -> None:
        names, apps = self._test or [], self._apps
        self._test, self._apps = None, []
        for app in apps:
            with contextlib.suppress(Exception), app.app_context():
                db.session.remove()
                db.engine.dispose()
        self._drop(names)

    def close(self) -> None:
        self._drop(self._session + ([self.template] if self.template else []))
        self._session, self.template = [], None
        if self._admin is not None:
            self._admin.close()

    def _drop(self, names) -> None:
        for name in names:
            self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


_databases: PostgresDatabases | None = None


def postgres_databases() -> PostgresDatabases:
    """The session's database maker; skips (fails in CI) without ``PBI_TEST_POSTGRES_URL``."""
    global _databases
    url = _postgres_server_url()
    if not url:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(POSTGRES_REASON + " — CI must run them")
        pytest.skip(POSTGRES_REASON)
    if _databases is None or _databases.server_url != url:
        _databases = PostgresDatabases(url)
    return _databases


def pytest_configure(config) -> None:
    if BACKEND not in BACKENDS:
        raise pytest.UsageError(f"PBI_TEST_BACKEND must be one of {', '.join(BACKENDS)}, not {BACKEND!r}")
    if BACKEND == "postgresql" and not _postgres_server_url():
        raise pytest.UsageError("PBI_TEST_BACKEND=postgresql needs PBI_TEST_POSTGRES_URL (a server where "
                                "the tests may create databases; `sh scripts/test-postgres.sh` prints one)")


def pytest_report_header(config) -> str:
    return f"database backend: {BACKEND}"


_PROOF_LINES: list[str] = []


def proof(line: str) -> None:
    """Print ``line`` (a proof's figure) in the run's summary, after the backend line."""
    _PROOF_LINES.append(line)


# Databases made and seconds spent by the pytest-xdist workers (added up by the controller).
_WORKERS_DATABASES = {"made": 0, "seconds": 0.0}


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    made_count = (_databases.made if _databases else 0) + _WORKERS_DATABASES["made"]
    seconds = (_databases.seconds if _databases else 0.0) + _WORKERS_DATABASES["seconds"]
    made = ""
    if made_count:
        plural = "" if made_count == 1 else "s"
        made = f" ({made_count} database{plural}, {seconds:.0f} s creating and dropping them)"
    terminalreporter.write_sep("-", f"database backend: {BACKEND}{made}")
    for line in _PROOF_LINES:
        terminalreporter.write_line(line)


def pytest_sessionfinish(session, exitstatus) -> None:
    if _databases is not None:
        _databases.close()
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # a pytest-xdist worker: the controller prints its lines
        workeroutput["pbi_proof_lines"] = list(_PROOF_LINES)
        workeroutput["pbi_databases"] = {"made": _databases.made if _databases else 0,
                                         "seconds": _databases.seconds if _databases else 0.0}


# Under pytest-xdist (``make test`` runs two workers) each test file goes to one worker, except
# these: they run real servers that take every core, or bound a wall-clock time, so they run
# one after the other on one worker (never two at once), and first, as they are the longest.
SERIAL_FILES = (
    "tests/test_concurrency_proof.py", "tests/test_crash_proof.py", "tests/test_bench_load.py",
    "tests/test_instances.py", "tests/test_transactions.py", "tests/documents/test_hostile_pdfs.py",
    "tests/documents/test_hostile_server.py",
)
SERIAL_GROUP = "serial: servers and wall-clock bounds"


def _file_of(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def pytest_collection_modifyitems(session, config, items) -> None:
    """The serial files first (a stable sort: the order within each part is kept)."""
    items.sort(key=lambda item: _file_of(item.nodeid) not in SERIAL_FILES)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """pytest-xdist: whole files per worker, the :data:`SERIAL_FILES` together as one unit."""
    from xdist.scheduler import LoadScopeScheduling

    class FilesAndSerialGroup(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = _file_of(nodeid)
            return SERIAL_GROUP if path in SERIAL_FILES else path

    config.option.loadscopereorder = False  # the collection's order (the serial unit first), not by size
    return FilesAndSerialGroup(config, log)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    """pytest-xdist's controller: take a finished worker's proof lines and database counts."""
    output = getattr(node, "workeroutput", {})
    _PROOF_LINES.extend(output.get("pbi_proof_lines", ()))
    for name, value in output.get("pbi_databases", {}).items():
        _WORKERS_DATABASES[name] += value


@pytest.fixture(autouse=True)
def _throw_away_databases():
    """Drop the PostgreSQL databases made during a test after it (no-op otherwise)."""
    if _databases is None and not _postgres_server_url():
        yield
        return
    databases = postgres_databases()
    databases.begin_test()
    try:
        yield
    finally:
        databases.end_test()


def sqlite_only(reason: str):
    """Mark a test that is about SQLite itself (WAL, the database file): skipped on PostgreSQL."""
    return pytest.mark.skipif(BACKEND != "sqlite", reason=f"SQLite only: {reason}")


def database_uri(tmp_path, *, empty: bool = False) -> str:
    """A database for one app on the selected backend (``empty``: no schema yet)."""
    if BACKEND == "postgresql":
        return postgres_databases().create(empty=empty)
    return base_config(tmp_path)["SQLALCHEMY_DATABASE_URI"]


def build_app(tmp_path, **overrides):
    """An app with its schema, on the selected backend unless ``overrides`` name a database."""
    config = {**base_config(tmp_path), **overrides}
    on_postgres = BACKEND == "postgresql" and "SQLALCHEMY_DATABASE_URI" not in overrides
    if on_postgres:  # a copy of the template: the schema is there already
        config["SQLALCHEMY_DATABASE_URI"] = postgres_databases().create()
    app = create_app(config)
    if on_postgres:
        postgres_databases().track(app)
    else:
        with app.app_context():
            db.create_all()
    return app


@pytest.fixture
def app(tmp_path):
    app = build_app(tmp_path)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def keys(app):
    """The department's keys, created for this test's instance folder."""
    with app.app_context():
        store = keystore()
        store.initialize()
    return store


@pytest.fixture
def parties(app, keys) -> Parties:
    """An association whose representative's authority an officer has confirmed."""
    return make_association(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    """Create a user of ``role`` and return its e-mail address (password: ``PASSWORD``)."""

    def make(role: Role | str = Role.ENTREPRENEUR, **kwargs) -> str:
        return add_user(app, role, **kwargs)

    return make


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, email: str, password: str = PASSWORD, next_url: str | None = None):
        """Sign in; enrolled staff also pass the TOTP step (tests.factories.sign_in)."""
        return sign_in(self._client, email, password, next_url=next_url)

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def signed_in(make_user, auth):
    """Sign the test client in as a new user of the given role; returns the e-mail."""

    def sign_in(role: Role | str = Role.ENTREPRENEUR, **kwargs) -> str:
        email = make_user(role, **kwargs)
        response = auth.login(email)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return email

    return sign_in


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no CSRF token in page"
    return match.group(1)


def translated(app, lang: str, message: str, **variables) -> str:
    """``message`` as the catalog of ``lang`` renders it."""
    with app.test_request_context("/"):
        session["lang"] = lang
        return gettext(message, **variables)


@contextlib.contextmanager
def postgres_app(tmp_path, **overrides):
    """An app on a throw-away database of the PostgreSQL server in ``PBI_TEST_POSTGRES_URL``.

    Whatever the backend of the run. ``make test`` starts a local cluster and sets the URL
    (as root). Without it the test is skipped, except in CI (``CI=true``), where it fails:
    CI always runs PostgreSQL.
    """
    databases = postgres_databases()
    app = build_app(tmp_path, SQLALCHEMY_DATABASE_URI=databases.create(), **overrides)
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@contextlib.contextmanager
def migrated_app(tmp_path):
    """An app whose schema the migrations built (not ``create_all``), on the backend of the run."""
    from flask_migrate import upgrade

    if BACKEND == "postgresql":
        with postgres_app(tmp_path) as app:
            with app.app_context():
                db.drop_all()
                upgrade()
            yield app
        return
    app = create_app({**base_config(tmp_path), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'migrated.db'}"})
    with app.app_context():
        upgrade()
    try:
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()
