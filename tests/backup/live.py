"""Live instances for the backup, concurrency and crash proofs.

An instance folder as ``init`` writes it (``tests.test_instances.make_instance``) on the
backend of the run (SQLite file in the folder, or an empty PostgreSQL database), migrated
with the real ``flask db upgrade``, with the department's keys; data made through the
app's own services in this process; served by the project's gunicorn
(``tests.test_instances.gunicorn``) and used over HTTP like a browser
(``bench.loadgen.Browser``: keep-alive, cookies, multipart).
"""

from __future__ import annotations

import contextlib
import re
import secrets
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from app import create_app
from app.config import normalize_database_url
from app.documents.runtime import keystore
from app.extensions import db
from bench import loadgen
from tests.conftest import BACKEND, postgres_databases
from tests.factories import PASSWORD
from tests.test_instances import Instance, make_instance

DESCRIPTION = ("Тексеру кезінде маман актіні жасамау үшін ақша талап етті. "
               "Во время проверки специалист потребовал деньги за несоставление акта.")


def new_instance(path: Path, *, secret: str | None = None, **settings: str) -> Instance:
    """A migrated instance with keys, on the run's backend (PostgreSQL: a new empty database)."""
    environment = {}
    if BACKEND == "postgresql":
        environment["DATABASE_URL"] = postgres_databases().create(empty=True)
    instance = make_instance(path, secret or secrets.token_hex(32), **environment)
    if settings:
        with open(instance.path / "config.py", "a", encoding="utf-8") as handle:
            handle.write("".join(f"{key} = {value!r}\n" for key, value in settings.items()))
    with app_context(instance):
        upgrade()  # what `flask db upgrade` runs, without starting another process
        keystore().initialize()
    return instance


def fresh_instance(path: Path, like: Instance) -> Instance:
    """An empty instance for a restore: the same config (secret, passphrase), no database schema, no keys."""
    environment = {}
    if BACKEND == "postgresql":
        environment["DATABASE_URL"] = postgres_databases().create(empty=True)
    instance = make_instance(path, "placeholder", **environment)
    (instance.path / "config.py").write_text((like.path / "config.py").read_text())
    return instance


def database_url(instance: Instance) -> str:
    if "DATABASE_URL" in instance.env:
        return normalize_database_url(instance.env["DATABASE_URL"])
    return f"sqlite:///{instance.path / 'app.db'}"


def instance_app(instance: Instance) -> Flask:
    return create_app({"INSTANCE_PATH": str(instance.path), "SQLALCHEMY_DATABASE_URI": database_url(instance)})


@contextlib.contextmanager
def app_context(instance: Instance) -> Iterator[Flask]:
    app = instance_app(instance)
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


def table_rows(instance: Instance) -> dict[str, list[tuple]]:
    """Every table's rows (sorted), read with plain SQL: what the database holds, not what the models say."""
    engine = create_engine(database_url(instance))
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                names = connection.execute(text(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")).scalars()
            else:
                names = connection.execute(text(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
                    "AND table_type = 'BASE TABLE'")).scalars()
            return {name: sorted((tuple(row) for row in connection.execute(text(f'SELECT * FROM "{name}"'))),  # noqa: S608
                                 key=repr) for name in list(names)}
    finally:
        engine.dispose()


def integrity_ok(instance: Instance) -> bool:
    """SQLite's ``PRAGMA integrity_check`` (PostgreSQL: the server keeps its own; always true)."""
    if "DATABASE_URL" in instance.env:
        return True
    with contextlib.closing(sqlite3.connect(instance.path / "app.db")) as connection:
        return connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


# --- over HTTP -----------------------------------------------------------------------------

class HttpError(Exception):
    pass


def sign_in(browser: loadgen.Browser, email: str, password: str = PASSWORD) -> None:
    page = browser.get("/login")
    form = loadgen.form_with(page.text, "password")
    if page.status != 200 or form is None:
        raise HttpError(f"login page: HTTP {page.status}")
    answer = browser.post_form(form.action or "/login", {**form.fields, "email": email, "password": password})
    if answer.status != 302 or "/login" in answer.location:
        raise HttpError(f"sign-in of {email}: HTTP {answer.status}")


def filing_form(browser: loadgen.Browser) -> dict[str, str]:
    page = browser.get("/portal/complaints/new")
    form = loadgen.form_with(page.text, "submission_token")
    if page.status != 200 or form is None:
        raise HttpError(f"filing form: HTTP {page.status}")
    return {**form.fields, "pressure_type": "bribe_extortion", "body_category": "sanitary",
            "body_name": "Түркістан облысының санитариялық-эпидемиологиялық бақылау департаменті",
            "official_position": "Бас маман", "incident_date": time.strftime("%Y-%m-%d"),
            "incident_district": "turkistan", "description": DESCRIPTION,
            "keep_identity_confidential": "y", "consent": "y"}


def file_complaint(browser: loadgen.Browser, fields: dict[str, str], evidence: bytes) -> int:
    """POST one filing; the new complaint's id (HttpError unless the answer is the redirect to it)."""
    answer = browser.post_multipart("/portal/complaints/new", fields, [("evidence", "акт.pdf", evidence)])
    match = re.search(r"/portal/complaints/(\d+)$", answer.location)
    if answer.status not in (302, 303) or match is None:
        raise HttpError(f"filing: HTTP {answer.status}")
    return int(match.group(1))
