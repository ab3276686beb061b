"""Account operations. They flush, never commit: the caller (a view or a command) commits.

Every function takes explicit arguments and raises an :class:`AccountError` subclass
when a rule is broken; none of them reads the request.
"""

from __future__ import annotations

import secrets
import string

from argon2 import PasswordHasher
from flask import current_app
from sqlalchemy import func, or_, select, update
from sqlalchemy.sql import Executable

from app.accounts import passwords, sessions, verification
from app.accounts.models import LOCALES, STAFF_ROLES, Role, User
from app.database import add_unique, like_pattern
from app.extensions import db
from app.timeutil import utcnow


class AccountError(Exception):
    """A rule about accounts was broken."""


class EmailTaken(AccountError):
    pass


class InvalidCredentials(AccountError):
    pass


class AccountDisabled(AccountError):
    pass


class WrongCurrentPassword(AccountError):
    pass


class UnknownUser(AccountError):
    pass


class NotAllowed(AccountError):
    pass


WeakPassword = passwords.WeakPassword


def hasher() -> PasswordHasher:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    cached = app.extensions.get("pbi_password_hasher")
    if cached is None:
        cfg = app.config
        cached = passwords.make_hasher(
            cfg["PBI_ARGON2_TIME_COST"], cfg["PBI_ARGON2_MEMORY_COST"], cfg["PBI_ARGON2_PARALLELISM"]
        )
        app.extensions["pbi_password_hasher"] = cached
    return cached


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def _create_user(
    *, email: str, password: str, full_name: str, phone: str, iin: str | None, locale: str, role: Role,
    email_verified: bool = False,
) -> User:
    passwords.check_policy(password)
    if locale not in LOCALES:
        raise ValueError(f"unknown locale {locale!r}")
    email = normalize_email(email)
    if find_by_email(email) is not None:
        raise EmailTaken(email)
    user = User(
        email=email,
        password_hash=hasher().hash(password),
        full_name=full_name.strip(),
        phone=phone.strip(),
        iin=iin or None,
        locale=locale,
        role=role.value,
        email_verified_at=utcnow() if email_verified else None,
    )
    if not add_unique(user):  # a concurrent registration of the same address
        raise EmailTaken(email)
    return user


def register_entrepreneur(
    *, email: str, password: str, full_name: str, phone: str, iin: str | None, locale: str,
    email_verified: bool = False,
) -> User:
    """An entrepreneur account (raises :class:`EmailTaken`); see :func:`register` for the web."""
    return _create_user(
        email=email, password=password, full_name=full_name, phone=phone, iin=iin,
        locale=locale, role=Role.ENTREPRENEUR, email_verified=email_verified,
    )


def register(
    *, email: str, password: str, full_name: str, phone: str, iin: str | None, locale: str
) -> User | None:
    """Self-registration that tells nothing about other people's accounts.

    A new address gets an unverified entrepreneur account and a verification link. An
    address that has an account gets no new account and nothing changed: its owner is
    mailed a notice pointing to the password reset instead. The
    caller answers both the same ("check your e-mail"); both hash the password, render
    and queue one e-mail. Only :class:`WeakPassword` is raised (about the password typed).
    Returns the new user, or ``None``.
    """
    passwords.check_policy(password)
    existing = find_by_email(email)
    if existing is None:
        try:
            user = register_entrepreneur(email=email, password=password, full_name=full_name,
                                         phone=phone, iin=iin, locale=locale)
        except EmailTaken:  # registered at the same moment
            existing = find_by_email(email)
        else:
            verification.send_link(user)
            return user
    hasher().hash(password)  # the work a new account costs
    if existing is not None:
        verification.notify_existing_owner(existing)
    return None


def generate_password(length: int = 20) -> str:
    alphabet = string.ascii_letters + string.digits
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if not passwords.is_common(candidate):
            return candidate


def create_staff(
    *, email: str, role: Role, full_name: str, phone: str = "", password: str | None = None,
    locale: str = "kk", position: str | None = None,
) -> tuple[User, str | None]:
    """Create an officer, supervisor or admin account (``position``: the job title on documents).

    Returns the user and, when no password was given, the generated one (shown once).
    """
    if role not in STAFF_ROLES:
        raise NotAllowed("staff accounts only")
    generated = None
    if password is None:
        password = generated = generate_password()
    user = _create_user(
        email=email, password=password, full_name=full_name, phone=phone, iin=None,
        locale=locale, role=role, email_verified=True,  # the address is an administrator's choice
    )
    user.position = (position or "").strip() or None
    return user, generated


def authenticate(email: str, password: str) -> User:
    """The user with these credentials; raises InvalidCredentials or AccountDisabled.

    An unknown address costs the same hashing work as a wrong password, so response time
    does not tell which addresses are registered.
    """
    user = find_by_email(email)
    if user is None:
        hasher().hash(password)
        raise InvalidCredentials()
    if not passwords.verify(hasher(), user.password_hash, password):
        raise InvalidCredentials()
    if not user.active:
        raise AccountDisabled()
    if hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hasher().hash(password)
    user.last_login_at = utcnow()
    return user


def change_password(user: User, *, current: str, new: str, keep_session_token: str | None) -> None:
    """Change the password and sign out every other session of the user."""
    if not passwords.verify(hasher(), user.password_hash, current):
        raise WrongCurrentPassword()
    passwords.check_policy(new)
    user.password_hash = hasher().hash(new)
    user.password_changed_at = utcnow()
    sessions.revoke_all(user.id, except_token=keep_session_token)
    db.session.flush()


def locale_change(user_id: int, locale: str) -> Executable:
    """The statement that makes ``locale`` the user's language (run as bookkeeping)."""
    if locale not in LOCALES:
        raise ValueError(f"unknown locale {locale!r}")
    return update(User).where(User.id == user_id, User.locale != locale).values(locale=locale)


def set_active(user: User, *, active: bool, actor: User) -> None:
    """Activate or deactivate an account; deactivation ends its sessions at once."""
    if actor.role != Role.ADMIN.value:
        raise NotAllowed("only an administrator changes accounts")
    if user.id == actor.id and not active:
        raise NotAllowed("an administrator cannot deactivate their own account")
    user.active = active
    if not active:
        sessions.revoke_all(user.id)
    db.session.flush()


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise UnknownUser(user_id)
    return user


def search_users(query: str = "", *, role: str | None = None, limit: int = 200) -> list[User]:
    stmt = select(User).order_by(User.role, func.lower(User.full_name), User.id).limit(limit)
    if query.strip():
        pattern = like_pattern(query)
        stmt = stmt.where(or_(User.email.like(pattern, escape="\\"),
                              func.lower(User.full_name).like(pattern, escape="\\")))
    if role:
        stmt = stmt.where(User.role == role)
    return list(db.session.scalars(stmt))
