"""Password reset by e-mail.

"Forgot your password?" asks for an e-mail address and always answers the same, whether
or not it has an account: an address with an active account gets a reset link (a
single-use token, stored hashed, valid ``PBI_PASSWORD_RESET_MINUTES`` = 30 minutes), any
other address gets nothing, and both do the same work (a token is drawn and hashed and
the e-mail rendered; only the two inserts differ). At most ``PBI_RESET_MAILS_PER_ACCOUNT``
(3 per 30 minutes) links are mailed to one address: beyond it the answer is still the
same and nothing is sent; since a link lives as long as that window, the owner always has
a live link in the mailbox while the quota is used up (a stranger asking for resets
cannot stop the owner resetting). Requesting a reset changes nothing until a link is used.

Using the link: the new password must pass the policy (``app.accounts.passwords``);
then the token is marked used (with every other reset link of the account), the
password is replaced, every session of the account is ended, the address counts as
confirmed, the owner is told by e-mail, the reset is audited and, after the commit, the
account's sign-in throttle is cleared (``app.accounts.throttle``).

Functions here flush, never commit.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from app.accounts import mails, passwords, sessions, throttle, tokens, verification
from app.accounts.models import User
from app.accounts.services import find_by_email, hasher
from app.audit import services as audit
from app.extensions import db
from app.timeutil import utcnow

InvalidLink = verification.InvalidLink


def link_path(token: str) -> str:
    return "/password/reset?token=" + token


def request_reset(email: str) -> None:
    """Mail a reset link to ``email`` if it has an active account; the caller commits."""
    user = find_by_email(email)
    if user is None or not user.active:
        tokens.new_token()  # the same work as for an account, nothing stored or sent
        mails.render(None, mails.Mail.PASSWORD_RESET, link_path("x" * 43))
        return
    if not throttle.quota("PBI_RESET_MAILS_PER_ACCOUNT", throttle.account_key(user.email)):
        mails.render(user, mails.Mail.PASSWORD_RESET, link_path("x" * 43))
        return
    minutes = int(current_app.config["PBI_PASSWORD_RESET_MINUTES"])
    token = tokens.issue(user.id, tokens.Purpose.PASSWORD_RESET, timedelta(minutes=minutes))
    mails.queue(user, mails.Mail.PASSWORD_RESET, link_path(token))
    audit.record("auth.password_reset_requested", actor_id=None, actor_label="anonymous",
                 subject_type="user", subject_id=user.id)


def link_is_usable(token: str | None) -> bool:
    record = tokens.find_usable(token, tokens.Purpose.PASSWORD_RESET)
    if record is None:
        return False
    user = db.session.get(User, record.user_id)
    return user is not None and user.active


def reset_password(token: str | None, new_password: str) -> User:
    """Set ``new_password`` through a reset link; raises InvalidLink or WeakPassword."""
    record = tokens.find_usable(token, tokens.Purpose.PASSWORD_RESET)
    user = db.session.get(User, record.user_id) if record is not None else None
    if user is None or not user.active:
        raise InvalidLink()
    passwords.check_policy(new_password)  # before the link is used: the owner may try again
    if not tokens.use(record):
        raise InvalidLink()
    tokens.use_all(user.id, tokens.Purpose.PASSWORD_RESET)
    user.password_hash = hasher().hash(new_password)
    user.password_changed_at = utcnow()
    ended = sessions.revoke_all(user.id)
    verification.mark_verified(user)
    mails.queue(user, mails.Mail.PASSWORD_CHANGED, "/password/forgot")
    audit.record("auth.password_reset", actor_id=user.id, actor_label=user.email,
                 subject_type="user", subject_id=user.id, details={"sessions_ended": ended})
    db.session.flush()
    return user
