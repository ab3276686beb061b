"""E-mail verification: a single-use link (48 hours) mailed at registration.

The link confirms only while signed in to the account (see :func:`verify`). What an
account with an unconfirmed address may do: sign in, see the portal, read its
notifications and change its password. What it may not do until the address is
confirmed: file a complaint, register a business or an association, or act for an
association (authority proof, agreements) — the endpoints in
:data:`NEEDS_VERIFIED_EMAIL`. The portal shows a banner with "send the link again"
(throttled). Staff accounts are made by an administrator and count as verified; so do
the demo accounts and accounts that existed before verification was introduced
(migration 0006). A successful password reset also confirms the address (the link
reached the mailbox).

Functions here flush, never commit.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from app.accounts import mails, throttle, tokens
from app.accounts.models import Role, User
from app.audit import services as audit
from app.extensions import db
from app.timeutil import utcnow

# Endpoints an entrepreneur reaches only with a confirmed address.
NEEDS_VERIFIED_EMAIL = frozenset({
    "complaints.new",
    "businesses.business_new",
    "businesses.association_new",
    "agreements.authority_upload",
    "agreements.agreement_start",
    "agreements.sign_password",
    "agreements.sign_cms",
})


class InvalidLink(Exception):
    """The link is unknown, expired or used."""


def link_path(token: str) -> str:
    return "/email/verify?token=" + token


def send_link(user: User) -> bool:
    """Queue a new verification link for ``user``; ``False`` when the quota is used up."""
    if user.email_verified or not user.active:
        return False
    if not throttle.quota("PBI_VERIFY_MAILS_PER_ACCOUNT", throttle.account_key(user.email)):
        return False
    hours = int(current_app.config["PBI_EMAIL_VERIFICATION_HOURS"])
    token = tokens.issue(user.id, tokens.Purpose.EMAIL_VERIFICATION, timedelta(hours=hours))
    mails.queue(user, mails.Mail.VERIFY_EMAIL, link_path(token))
    return True


def notify_existing_owner(user: User) -> None:
    """Someone registered with ``user``'s address: tell the owner, pointing to the reset.

    Also when the account is still unconfirmed: whoever registered it first may not be
    the owner of the mailbox (a squatter), and a reset, not a verification link, gives
    the account to the mailbox's owner.
    """
    if not user.active:
        return
    if throttle.quota("PBI_VERIFY_MAILS_PER_ACCOUNT", throttle.account_key(user.email)):
        mails.queue(user, mails.Mail.ACCOUNT_EXISTS, "/password/forgot")


def mark_verified(user: User) -> None:
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()


def verify(token: str | None, signed_in: User) -> User:
    """Confirm the address the link was sent to; raises :class:`InvalidLink`.

    The link works only for the account signed in in this browser: it proves the
    mailbox, the sign-in proves the password. So someone who registered another
    person's address (without the mailbox) cannot confirm it, and the mailbox's owner
    who opens a link for a registration they did not make confirms nothing (they reset
    the password instead, which ends the squatter's sessions and confirms the address).
    """
    record = tokens.find_usable(token, tokens.Purpose.EMAIL_VERIFICATION)
    if record is None or record.user_id != signed_in.id or not signed_in.active:
        raise InvalidLink()
    if not tokens.use(record):
        raise InvalidLink()
    user = signed_in
    first = not user.email_verified
    mark_verified(user)
    if first:
        audit.record("user.email_verified", actor_id=user.id, actor_label=user.email,
                     subject_type="user", subject_id=user.id)
    db.session.flush()
    return user


def needs_verification(user, endpoint: str | None) -> bool:
    """Whether ``user`` must confirm the address before using ``endpoint``."""
    return (
        endpoint in NEEDS_VERIFIED_EMAIL
        and getattr(user, "is_authenticated", False)
        and user.role == Role.ENTREPRENEUR.value
        and not user.email_verified
    )
