"""Sign-in throttling that slows a guesser down without locking the owner out.

Failed sign-ins are counted (successful ones never are) in the shared rate-limit storage
(``app.ratelimit``), under keys that never say whether an account exists: the e-mail
address typed is hashed and counted the same way whether or not it has an account.

1. **Per address** (``PBI_LOGIN_LIMIT_PER_IP``, 30 per 5 minutes): one client address,
   all e-mails together (the view's Flask-Limiter decorator).
2. **Per account and address** (``PBI_LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS``, 5 per
   15 minutes): one e-mail from one client address. Someone hammering an officer's
   e-mail from their machine stops themselves only: the owner, elsewhere, is not counted
   with them.
3. **Per account** (``PBI_LOGIN_LIMIT_PER_ACCOUNT``, 20 per 15 minutes): one e-mail from
   every address together (a guesser with many addresses). When it is reached, a correct
   password still signs in from a **known device**: a browser where this account signed
   in before carries a signed cookie (``pbi_known``, 180 days, only a hash of the address
   in it); such a browser is counted per account and device instead (rule 2's limit) and
   is never refused by rule 3. Other browsers are told to use a known device or to reset
   the password by e-mail.
4. **The reset path always works** (its own throttles never depend on failed sign-ins),
   and a successful reset clears rule 3's count and rule 2's count of the address that
   reset, and makes that browser a known device.

A refusal is decided before the password is checked, so it tells nothing about it.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import time
from dataclasses import dataclass

from flask import current_app, request
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from limits import parse

from app.extensions import client_address, limiter

DEVICE_COOKIE = "pbi_known"
DEVICE_COOKIE_DAYS = 180
_SALT = "pbi-known-device"

DEFAULTS = {
    "PBI_LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS": "5 per 15 minutes",
    "PBI_PASSWORD_RESET_MINUTES": 30,
    "PBI_EMAIL_VERIFICATION_HOURS": 48,
    # Requests of "forgot password" per client address (a 429 when exceeded) and reset
    # e-mails per address typed (silently not sent beyond it: the answer never changes).
    "PBI_RESET_LIMIT_PER_IP": "10 per hour",
    "PBI_RESET_MAILS_PER_ACCOUNT": "3 per 30 minutes",
    # Verification e-mails per account (registration, "resend the link") and notices to
    # the owner of an address someone tried to register again.
    "PBI_VERIFY_MAILS_PER_ACCOUNT": "3 per hour",
    # Business registration: answers "this number is already registered" per account and
    # per client address.
    "PBI_NUMBER_CHECK_LIMIT_PER_ACCOUNT": "10 per day",
    "PBI_NUMBER_CHECK_LIMIT_PER_IP": "30 per day",
}


def init_app(app) -> None:
    for name, value in DEFAULTS.items():
        app.config.setdefault(name, value)


def _enabled() -> bool:
    return bool(current_app.config.get("RATELIMIT_ENABLED", True)) and limiter.enabled


def account_key(email: str) -> str:
    """The hashed, normalised e-mail typed: the same for an address with or without an account."""
    normalized = (email or "").strip().lower()
    return hashlib.sha256(normalized.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _known_device(account: str) -> str | None:
    """This browser's device id if it is a known device of ``account``."""
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw or len(raw) > 512:
        return None
    try:
        value = _serializer().loads(raw, max_age=DEVICE_COOKIE_DAYS * 86400)
    except BadSignature:
        return None
    if not isinstance(value, dict) or value.get("a") != account or not isinstance(value.get("d"), str):
        return None
    return value["d"]


@dataclass(frozen=True)
class Refusal:
    message: str
    retry_after: int  # seconds


def _rule(name: str):
    return parse(current_app.config[name])


def _keys(email: str) -> list[tuple[str, tuple[str, ...]]]:
    """The (limit setting, key) pairs a failure of ``email`` from this request counts in."""
    account = account_key(email)
    device = _known_device(account)
    if device is not None:
        return [("PBI_LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS", ("signin-device", account, device))]
    return [
        ("PBI_LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS", ("signin-pair", account, client_address())),
        ("PBI_LOGIN_LIMIT_PER_ACCOUNT", ("signin-account", account)),
    ]


def refusal(email: str) -> Refusal | None:
    """Why this sign-in attempt is refused before the password is looked at, or ``None``."""
    if not _enabled():
        return None
    strategy = limiter.limiter
    for setting, key in _keys(email):
        rule = _rule(setting)
        if strategy.test(rule, *key):
            continue
        reset_at = strategy.get_window_stats(rule, *key).reset_time
        wait = max(1, math.ceil(reset_at - time.time()))
        if setting == "PBI_LOGIN_LIMIT_PER_ACCOUNT":
            message = _(
                "There have been too many failed sign-ins to this account from different places. "
                "Sign in on a device where you have signed in before, or reset your password by "
                "e-mail with “Forgot your password?”: a reset always works and lifts this limit."
            )
        else:
            message = _(
                "Too many failed sign-ins with this e-mail address from here. Try again in "
                "%(minutes)d minutes, or reset your password by e-mail with “Forgot your password?”.",
                minutes=max(1, math.ceil(wait / 60)),
            )
        return Refusal(message=message, retry_after=wait)
    return None


def record_failure(email: str) -> None:
    if not _enabled():
        return
    for setting, key in _keys(email):
        limiter.limiter.hit(_rule(setting), *key)


def clear_after_reset(email: str) -> None:
    """A successful reset: lift the account's count and this address's count for it."""
    if not _enabled():
        return
    account = account_key(email)
    for setting, key in (("PBI_LOGIN_LIMIT_PER_ACCOUNT", ("signin-account", account)),
                         ("PBI_LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS", ("signin-pair", account, client_address()))):
        limiter.limiter.clear(_rule(setting), *key)


def remember_device(response, email: str) -> None:
    """Make this browser a known device of ``email``'s account (after it proved itself)."""
    account = account_key(email)
    device = _known_device(account) or secrets.token_urlsafe(16)
    value = _serializer().dumps({"a": account, "d": device})
    response.set_cookie(
        DEVICE_COOKIE, value, max_age=DEVICE_COOKIE_DAYS * 86400, httponly=True, samesite="Lax",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE", True)), path="/",
    )


def quota(setting: str, *key: str) -> bool:
    """Count one use of a silent quota; ``False`` when it is used up (do not act then)."""
    if not _enabled():
        return True
    return limiter.limiter.hit(_rule(setting), "quota", setting, *key)
