"""Staff two-factor sign-in: TOTP enrolment and verification, recovery codes, admin reset.

Officers, supervisors and administrators sign in with their password and then a code
from an authenticator app (RFC 6238: 30-second steps, 6 digits, one step of clock drift
either way). Until the second step is done the session is "half signed in"
(:func:`session_pending`); :mod:`app.accounts.guards` lets such a session reach only
the two-factor pages and sign-out.

- A code is accepted only once: the time step of the last accepted code is kept and a
  code of that step or an earlier one is refused. The step is advanced by one
  conditional ``UPDATE``, so two workers cannot both accept the same code.
- Recovery codes: ten per enrolment, 120 random bits each, shown once; only their SHA-256
  is stored (a high-entropy code needs no slow hash). Each works once, also consumed by
  one conditional ``UPDATE``.
- Verification is throttled in the views (Flask-Limiter, per account and per address,
  in fixed windows that expire: a wrong code never locks the real user out for good).

Functions flush, never commit; they raise :class:`TwoFactorError` subclasses.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from base64 import b32encode
from dataclasses import dataclass

import pyotp
import segno
from sqlalchemy import delete, func, or_, select, update

from app.accounts import sessions
from app.accounts.models import User, UserSession
from app.accounts.two_factor_models import RecoveryCode, SecondFactor
from app.audit import services as audit
from app.extensions import db
from app.timeutil import utcnow

ISSUER = "PBI Registry"
STEP_SECONDS = 30
DIGITS = 6
DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
_RECOVERY_LENGTH = 24  # base32 characters: 120 bits (ASVS 2.6.2 asks for 112)


class TwoFactorError(Exception):
    """A rule about the second factor was broken."""


class WrongCode(TwoFactorError):
    pass


class NotEnrolled(TwoFactorError):
    pass


class AlreadyEnrolled(TwoFactorError):
    pass


@dataclass(frozen=True)
class Passed:
    """How the second factor was given: ``"totp"`` or ``"recovery"`` (and codes left)."""

    method: str
    recovery_codes_left: int | None = None


def required_for(user: User) -> bool:
    return user.is_staff


def factor_of(user_id: int) -> SecondFactor | None:
    return db.session.get(SecondFactor, user_id)


def is_enrolled(user_id: int) -> bool:
    factor = factor_of(user_id)
    return factor is not None and factor.confirmed_at is not None


def enrolled_among(user_ids: list[int]) -> set[int]:
    """Which of ``user_ids`` have a confirmed second factor (one query)."""
    if not user_ids:
        return set()
    return set(db.session.scalars(select(SecondFactor.user_id).where(
        SecondFactor.user_id.in_(user_ids), SecondFactor.confirmed_at.is_not(None))))


def session_pending(user: User, record: UserSession | None) -> bool:
    """Whether this signed-in session still owes the second factor."""
    return required_for(user) and (record is None or record.second_factor_at is None)


# --- codes --------------------------------------------------------------------------------

def current_step(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // STEP_SECONDS)


def code_at(secret: str, step: int) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).generate_otp(step)


def _normalize(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def _new_recovery_codes(user_id: int) -> list[str]:
    """Replace the user's recovery codes with new ones; returns them (shown once)."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = b32encode(secrets.token_bytes(15)).decode("ascii").lower()
        codes.append("-".join(raw[i:i + 4] for i in range(0, _RECOVERY_LENGTH, 4)))
        db.session.add(RecoveryCode(user_id=user_id, code_hash=_digest(raw)))
    db.session.flush()
    return codes


def _accept_totp(factor: SecondFactor, code: str, now: float | None) -> bool:
    """Accept ``code`` if it belongs to a step near now later than the last one used."""
    step_now = current_step(now)
    for step in range(step_now - DRIFT_STEPS, step_now + DRIFT_STEPS + 1):
        if factor.last_used_step is not None and step <= factor.last_used_step:
            continue
        if hmac.compare_digest(code_at(factor.secret, step), code):
            advanced = db.session.execute(
                update(SecondFactor)
                .where(SecondFactor.user_id == factor.user_id,
                       or_(SecondFactor.last_used_step.is_(None), SecondFactor.last_used_step < step))
                .values(last_used_step=step)
                .execution_options(synchronize_session=False)
            ).rowcount
            if advanced != 1:  # another request used this code (or a later one) first
                return False
            factor.last_used_step = step
            return True
    return False


def _accept_recovery(user_id: int, code: str) -> bool:
    used = db.session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.user_id == user_id, RecoveryCode.code_hash == _digest(code),
               RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    return used == 1


def recovery_codes_left(user_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
    ) or 0


# --- enrolment ------------------------------------------------------------------------------

def start_enrolment(user: User) -> SecondFactor:
    """The enrolment in progress (a new secret the first time); refused when enrolled."""
    factor = factor_of(user.id)
    if factor is not None and factor.confirmed_at is not None:
        raise AlreadyEnrolled()
    if factor is None:
        factor = SecondFactor(user_id=user.id, secret=pyotp.random_base32())
        db.session.add(factor)
        db.session.flush()
    return factor


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=user.email, issuer_name=ISSUER)


def qr_data_uri(uri: str) -> str:
    """The QR code of ``uri`` as an SVG ``data:`` URI (the CSP allows ``img-src data:``)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def confirm_enrolment(user: User, code: str, *, now: float | None = None) -> list[str]:
    """Finish the enrolment with a code from the app; returns the new recovery codes."""
    factor = factor_of(user.id)
    if factor is None:
        raise NotEnrolled()
    if factor.confirmed_at is not None:
        raise AlreadyEnrolled()
    code = _normalize(code)
    if not re.fullmatch(rf"\d{{{DIGITS}}}", code) or not _accept_totp(factor, code, now):
        raise WrongCode()
    factor.confirmed_at = utcnow()
    codes = _new_recovery_codes(user.id)
    audit.record("auth.two_factor_enrolled", **audit.actor_fields(user), subject_type="user",
                 subject_id=user.id)
    return codes


def enrol_with_secret(user: User, secret: str) -> list[str]:
    """Enrol ``user`` with a known secret at once (the demo data and test factories)."""
    pyotp.TOTP(secret).now()  # refuses a secret that is not base32
    db.session.execute(delete(SecondFactor).where(SecondFactor.user_id == user.id))
    db.session.add(SecondFactor(user_id=user.id, secret=secret, confirmed_at=utcnow()))
    db.session.flush()
    return _new_recovery_codes(user.id)


# --- verification ---------------------------------------------------------------------------

def verify(user: User, code: str, *, now: float | None = None) -> Passed:
    """Check a TOTP code or a recovery code of an enrolled user; raises WrongCode."""
    factor = factor_of(user.id)
    if factor is None or factor.confirmed_at is None:
        raise NotEnrolled()
    code = _normalize(code)
    if re.fullmatch(rf"\d{{{DIGITS}}}", code):
        if _accept_totp(factor, code, now):
            return Passed("totp")
    elif re.fullmatch(rf"[a-z2-7]{{{_RECOVERY_LENGTH}}}", code) and _accept_recovery(user.id, code):
        left = recovery_codes_left(user.id)
        audit.record("auth.recovery_code_used", **audit.actor_fields(user), subject_type="user",
                     subject_id=user.id, details={"left": left})
        return Passed("recovery", left)
    raise WrongCode()


def complete_sign_in(user: User, token: str) -> str:
    """The second factor is passed: the half-signed-in session ``token`` is replaced by a
    new, fully signed-in one, whose token is returned for the cookie (so a cookie copied
    between the two steps is worth nothing afterwards)."""
    sessions.revoke(token)
    new_token = sessions.open_session(user.id, second_factor=True)
    user.last_login_at = utcnow()
    audit.record("auth.two_factor_passed", **audit.actor_fields(user))
    return new_token


def new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes (the old ones stop working); audited."""
    if not is_enrolled(user.id):
        raise NotEnrolled()
    codes = _new_recovery_codes(user.id)
    audit.record("auth.recovery_codes_renewed", **audit.actor_fields(user), subject_type="user",
                 subject_id=user.id)
    return codes


def reset(user: User, *, actor: User | None, actor_label: str | None = None) -> None:
    """Remove the user's second factor and recovery codes and end their sessions.

    At the next sign-in the user enrols again. ``actor`` is the administrator (``None``
    from the command line, with ``actor_label``). Audited.
    """
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.execute(delete(SecondFactor).where(SecondFactor.user_id == user.id))
    sessions.revoke_all(user.id)
    fields = audit.actor_fields(actor) if actor is not None else {
        "actor_id": None, "actor_label": actor_label or "command line"}
    audit.record("auth.two_factor_reset", **fields, subject_type="user", subject_id=user.id,
                 details={"email": user.email})
