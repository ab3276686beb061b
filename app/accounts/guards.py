"""The single access guard: every endpoint declares who may use it, or nobody can.

Views are decorated with :func:`public` or :func:`roles` (``roles()`` with no argument
means any signed-in user). A ``before_request`` hook enforces the declaration; an
endpoint without one is refused (deny by default), and a test fails for it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, abort, current_app, redirect, request, url_for
from flask_login import current_user

from app import transactions
from app.accounts.models import STAFF_ROLES, Role
from app.audit import services as audit

F = TypeVar("F", bound=Callable)

PUBLIC = "public"
ANY_SIGNED_IN = frozenset(Role)
STAFF = frozenset(STAFF_ROLES)
# Endpoints added by Flask itself.
_FRAMEWORK_PUBLIC = {"static"}


def public(view: F) -> F:
    view._pbi_access = PUBLIC  # type: ignore[attr-defined]
    return view


def roles(*allowed: Role) -> Callable[[F], F]:
    """Signed-in users with one of ``allowed`` roles (any role when none is given)."""
    granted = frozenset(allowed) or ANY_SIGNED_IN

    def decorate(view: F) -> F:
        view._pbi_access = granted  # type: ignore[attr-defined]
        return view

    return decorate


def access_of(app: Flask, endpoint: str) -> str | frozenset[Role] | None:
    if endpoint in _FRAMEWORK_PUBLIC:
        return PUBLIC
    view = app.view_functions.get(endpoint)
    return getattr(view, "_pbi_access", None)


def enforce_access():
    endpoint = request.endpoint
    if endpoint is None:  # no route matched: the 404/405 handlers answer
        return None
    rule = access_of(current_app, endpoint)
    if rule == PUBLIC:
        return None
    if rule is None:
        current_app.logger.error("endpoint %s has no access declaration; refused", endpoint)
        abort(403)
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
    if Role(current_user.role) not in rule:
        audit.record("auth.forbidden", actor_id=current_user.id, actor_label=current_user.email,
                     details={"endpoint": endpoint, "method": request.method})
        transactions.commit()
        abort(403)
    return None


def init_app(app: Flask) -> None:
    app.before_request(enforce_access)
