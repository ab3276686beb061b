"""Flask extensions, created unbound; ``create_app`` binds them with ``init_app``.

This module imports nothing from ``app`` so that every package can import it.
"""

from functools import partial

from flask import Flask, g, request
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
    """Bind the limiter; its per-request work is done only where a limit could apply.

    A view's own ``@limiter.limit`` is checked by that decorator, inside the view call.
    Flask-Limiter's ``before_request`` hook adds only the limits that are not a view's:
    application-wide, default, blueprint and meta limits (``RATELIMIT_APPLICATION``,
    ``RATELIMIT_DEFAULT``, ``RATELIMIT_META``, ``limiter.limit`` on a blueprint) and the
    in-memory fallback. With none of them declared (the shipped configuration) the hook
    finds nothing to check, only at a price on every request; so it runs when one is.
    Its ``after_request`` hook (rate-limit headers, ``deduct_when`` deductions) and its
    teardown act on what a check of this request recorded, so they run after a check.
    Where Flask-Limiter's hooks are not found as expected, they stay as they are.
    """
    if "_check_request_limit" not in vars(limiter):  # every check, the views' too, goes through it
        limiter._check_request_limit = _recording_check
    limiter.init_app(app)
    _replace(app.before_request_funcs.get(None, []), limiter._check_request_limit, _check_limits_beyond_views)
    after = app.after_request_funcs.get(None, [])
    for hook in after:
        if isinstance(hook, partial) and hook.func is getattr(Limiter, "_Limiter__inject_headers", None) \
                and hook.args == (limiter,):
            _replace(after, hook, _inject_headers_after_a_check)
    _replace(app.teardown_request_funcs.get(None, []), getattr(limiter, "_Limiter__release_context", None),
             _release_after_a_check)


def _replace(hooks: list, old, new) -> None:
    if old is not None and old in hooks:
        hooks[hooks.index(old)] = new


_CHECKED = "pbi_rate_limits_checked"


def _recording_check(callable_name: str | None = None, in_middleware: bool = True) -> None:
    g.setdefault(_CHECKED, True)
    Limiter._check_request_limit(limiter, callable_name=callable_name, in_middleware=in_middleware)


def _limits_beyond_views() -> bool:
    manager = limiter.limit_manager
    return bool(manager._application_limits or manager._default_limits or manager._blueprint_limits
                or limiter._meta_limits or limiter._in_memory_fallback_enabled)


def _check_limits_beyond_views() -> None:
    if _limits_beyond_views():
        limiter._check_request_limit()


def _inject_headers_after_a_check(response):
    if g.get(_CHECKED):
        return limiter._Limiter__inject_headers(response)
    return response


def _release_after_a_check(_exc: BaseException | None = None) -> None:
    if g.pop(_CHECKED, False):
        limiter._Limiter__release_context()
