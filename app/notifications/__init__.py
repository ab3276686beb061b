"""Notifications: in-app messages about a complaint, and the e-mail outbox that mirrors them."""

from __future__ import annotations

from flask import Flask
from flask_login import current_user
from jinja2 import pass_context

from app.notifications.services import unread_count

_COUNTED = "_pbi_unread_notifications"  # on the Jinja context of one rendering


@pass_context
def unread_notifications(context) -> int:
    """The signed-in user's unread notifications (0 for a visitor); a Jinja global.

    Counted once per rendering (the menu asks twice), never for a visitor.
    """
    if not current_user or not current_user.is_authenticated:
        return 0
    counted = getattr(context, _COUNTED, None)
    if counted is None or counted[0] != current_user.id:
        counted = (current_user.id, unread_count(current_user.id))
        setattr(context, _COUNTED, counted)
    return counted[1]


def init_app(app: Flask) -> None:
    app.jinja_env.globals["unread_notifications"] = unread_notifications
