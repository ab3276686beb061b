"""Notifications: in-app messages about a complaint, and the e-mail outbox that mirrors them."""

from __future__ import annotations

from flask import Flask
from flask_login import current_user

from app.notifications.services import unread_count


def unread_notifications() -> int:
    """The signed-in user's unread notifications (0 for a visitor); a Jinja global."""
    if not current_user or not current_user.is_authenticated:
        return 0
    return unread_count(current_user.id)


def init_app(app: Flask) -> None:
    app.jinja_env.globals["unread_notifications"] = unread_notifications
