"""The single access guard: every endpoint declares who may use it, or nobody can.

Views are decorated with :func:`public` or :func:`roles` (``roles()`` with no argument
means any signed-in user). A ``before_request`` hook enforces the declaration; an
endpoint without one is refused (deny by default), and a test fails for it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, abort, current_app, redirect, request, session, url_for
from flask_login import current_user

from app import transactions
from app.accounts import login, two_factor
from app.accounts.models import STAFF_ROLES, Role
from app.audit import services as audit

F = TypeVar("F", bound=Callable)

PUBLIC = "public"
# An API operation for tokens (app.api.bearer checks the Bearer token): the session is not
# looked at, so a signed-in browser gets nothing from it a token would not give.
BEARER_TOKEN = "bearer-token"  # noqa: S105 (an access rule, not a secret)
ANY_SIGNED_IN = frozenset(Role)
STAFF = frozenset(STAFF_ROLES)
# Endpoints added by Flask itself.
_FRAMEWORK_PUBLIC = {"static"}
# What a staff session that has not passed the second factor yet may reach, besides the
# views marked with :func:`second_factor_step`.
_BEFORE_SECOND_FACTOR = {"static", "accounts.logout"}


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


def second_factor_step(view: F) -> F:
    """A page of the second sign-in step: reachable while only half signed in."""
    view._pbi_second_factor_step = True  # type: ignore[attr-defined]
    return view


def _half_signed_in_may(endpoint: str) -> bool:
    view = current_app.view_functions.get(endpoint)
    return endpoint in _BEFORE_SECOND_FACTOR or getattr(view, "_pbi_second_factor_step", False)


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
    if rule is None:
        current_app.logger.error("endpoint %s has no access declaration; refused", endpoint)
        abort(403)
    if rule == BEARER_TOKEN or (rule == PUBLIC and "_user_id" not in session):  # anonymous: nothing to load
        return None
    if (current_user.is_authenticated and not _half_signed_in_may(endpoint)
            and two_factor.session_pending(current_user, login.current_record())):
        # Staff signed in with the password only: nothing but the second step (and sign-out).
        back = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("two_factor.verify", next=back))
    if rule == PUBLIC:
        return None
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
    if Role(current_user.role) not in rule:
        audit.record_failure("auth.forbidden", actor_id=current_user.id, actor_label=current_user.email,
                     details={"endpoint": endpoint, "method": request.method})
        transactions.commit()
        abort(403)
    return None


def init_app(app: Flask) -> None:
    app.before_request(enforce_access)
