"""Step-up re-authentication: the password again (and for staff a TOTP code) before a
sensitive action — signing or countersigning an agreement, extending a deadline,
changing the trusted keys, resetting someone's second factor.

A session counts as freshly authenticated for ``PBI_STEP_UP_MINUTES`` after its owner
last proved who they are in it: the complete sign-in (password, and for staff the
second factor) or the confirmation page (:func:`confirm`). The time is kept on the
server-side session record, so it holds across workers and a copied cookie gains
nothing. :func:`step_up_required` is the one decorator the actions use.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import TypeVar

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _

from app.accounts import login as web_login
from app.accounts import passwords, services, sessions, two_factor
from app.accounts.models import User
from app.audit import services as audit
from app.timeutil import utcnow

F = TypeVar("F", bound=Callable)


class WrongPassword(services.AccountError):
    pass


def is_fresh(record, *, now=None) -> bool:
    """Whether the session ``record`` proved its owner within the step-up window."""
    if record is None or record.authenticated_at is None:
        return False
    window = timedelta(minutes=current_app.config["PBI_STEP_UP_MINUTES"])
    return (now or utcnow()) - record.authenticated_at <= window


def confirm(user: User, *, password: str, code: str | None, token: str) -> None:
    """Check the password (and for staff the code) again; the session becomes fresh.

    Raises :class:`WrongPassword` or :class:`app.accounts.two_factor.WrongCode`.
    """
    if not passwords.verify(services.hasher(), user.password_hash, password or ""):
        raise WrongPassword()
    if two_factor.required_for(user):
        two_factor.verify(user, code or "")
    sessions.mark_authenticated(token)
    audit.record("auth.step_up", **audit.actor_fields(user))


def step_up_required(back: Callable[..., str], *, reads: bool = False) -> Callable[[F], F]:
    """Refuse a state-changing request of a session that is not freshly authenticated.

    Such a request is sent to the confirmation page, which then returns to
    ``back(**view_args)`` (the page with the action's button) to try again. GET requests
    pass: they only show the page — unless ``reads``: a download whose content is itself
    the sensitive part (an export) steps up on GET too.
    """

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args, **kwargs):
            if (reads or request.method != "GET") and not is_fresh(web_login.current_record()):
                flash(_("For this action, confirm who you are first."), "info")
                return redirect(url_for("two_factor.reauthenticate", next=back(**kwargs)))
            return view(*args, **kwargs)

        guarded._pbi_step_up = True  # type: ignore[attr-defined]  (listed by tests/accounts/test_step_up.py)
        return guarded  # type: ignore[return-value]

    return decorate
