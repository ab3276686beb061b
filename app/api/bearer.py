"""The check of a token operation: ``Authorization: Bearer``, the scope, the token's rate limit, the audit.

RFC 6750's answers, as problems in the caller's language: no token or a bad one — 401 with
``WWW-Authenticate: Bearer`` (``error="invalid_token"`` when one was sent); a valid token
without the operation's scope — 403 with ``error="insufficient_scope"``. A token in the
address (``?access_token=``, or any value that looks like one) is refused with a 400: an
address ends up in logs and browser histories. A refusal of a known token (revoked,
expired, out of scope) is audited; an unknown one is not (it names nobody). Refusals are
counted per address (``PBI_API_REFUSAL_LIMIT``): past it, the address gets 429 for a while.

The session cookie plays no part: a signed-in browser gets no more from these operations
than any other caller (the guard marks them :data:`app.accounts.guards.BEARER_TOKEN`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import current_app, g, request
from flask_babel import gettext as _

from app import transactions
from app.accounts.guards import BEARER_TOKEN
from app.api import tokens
from app.api.problems import problem
from app.extensions import client_address, limiter

REALM = 'Bearer realm="PBI Registry"'


def _token_limit() -> str:
    return current_app.config["PBI_API_TOKEN_LIMIT"]


def _refusal_limit() -> str:
    return current_app.config["PBI_API_REFUSAL_LIMIT"]


def _refused(response) -> bool:
    return response.status_code in (401, 403)


def _token_key() -> str:
    return f"api-token:{g.api_token.id}"


def _in_address() -> bool:
    return any(name in ("access_token", "token", "bearer") or value.startswith(tokens.PREFIX)
               for name, value in request.args.items(multi=True))


def _unauthenticated(reason: str):
    detail = {
        "missing": _("Send a token in the header “Authorization: Bearer <token>”."),
        "malformed": _("The Authorization header holds no token of this service (Bearer pbi_…)."),
        "unknown": _("The token is not known: it may have been mistyped or deleted."),
        "expired": _("The token has expired: ask the department's administrator for a new one."),
        "revoked": _("The token has been revoked: ask the department's administrator for a new one."),
    }[reason]
    header = REALM if reason == "missing" else f'{REALM}, error="invalid_token"'
    return problem(401, _("Not authenticated"), detail, headers={"WWW-Authenticate": header}, reason=reason)


def required(scope: str, operation_id: str) -> Callable[[Callable], Callable]:
    """Wrap a token operation's view: the token, then its scope, then its rate limit, then the view."""

    def decorate(view: Callable) -> Callable:
        limited = limiter.shared_limit(_token_limit, scope="api-token", key_func=_token_key)(view)

        @wraps(view)
        def guarded(**kwargs):
            if _in_address():
                return problem(400, _("The request could not be processed"),
                               _("Send the token only in the Authorization header, never in the address: "
                                 "addresses are kept in logs. Have this token revoked and use a new one."),
                               parameter="access_token")
            try:
                token = tokens.authenticate(tokens.from_header(request.headers.get("Authorization")))
            except tokens.TokenRefused as refused:
                if refused.token is not None:
                    tokens.record_refusal(refused.token, operation=operation_id, reason=refused.reason)
                    transactions.commit()
                return _unauthenticated(refused.reason)
            if scope not in tokens.scopes_of(token):
                tokens.record_refusal(token, operation=operation_id, reason="insufficient_scope")
                transactions.commit()
                return problem(403, _("Forbidden"),
                               _("This token may not use this operation: it needs the scope “%(scope)s”.",
                                 scope=scope),
                               headers={"WWW-Authenticate": f'{REALM}, error="insufficient_scope", scope="{scope}"'},
                               scope=scope)
            g.api_token = token
            return limited(**kwargs)

        # The limiter knows a decorated function's limits by its qualified name: the check of the
        # token (and its refusal limit) must not be taken for the view (and its token limit).
        guarded.__qualname__ = f"{view.__qualname__}.bearer_checked"
        # Refusals count against the caller's address: guessing or replaying tokens meets a 429.
        throttled = limiter.shared_limit(_refusal_limit, scope="api-token-refusals", key_func=client_address,
                                         deduct_when=_refused)(guarded)
        throttled._pbi_access = BEARER_TOKEN  # type: ignore[attr-defined]
        return throttled

    return decorate


def audit_use(operation_id: str, details: dict) -> None:
    """Audit the request's use of its token and commit, before the answer leaves."""
    tokens.record_use(g.api_token, operation=operation_id, details=details)
    transactions.commit()
