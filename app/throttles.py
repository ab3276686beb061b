"""The small throttles: the HTML document lookup and the current-password check.

Both count in the shared rate-limit storage (app.ratelimit), so across every worker.

- ``/verify?number=&code=``: a lookup is a guess at a document's code; it shares the
  verification limit (``PBI_VERIFY_LIMIT`` per client address). The page without a
  lookup is not counted.
- ``POST /account``: a wrong current password counts against the signed-in account
  (``PBI_LOGIN_LIMIT_PER_ACCOUNT``, as failed sign-ins); a right one does not.
"""

from __future__ import annotations

from flask import current_app, request
from flask_login import current_user


def verify_limit() -> str:
    return current_app.config["PBI_VERIFY_LIMIT"]


def not_a_lookup() -> bool:
    """Exempt: the verification page opened without a number or code."""
    return not (request.args.get("number") or request.args.get("code"))


def password_check_limit() -> str:
    return current_app.config["PBI_LOGIN_LIMIT_PER_ACCOUNT"]


def signed_in_account() -> str:
    return f"account:{current_user.get_id() or request.remote_addr}"


def wrong_password(response) -> bool:
    """Counted only when the form was refused (a wrong current password or a weak new one)."""
    return response.status_code == 400
