"""Glue between Flask-Login, the browser cookie and the server-side session records."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import Flask, current_app, g, session
from flask_login import login_user, logout_user

from app import transactions
from app.accounts import sessions
from app.accounts.models import User
from app.extensions import db, login_manager

SESSION_TOKEN_KEY = "sid"  # noqa: S105 (a session key name, not a secret)


def _load_user(user_id: str) -> User | None:
    try:
        user = db.session.get(User, int(user_id))
    except ValueError:
        return None
    if user is None or not user.active:
        return None
    cfg = current_app.config
    record, bookkeeping = sessions.find_valid(
        user.id,
        session.get(SESSION_TOKEN_KEY, ""),
        lifetime=cfg["PERMANENT_SESSION_LIFETIME"],
        idle=timedelta(minutes=cfg["PBI_SESSION_IDLE_MINUTES"]),
    )
    if bookkeeping is not None:  # touched or expired: written after the request, not in it
        transactions.bookkeeping(bookkeeping)
    if record is None:
        session.clear()
        return None
    g.pbi_session = record  # the second factor and step-up read it (app.accounts.two_factor)
    return user


def begin(user: User) -> None:
    """Start a fresh browser session for ``user`` (call after the credentials check).

    Everything in the old cookie is dropped and a new token is issued: the session
    identifier is renewed at login. This is the request's commit point: what the view
    did before (the account, the audit entry) is committed with the new session. A
    language chosen before signing in becomes the profile's language.
    """
    chosen = session.get("lang")
    if chosen in current_app.config["LANGUAGES"] and user.locale != chosen:
        user.locale = chosen
    token = sessions.open_session(user.id)
    transactions.commit()
    session.clear()
    session.permanent = True
    session[SESSION_TOKEN_KEY] = token
    login_user(user)


def end(*, everywhere: bool, user_id: int | None) -> None:
    """Sign out this browser, and with ``everywhere`` all of the user's sessions."""
    token = session.get(SESSION_TOKEN_KEY)
    if everywhere and user_id is not None:
        sessions.revoke_all(user_id)
    elif token:
        sessions.revoke(token)
    transactions.commit()
    logout_user()
    session.clear()


def current_token() -> str | None:
    return session.get(SESSION_TOKEN_KEY)


def switch_token(token: str) -> None:
    """Carry on in the new server-side session ``token`` (after the second factor)."""
    session[SESSION_TOKEN_KEY] = token


def current_record():
    """The server-side record of this request's session (``None`` when not signed in)."""
    return g.get("pbi_session")


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a local path on this site, else ``None`` (no open redirect)."""
    if not target:
        return None
    target = target.strip()
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 32 for c in target):
        return None
    return target


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.user_loader(_load_user)
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = None  # the server-side session record does this job
