"""Notifying people of what happened on a complaint, in the app and by e-mail.

A notification never carries content of the complaint: only its kind, the complaint's
number and a link to the page on this site. The e-mail says the same in the recipient's
own language and is rendered when it is queued, so the sender job needs no request.

Every function here flushes at most; the caller commits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time

from flask import current_app, render_template
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from app.accounts.login import safe_next
from app.accounts.models import User
from app.extensions import db
from app.notifications.models import KINDS, Notification, OutboxMessage
from app.timeutil import LOCAL_ZONE, local_today, utcnow

__all__ = [
    "KINDS", "NotificationView", "RenderedEmail", "already_notified_today", "link_of", "mark_all_read",
    "mark_read", "notify", "recent", "render_email", "text_of", "unread_count",
]

# Numbers such as PBI-C-2026-000123: they go into e-mail subjects, so nothing else may.
_NUMBER_RE = re.compile(r"[A-Z0-9]+(?:-[A-Z0-9]+)*")
_MAX_LINK = 255
_MAX_NUMBER = 24
EMAIL_TEMPLATE = "mail/notification.txt"


def text_of(kind: str, subject_number: str) -> str:
    """The sentence saying what happened, in the current locale."""
    number = subject_number
    if kind == "message":
        return _("New message on complaint %(number)s.", number=number)
    if kind == "status":
        return _("The status of complaint %(number)s has changed.", number=number)
    if kind == "info_requested":
        return _("The department asks for more information on complaint %(number)s.", number=number)
    if kind == "decision":
        return _("A decision letter on complaint %(number)s has been issued.", number=number)
    if kind == "deadline_soon":
        return _("The deadline of complaint %(number)s is approaching.", number=number)
    if kind == "overdue":
        return _("Complaint %(number)s is overdue.", number=number)
    if kind == "extended":
        return _("The consideration period of complaint %(number)s has been extended.", number=number)
    raise ValueError(f"unknown notification kind {kind!r}")


def _check(kind: str, subject_number: str, link: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    if len(subject_number) > _MAX_NUMBER or not _NUMBER_RE.fullmatch(subject_number):
        raise ValueError(f"not a registry number: {subject_number!r}")
    if not isinstance(link, str) or safe_next(link) != link or len(link) > _MAX_LINK:
        raise ValueError(f"link must be a local path starting with '/': {link!r}")


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    body: str
    locale: str  # the locale the text was rendered in


def absolute_url(link: str) -> str:
    base = str(current_app.config.get("PBI_PUBLIC_URL", "http://127.0.0.1:8000")).rstrip("/")
    return base + link


def render_email(user: User, kind: str, subject_number: str, link: str) -> RenderedEmail:
    """The e-mail for ``user`` in the user's own language (not the current request's)."""
    _check(kind, subject_number, link)
    with force_locale(user.locale):
        locale = str(get_locale())
        subject = _("%(site)s: update on %(number)s", site=_("PBI Registry"), number=subject_number)
        # All wording is translated here (babel.cfg extracts strings from .py and .html
        # only); the plain-text template just lays it out.
        body = render_template(
            EMAIL_TEMPLATE,
            greeting=_("Hello, %(name)s.", name=user.full_name),
            sentence=text_of(kind, subject_number),
            call_to_action=_("To read it, sign in to %(site)s:", site=_("PBI Registry")),
            url=absolute_url(link),
            privacy_note=_("For your safety, e-mails from us never contain details of a complaint."),
            footer=_("This is an automatic message from %(site)s. Please do not reply to it.",
                     site=_("PBI Registry")),
        )
    if not body.endswith("\n"):
        body += "\n"
    return RenderedEmail(subject=subject, body=body, locale=locale)


def notify(user_id: int, kind: str, *, subject_number: str, link: str, email: bool = True) -> Notification:
    """Record a notification for ``user_id`` and, if asked and the user is active, queue an e-mail.

    Raises ``ValueError`` for an unknown kind or user, a malformed number, or a link that
    is not a local path.
    """
    _check(kind, subject_number, link)
    user = db.session.get(User, user_id)
    if user is None:
        raise ValueError(f"unknown user {user_id}")
    notification = Notification(user_id=user.id, kind=kind, subject_number=subject_number, link=link)
    db.session.add(notification)
    db.session.flush()
    if email and user.active:
        rendered = render_email(user, kind, subject_number, link)
        db.session.add(OutboxMessage(
            to_address=user.email, subject=rendered.subject, body=rendered.body,
            locale=rendered.locale, notification_id=notification.id,
        ))
        db.session.flush()
    return notification


@dataclass(frozen=True)
class NotificationView:
    id: int
    kind: str
    text: str
    link: str
    created_at: datetime
    read: bool
    subject_number: str = ""


def recent(user_id: int, *, limit: int = 50) -> list[NotificationView]:
    """The user's latest notifications, newest first, worded in the current locale."""
    rows = db.session.scalars(
        select(Notification).where(Notification.user_id == user_id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)
    )
    return [
        NotificationView(id=n.id, kind=n.kind, text=text_of(n.kind, n.subject_number), link=n.link,
                         created_at=n.created_at, read=n.read_at is not None, subject_number=n.subject_number)
        for n in rows
    ]


def unread_count(user_id: int) -> int:
    return db.session.scalar(
        select(func.count(Notification.id))
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    ) or 0


def _own(user_id: int, notification_id: int) -> Notification | None:
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != user_id:
        return None
    return notification


def link_of(user_id: int, notification_id: int) -> str | None:
    """The link of the user's own notification; ``None`` if unknown or someone else's."""
    notification = _own(user_id, notification_id)
    return notification.link if notification else None


def mark_read(user_id: int, notification_id: int) -> bool:
    """Mark the user's own notification read; ``False`` if unknown or someone else's."""
    notification = _own(user_id, notification_id)
    if notification is None:
        return False
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()
    return True


def mark_all_read(user_id: int) -> int:
    """Mark all the user's unread notifications read; returns how many."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return result.rowcount or 0


def _start_of_local_day() -> datetime:
    """Midnight in Asia/Almaty today, as the naive UTC the columns store."""
    midnight = datetime.combine(local_today(), time.min, tzinfo=LOCAL_ZONE)
    return midnight.astimezone(UTC).replace(tzinfo=None)


def already_notified_today(user_id: int, kind: str, subject_number: str) -> bool:
    """Whether this user got a ``kind`` notification on this number since local midnight.

    For daily reminder jobs (deadline approaching, overdue), so that a rerun on the same
    day does not remind twice.
    """
    return db.session.scalar(
        select(Notification.id).where(
            Notification.user_id == user_id, Notification.kind == kind,
            Notification.subject_number == subject_number,
            Notification.created_at >= _start_of_local_day(),
        ).limit(1)
    ) is not None
