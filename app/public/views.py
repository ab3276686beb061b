"""Pages anyone can open, and the health check."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, redirect, render_template, request, session
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from app.accounts.guards import public
from app.accounts.views import home_for
from app.department import contacts
from app.extensions import db
from app.i18n import current_locale

bp = Blueprint("public", __name__)
log = logging.getLogger(__name__)

# What jsonify would answer (compact, sorted keys, a final newline), made once.
_HEALTHY = '{"database":"ok","status":"ok"}\n'
_UNREACHABLE = '{"database":"unreachable","status":"error"}\n'


@bp.route("/")
@public
def index():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    # Rendered once per language and app: without a query and a message to flash, the
    # anonymous home page is the same for every visitor (no form, no token, no name on it).
    if request.args or "_flashes" in session or current_app.debug:
        return render_template("public/index.html")
    pages = current_app.extensions.setdefault("pbi.home_pages", {})
    locale = current_locale()
    page = pages.get(locale)
    if page is None:
        page = pages[locale] = render_template("public/index.html")
    return page


@bp.app_context_processor
def _department_contacts():
    """``department_contacts()`` in every template (the footer and the contacts page)."""
    return {"department_contacts": lambda: contacts(current_locale())}


@bp.route("/contacts")
@public
def contacts_page():
    return render_template("public/contacts.html")


@bp.route("/healthz")
@public
def healthz():
    """Liveness and database reachability, for load balancers and monitoring.

    A connection from the pool (checked out as every request's is) answers ``SELECT 1``;
    no ORM session and no transaction of the request's (it takes no lock). A database that
    cannot be reached or does not answer is a 503.
    """
    engine = db.engine
    try:
        connection = engine.raw_connection()
        try:
            cursor = connection.cursor()
            try:
                cursor.execute("SELECT 1")
                answer = cursor.fetchone()
            finally:
                cursor.close()
        finally:
            connection.close()  # back to the pool, rolled back
    except (SQLAlchemyError, engine.dialect.loaded_dbapi.Error) as exc:
        log.warning("health check: the database is unreachable: %s", exc)
        return Response(_UNREACHABLE, status=503, mimetype="application/json")
    if answer is None or answer[0] != 1:
        log.warning("health check: SELECT 1 answered %r", answer)
        return Response(_UNREACHABLE, status=503, mimetype="application/json")
    return Response(_HEALTHY, mimetype="application/json")
