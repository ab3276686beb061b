"""Flask extensions, created unbound; ``create_app`` binds them with ``init_app``.

This module imports nothing from ``app`` so that every package can import it.
"""

from flask import Flask, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints, so that Alembic migrations are stable across databases.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def client_address() -> str:
    """The client's address as seen by this process (put ProxyFix in front when proxied)."""
    return request.remote_addr or "unknown"


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=client_address)


def init_limiter(app: Flask) -> None:
    """Bind the limiter; its per-request check runs only when a limit could apply beyond a view.

    A view's own ``@limiter.limit`` is checked by that decorator, inside the view call.
    Flask-Limiter's ``before_request`` hook adds only the limits that are not a view's:
    application-wide, default, blueprint and meta limits (``RATELIMIT_APPLICATION``,
    ``RATELIMIT_DEFAULT``, ``RATELIMIT_META``, ``limiter.limit`` on a blueprint) and the
    in-memory fallback. With none of them declared (the shipped configuration) the hook
    finds nothing to check, only at a price on every request; so it runs when one is.
    """
    limiter.init_app(app)
    hooks = app.before_request_funcs.get(None, [])
    if limiter._check_request_limit in hooks:
        hooks[hooks.index(limiter._check_request_limit)] = _check_limits_beyond_views


def _limits_beyond_views() -> bool:
    manager = limiter.limit_manager
    return bool(manager._application_limits or manager._default_limits or manager._blueprint_limits
                or limiter._meta_limits or limiter._in_memory_fallback_enabled)


def _check_limits_beyond_views() -> None:
    if _limits_beyond_views():
        limiter._check_request_limit()
