"""The signed-in user's notifications: the list, and marking them read."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user

from app import transactions
from app.accounts.forms import ConfirmForm
from app.accounts.guards import roles
from app.accounts.login import safe_next
from app.notifications import services

bp = Blueprint("notifications", __name__)


@bp.route("/notifications")
@roles()
def index():
    return render_template(
        "notifications/list.html",
        notifications=services.recent(current_user.id),
        unread=services.unread_count(current_user.id),
        form=ConfirmForm(),
    )


@bp.route("/notifications/<int:notification_id>/read", methods=["POST"])
@roles()
def read(notification_id: int):
    """Mark one of the user's own notifications read and open what it points to."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    link = services.link_of(current_user.id, notification_id)
    if link is None:  # unknown, or someone else's: the same answer
        abort(404)
    services.mark_read(current_user.id, notification_id)
    transactions.commit()
    return redirect(safe_next(link) or url_for("notifications.index"))


@bp.route("/notifications/read-all", methods=["POST"])
@roles()
def read_all():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.mark_all_read(current_user.id)
    transactions.commit()
    return redirect(url_for("notifications.index"))
