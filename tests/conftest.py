"""Shared fixtures: ``app``, ``client``, ``runner``, user factories and an auth helper."""

from __future__ import annotations

import contextlib
import os
import re
import uuid

import psycopg
import pytest
from flask import session
from flask_babel import gettext

from app import create_app
from app.accounts.models import Role
from app.documents.runtime import keystore
from app.extensions import db
from tests.factories import PASSWORD, Parties, add_user, make_association


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


def build_app(tmp_path, **overrides):
    app = create_app({**base_config(tmp_path), **overrides})
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
        url = "/login" + (f"?next={next_url}" if next_url else "")
        return self._client.post(url, data={"email": email, "password": password})

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

    ``make test`` starts a local cluster and sets the URL (as root). Without it the test
    is skipped, except in CI (``CI=true``), where it fails: CI always runs PostgreSQL.
    """
    url = os.environ.get("PBI_TEST_POSTGRES_URL")
    if not url:
        reason = "set PBI_TEST_POSTGRES_URL to run the PostgreSQL tests (`make test` does, as root)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason + " — CI must run them")
        pytest.skip(reason)
    name = f"pbi_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = url.rpartition("/")[0].replace("postgresql://", "postgresql+psycopg://", 1)
    app = build_app(tmp_path, SQLALCHEMY_DATABASE_URI=f"{base}/{name}", **overrides)
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
