"""The application factory and its configuration."""

import pytest

from app import create_app
from app.accounts.guards import public
from app.config import ConfigError, normalize_database_url
from tests.conftest import base_config, sqlite_only


def production_config(tmp_path, **extra):
    config = base_config(tmp_path)
    config.pop("TESTING")
    config.pop("SECRET_KEY")
    config["PBI_KEY_PASSPHRASE"] = "a passphrase for the keys"
    config.update(extra)
    return config


def test_refuses_to_start_without_secret(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app(production_config(tmp_path))


@pytest.mark.parametrize("secret", ["dev", "changeme", "short-but-not-placeholder"])
def test_refuses_placeholder_or_short_secret(tmp_path, secret):
    with pytest.raises(ConfigError):
        create_app(production_config(tmp_path, SECRET_KEY=secret))


def test_setup_mode_starts_without_secret_for_init_only(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    app = create_app(production_config(tmp_path), setup_mode=True)
    assert len(app.config["SECRET_KEY"]) >= 32


def test_instance_config_is_read(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text(
        "SECRET_KEY = 'from-instance-config-0123456789abcdef'\n"
        "PBI_LOGIN_LIMIT_PER_ACCOUNT = '3 per hour'\nDEBUG = True\n"
    )
    app = create_app(production_config(tmp_path))
    assert app.config["SECRET_KEY"] == "from-instance-config-0123456789abcdef"
    assert app.config["PBI_LOGIN_LIMIT_PER_ACCOUNT"] == "3 per hour"
    assert app.debug is False  # debug is never on, whatever a file says


def test_environment_overrides_instance_config(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text("SECRET_KEY = 'from-instance-config-0123456789abcdef'\n")
    monkeypatch.setenv("SECRET_KEY", "from-environment-0123456789abcdef0123")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    config = production_config(tmp_path)
    del config["SQLALCHEMY_DATABASE_URI"]
    app = create_app(config)
    assert app.config["SECRET_KEY"] == "from-environment-0123456789abcdef0123"
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("env.db")


def test_default_database_is_sqlite_in_instance_folder(tmp_path):
    app = create_app(base_config(tmp_path) | {"SQLALCHEMY_DATABASE_URI": None})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'instance' / 'app.db'}"


@sqlite_only("the journal mode and foreign-key pragmas of the SQLite connection")
def test_sqlite_runs_in_wal_mode_with_foreign_keys(app):
    from sqlalchemy import text

    from app.extensions import db

    with app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_postgres_urls_use_psycopg3():
    assert normalize_database_url("postgres://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert normalize_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_database_url("sqlite:///x.db") == "sqlite:///x.db"


@pytest.mark.parametrize(("env", "secure"), [("production", True), ("development", False)])
def test_session_cookie_secure_unless_local_development(tmp_path, env, secure):
    app = create_app(base_config(tmp_path) | {"PBI_ENV": env})
    assert app.config["SESSION_COOKIE_SECURE"] is secure
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_unknown_environment_name_is_refused(tmp_path):
    with pytest.raises(ConfigError):
        create_app(base_config(tmp_path) | {"PBI_ENV": "staging"})


def test_templates_come_from_top_level_folder(app):
    assert app.jinja_loader.searchpath[0].endswith("/templates")


def test_production_refuses_to_start_without_key_passphrase(tmp_path):
    config = production_config(tmp_path, SECRET_KEY="s" * 40)
    del config["PBI_KEY_PASSPHRASE"]
    with pytest.raises(ConfigError, match="PBI_KEY_PASSPHRASE"):
        create_app(config)
    development = create_app(config | {"PBI_ENV": "development"})
    assert development.config["PBI_KEY_PASSPHRASE"] is None


def test_behind_a_trusted_proxy_the_client_address_comes_from_forwarded_headers(tmp_path):
    from app.extensions import client_address

    for proxies, expected in ((0, "127.0.0.1"), (1, "203.0.113.9")):
        app = create_app({**base_config(tmp_path), "PBI_PROXY_COUNT": proxies})
        seen = []

        @app.route(f"/probe-{proxies}")
        @public
        def probe(seen=seen):
            seen.append(client_address())
            return "ok"

        app.test_client().get(f"/probe-{proxies}", headers={"X-Forwarded-For": "203.0.113.9"})
        assert seen == [expected]
