"""The account e-mails: a password-reset link, a verification link, and two notices.

Each is rendered in the recipient's own language when it is queued in the outbox
(:class:`app.notifications.models.OutboxMessage`), inside the request's transaction:
it is sent by ``flask --app wsgi outbox send`` only if the request commits. A link is
the only variable part; an e-mail never says more about the account than its owner's
name.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from flask import current_app, render_template
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _

from app.accounts.models import User
from app.extensions import db
from app.notifications.models import OutboxMessage

TEMPLATE = "mail/account.txt"


class Mail(enum.Enum):
    PASSWORD_RESET = "password_reset"  # noqa: S105 (a kind of e-mail, not a secret)
    VERIFY_EMAIL = "verify_email"
    ACCOUNT_EXISTS = "account_exists"  # someone registered with an address that has an account
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 (a kind of e-mail: after a reset)


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    locale: str


def absolute_url(path: str) -> str:
    base = str(current_app.config.get("PBI_PUBLIC_URL", "http://127.0.0.1:8000")).rstrip("/")
    return base + path


def _wording(kind: Mail, minutes: int, hours: int) -> tuple[str, list[str]]:
    site = _("PBI Registry")
    if kind is Mail.PASSWORD_RESET:
        return _("%(site)s: reset your password", site=site), [
            _("Someone (we hope it was you) asked to reset the password of your account."),
            _("To choose a new password, open this link within %(minutes)d minutes. It works once.",
              minutes=minutes),
        ]
    if kind is Mail.VERIFY_EMAIL:
        return _("%(site)s: confirm your e-mail address", site=site), [
            _("Thank you for registering. To confirm that this address is yours, open this link "
              "within %(hours)d hours. It works once.", hours=hours),
            _("Until you confirm it, you can sign in, but you cannot file a complaint or act for "
              "a business or an association."),
        ]
    if kind is Mail.ACCOUNT_EXISTS:
        return _("%(site)s: you already have an account", site=site), [
            _("Someone (we hope it was you) tried to register with this e-mail address, which "
              "already has an account. Nothing has been changed."),
            _("If it was you, sign in. If you have forgotten your password, you can reset it here:"),
        ]
    return _("%(site)s: your password has been changed", site=site), [
        _("The password of your account has just been reset and every session has been signed out."),
        _("If you did not do this, reset your password again at once and contact the department:"),
    ]


def render(user: User | None, kind: Mail, link: str | None) -> Rendered:
    """The e-mail in ``user``'s language (the request's when ``user`` is ``None``)."""
    cfg = current_app.config
    with force_locale(user.locale if user is not None else str(get_locale())):
        subject, paragraphs = _wording(kind, cfg["PBI_PASSWORD_RESET_MINUTES"],
                                       cfg["PBI_EMAIL_VERIFICATION_HOURS"])
        body = render_template(
            TEMPLATE,
            greeting=_("Hello, %(name)s.", name=user.full_name if user is not None else ""),
            paragraphs=paragraphs,
            url=absolute_url(link) if link else None,
            ignore_note=_("If you did not ask for this, you can ignore this e-mail.")
            if kind in (Mail.PASSWORD_RESET, Mail.VERIFY_EMAIL, Mail.ACCOUNT_EXISTS) else "",
            footer=_("This is an automatic message from %(site)s. Please do not reply to it.",
                     site=_("PBI Registry")),
        )
        locale = str(get_locale())
    if not body.endswith("\n"):
        body += "\n"
    return Rendered(subject=subject, body=body, locale=locale)


def queue(user: User, kind: Mail, link: str | None) -> OutboxMessage:
    """Render and queue the e-mail to ``user`` in the caller's transaction (flushes)."""
    rendered = render(user, kind, link)
    message = OutboxMessage(to_address=user.email, subject=rendered.subject, body=rendered.body,
                            locale=rendered.locale)
    db.session.add(message)
    db.session.flush()
    return message
