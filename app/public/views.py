"""Pages anyone can open, and the health check."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, redirect, render_template
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from app.accounts.guards import public
from app.accounts.views import home_for
from app.extensions import db

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
    return render_template("public/index.html")


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
