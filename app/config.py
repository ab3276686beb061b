"""Configuration: defaults here, then ``instance/config.py``, then the environment.

Order of precedence (later wins):

1. :class:`DefaultConfig` below;
2. ``instance/config.py`` (written once by ``flask --app wsgi init``);
3. environment variables: ``SECRET_KEY``, ``DATABASE_URL`` and any ``PBI_*`` setting
   listed in :data:`ENV_SETTINGS`;
4. ``test_config`` passed to :func:`app.create_app` (tests only).

Outside testing the application refuses to start without a real secret key.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from app import ratelimit  # registers the pbi-sqlite:// rate-limit storage with limits

# Secrets that look like placeholders are refused as firmly as a missing one.
_PLACEHOLDER_SECRETS = {"", "dev", "secret", "changeme", "change-me", "please-change"}
MIN_SECRET_LENGTH = 32


class ConfigError(RuntimeError):
    """The configuration cannot run a real service (e.g. no secret key)."""


class DefaultConfig:
    # "production" or "development". Development only relaxes the Secure cookie flag
    # so that the app works over plain http://127.0.0.1; debug mode is never turned on.
    PBI_ENV = "production"
    SECRET_KEY: str | None = None

    SQLALCHEMY_DATABASE_URI: str | None = None  # default: sqlite in the instance folder
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {"pool_pre_ping": True}

    # Languages: Kazakh is the default, Russian and English are offered.
    LANGUAGES = ("kk", "ru", "en")
    BABEL_DEFAULT_LOCALE = "kk"
    BABEL_DEFAULT_TIMEZONE = "Asia/Almaty"

    # Sessions: server-side records (see accounts.sessions); the cookie only carries
    # a random session token, signed by Flask.
    SESSION_COOKIE_NAME = "pbi_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    PERMANENT_SESSION_LIFETIME = timedelta(hours=8)
    PBI_SESSION_IDLE_MINUTES = 60

    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = 3600 * 4

    MAX_CONTENT_LENGTH = 30 * 1024 * 1024

    # Rate limits (Flask-Limiter). Unset, the counts live in instance/ratelimits.sqlite
    # (app.ratelimit), shared by every worker of this server; several servers share
    # redis://… instead. memory:// counts per worker process (tests, single process).
    RATELIMIT_STORAGE_URI: str | None = None
    RATELIMIT_STRATEGY = "fixed-window"  # the strategy app.ratelimit implements
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_ENABLED = True
    PBI_LOGIN_LIMIT_PER_IP = "30 per 5 minutes"
    PBI_LOGIN_LIMIT_PER_ACCOUNT = "20 per 15 minutes"  # all addresses together (app.accounts.throttle)
    PBI_REGISTER_LIMIT_PER_IP = "10 per hour"
    # Staff second factor: wrong codes per account and per address; step-up freshness.
    PBI_TWO_FACTOR_LIMIT_PER_ACCOUNT = "5 per 5 minutes"
    PBI_TWO_FACTOR_LIMIT_PER_IP = "30 per 5 minutes"
    PBI_STEP_UP_MINUTES = 5

    # Documents: the passphrase that opens the department's private keys (instance/keys/)
    # and the public address printed in QR codes and verification links.
    PBI_KEY_PASSPHRASE: str | None = None
    # Empty: in development, the address `make run` serves (PBI_SERVE_HOST:PBI_SERVE_PORT, which
    # the Makefile sets from HOST and PORT); in production, http://127.0.0.1:8000 — a deployment
    # sets its public https:// address.
    PBI_PUBLIC_URL = ""
    PBI_SERVE_HOST = "127.0.0.1"
    PBI_SERVE_PORT = 8000
    # Reverse proxies in front whose X-Forwarded-For/-Proto headers are trusted (0: none).
    # Without it behind a proxy every client has the proxy's address (rate limits!).
    PBI_PROXY_COUNT = 0
    PBI_VERIFY_LIMIT = "60 per minute"
    PBI_API_PUBLIC_LIMIT = "120 per minute"  # each public API operation, per address
    PBI_API_TOKEN_LIMIT = "600 per minute"  # noqa: S105 (a rate, not a secret) all token operations, per token
    PBI_API_REFUSAL_LIMIT = "30 per minute"  # 401/403 answers of token operations, per address
    PBI_VERIFY_MAX_BYTES = 20 * 1024 * 1024
    PBI_AUTHORITY_MAX_BYTES = 10 * 1024 * 1024

    # Complaints: evidence limits (checked while reading), the appeal window, "due soon".
    PBI_EVIDENCE_MAX_FILE_BYTES = 25 * 1024 * 1024
    PBI_EVIDENCE_MAX_TOTAL_BYTES = 100 * 1024 * 1024
    PBI_APPEAL_WINDOW_DAYS = 30
    PBI_DUE_SOON_WORKING_DAYS = 3
    # How long a process keeps the public statistics before computing them again (at most a day).
    PBI_PUBLIC_STATISTICS_MAX_AGE_SECONDS = 3600

    # The department's contacts (app.department): address and hours per language, phone, e-mail.
    PBI_DEPARTMENT_ADDRESS_KK = "Түркістан облысы, Түркістан қаласы"
    PBI_DEPARTMENT_ADDRESS_RU = "Туркестанская область, город Туркестан"
    PBI_DEPARTMENT_ADDRESS_EN = "Turkistan, Turkistan region"
    PBI_DEPARTMENT_HOURS_KK = "Дүйсенбі–жұма, 09:00–18:30, үзіліс 13:00–14:30"
    PBI_DEPARTMENT_HOURS_RU = "Понедельник–пятница, 09:00–18:30, перерыв 13:00–14:30"
    PBI_DEPARTMENT_HOURS_EN = "Monday to Friday, 09:00–18:30, break 13:00–14:30"
    PBI_DEPARTMENT_PHONE = ""
    PBI_DEPARTMENT_EMAIL = ""
    PBI_DEPARTMENT_HOTLINE = "1424"

    # argon2id cost (argon2-cffi defaults follow RFC 9106's second recommendation).
    PBI_ARGON2_TIME_COST = 3
    PBI_ARGON2_MEMORY_COST = 65536
    PBI_ARGON2_PARALLELISM = 4


def _as_bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


# Environment variables read on top of the instance config, with their parsers.
ENV_SETTINGS: dict[str, Callable[[str], Any]] = {
    "SECRET_KEY": str,
    "PBI_ENV": str,
    "SESSION_COOKIE_SECURE": _as_bool,
    "RATELIMIT_STORAGE_URI": str,
    "RATELIMIT_ENABLED": _as_bool,
    "PBI_ARGON2_TIME_COST": int,
    "PBI_ARGON2_MEMORY_COST": int,
    "PBI_KEY_PASSPHRASE": str,
    "PBI_PUBLIC_URL": str,
    "PBI_SERVE_HOST": str,
    "PBI_SERVE_PORT": int,
    "PBI_VERIFY_LIMIT": str,
    "PBI_API_PUBLIC_LIMIT": str,
    "PBI_API_TOKEN_LIMIT": str,
    "PBI_API_REFUSAL_LIMIT": str,
    "PBI_SMTP_HOST": str,
    "PBI_SMTP_PORT": int,
    "PBI_SMTP_USER": str,
    "PBI_SMTP_PASSWORD": str,
    "PBI_SMTP_STARTTLS": _as_bool,
    "PBI_MAIL_FROM": str,
    "PBI_PROXY_COUNT": int,
    "PBI_PUBLIC_STATISTICS_MAX_AGE_SECONDS": int,
    **{key: str for key in (f"PBI_DEPARTMENT_{part}" for part in (
        "ADDRESS_KK", "ADDRESS_RU", "ADDRESS_EN", "HOURS_KK", "HOURS_RU", "HOURS_EN", "PHONE", "EMAIL", "HOTLINE"))},
}


def apply_environment(config: dict[str, Any], environ: os._Environ[str] | dict[str, str]) -> None:
    """Copy the known settings present in ``environ`` into ``config``."""
    for name, parse in ENV_SETTINGS.items():
        if name in environ:
            config[name] = parse(environ[name])
    if environ.get("DATABASE_URL"):
        config["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(environ["DATABASE_URL"])


def normalize_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs written the usual way."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def check_secret(config: dict[str, Any]) -> None:
    """Refuse to run a real service with a missing or placeholder secret key."""
    if config.get("TESTING"):
        return
    secret = config.get("SECRET_KEY") or ""
    if secret.strip().lower() in _PLACEHOLDER_SECRETS or len(secret) < MIN_SECRET_LENGTH:
        raise ConfigError(
            "SECRET_KEY is missing or too weak. Run `flask --app wsgi init` to write a "
            "random one to instance/config.py, or set the SECRET_KEY environment "
            f"variable to at least {MIN_SECRET_LENGTH} random characters."
        )


def check_key_passphrase(config: dict[str, Any]) -> None:
    """Production never runs without the passphrase of the department's keys."""
    if config.get("TESTING") or config.get("PBI_ENV") != "production":
        return
    if len(config.get("PBI_KEY_PASSPHRASE") or "") < 16:
        raise ConfigError(
            "PBI_KEY_PASSPHRASE is missing or shorter than 16 characters: the department's "
            "signing keys cannot be opened. Set it in the environment."
        )


PRODUCTION_FALLBACK_URL = "http://127.0.0.1:8000"
_WILDCARD_HOSTS = {"", "0.0.0.0", "::", "[::]"}  # noqa: S104 -- recognised, never bound


def served_url(host: str | None, port: int | str | None) -> str:
    """The http:// address a development server bound to ``host:port`` is reached at.

    A wildcard bind (0.0.0.0, ::) is reached on this machine as 127.0.0.1; an IPv6
    literal gets its brackets.
    """
    host = (host or "").strip()
    if host in _WILDCARD_HOSTS:
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{int(port or 8000)}"


def finalize(config: dict[str, Any], instance_path: str, *, setup_mode: bool = False) -> None:
    """Derive the settings that depend on others; validate."""
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(instance_path, "app.db")
    if config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # Short queries: the JIT compiler's start-up (tens to hundreds of ms) would cost more
        # than it saves on every search of a large registry.
        options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options.setdefault("connect_args", {"options": "-c jit=off"})
        config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if not config.get("RATELIMIT_STORAGE_URI"):
        config["RATELIMIT_STORAGE_URI"] = ratelimit.default_storage_uri(instance_path)
    if config.get("PBI_ENV") not in {"production", "development"}:
        raise ConfigError("PBI_ENV must be 'production' or 'development'.")
    if config["PBI_ENV"] == "development":
        # Local HTTP development only: a Secure cookie would not come back over http://.
        config["SESSION_COOKIE_SECURE"] = False
    if not config.get("PBI_PUBLIC_URL"):
        config["PBI_PUBLIC_URL"] = (served_url(config.get("PBI_SERVE_HOST"), config.get("PBI_SERVE_PORT"))
                                    if config["PBI_ENV"] == "development" else PRODUCTION_FALLBACK_URL)
    # Debug is never on, whatever a config file says; the interactive debugger
    # would be a remote shell.
    config["DEBUG"] = False
    check_secret(config)
    if not setup_mode:
        check_key_passphrase(config)
