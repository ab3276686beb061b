"""Error pages in the user's language (HTML), or JSON for API clients."""

from __future__ import annotations

from flask import Flask, current_app, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError

from app import transactions
from app.api.problems import problem
from app.database import DatabaseBusy, is_busy_error
from app.documents.storage import StoredFileCorrupted


def _texts(code: int) -> tuple[str, str]:
    return {
        400: (_("The request could not be processed"),
              _("Something in the request was not right. Go back and try again.")),
        401: (_("Sign-in required"), _("Sign in to continue.")),
        403: (_("Access denied"), _("You do not have permission to open this page.")),
        404: (_("Page not found"),
              _("There is no page at this address. Check the address or go to the home page.")),
        405: (_("Action not allowed"), _("This page does not accept this kind of request.")),
        413: (_("The file is too large"),
              _("What you sent is larger than the allowed limit. Send a smaller file.")),
        429: (_("Too many attempts"),
              _("Too many requests in a short time. Wait a few minutes and try again.")),
        500: (_("Something went wrong on our side"),
              _("The error has been recorded. Try again later; your saved data is safe.")),
    }.get(code, (_("Error"), _("The request could not be completed.")))


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def render_error(code: int, title: str, message: str):
    """The error page, or for the API (and ``/healthz``) an RFC 9457 problem (app.api.problems)."""
    if _wants_json():
        return problem(code, title, message), code
    return render_template("errors/error.html", code=code, title=title, message=message), code


def handle_http_error(error: HTTPException):
    code = error.code or 500
    title, message = _texts(code)
    message = str(getattr(error, "user_message", None) or message)  # e.g. app.inputs.InputOutOfRange
    response = render_error(code, title, message)
    if code == 429 or code == 405:
        body, status = response
        headers = {k: v for k, v in error.get_headers() if k in ("Retry-After", "Allow")}
        return body, status, headers
    return response


def handle_csrf_error(error: CSRFError):
    return render_error(
        400,
        _("The form has expired"),
        _("For your security the form expired or was sent from elsewhere. "
          "Go back, reload the page and send it again."),
    )


def handle_unexpected(error: Exception):
    transactions.rollback()
    original = getattr(error, "original_exception", None) or error
    if not isinstance(original, HTTPException):
        current_app.logger.exception("unhandled error", exc_info=original)
    title, message = _texts(500)
    return render_error(500, title, message)


def handle_storage_integrity(error: StoredFileCorrupted):
    """A stored file failed authentication: never serve it; make noise in the log."""
    transactions.rollback()
    current_app.logger.critical("stored file failed its integrity check: %s", error)
    title, message = _texts(500)
    return render_error(500, title, message)


def handle_concurrent_change(error: StaleDataError):
    """Someone changed the record between this request's read and its write: nothing was saved."""
    transactions.rollback()
    current_app.logger.info("concurrent change refused: %s", error)
    return render_error(409, _("Changed by someone else"),
                        _("Someone else changed this record at the same moment, so nothing was saved. "
                          "Reload the page, check it and try again."))


def handle_database_error(error: OperationalError):
    """A writer waited too long for the database: a 503 with Retry-After, never a 500."""
    transactions.rollback()
    if not is_busy_error(error):
        return handle_unexpected(error)
    current_app.logger.warning("database busy: %s", error)
    body, status = render_error(503, _("The service is busy"),
                                _("Too many people are saving at this moment. Nothing was saved; "
                                  "wait a few seconds and send it again."))
    return body, status, {"Retry-After": "5"}


def init_app(app: Flask) -> None:
    app.register_error_handler(StaleDataError, handle_concurrent_change)
    app.register_error_handler(OperationalError, handle_database_error)
    app.register_error_handler(DatabaseBusy, handle_database_error)
    app.register_error_handler(StoredFileCorrupted, handle_storage_integrity)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(InternalServerError, handle_unexpected)
