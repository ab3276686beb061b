"""Server hygiene: safe log lines, a correlation id per request, a private instance folder.

- **Log lines**: every control character (C0 including CR, LF, TAB and NUL; DEL; C1) in
  a log message is written as an escape (``\\r``, ``\\n``, ``\\x00``, ``\\x85`` …), so a
  request can never forge a line or hide one. :class:`ControlCharacterFilter` does it for
  the app's records; gunicorn's access log gets the same through ``gunicorn.conf.py``
  (:func:`escape_controls` on every atom).
- **Correlation id**: each request gets a random id (never the client's), sent back in
  ``X-Request-Id``, shown on error pages, added to the app's log records as
  ``request_id`` and written in gunicorn's access line (the response header), so a
  person quoting the id of an error page leads to its log lines.
- **Private files**: the process umask is 077 and the instance folder is 0700, so the
  database, stored files and keys are created readable by the service user only;
  :func:`restrict_instance` (run by ``init``) fixes files made before.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import stat

from flask import Flask, g, has_request_context

HEADER = "X-Request-Id"
PRIVATE_UMASK = 0o077
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")
_NAMED = {"\r": "\\r", "\n": "\\n", "\t": "\\t"}


def escape_controls(text: str) -> str:
    """``text`` with each control character written as a visible escape."""
    if not _CONTROLS.search(text):
        return text
    return _CONTROLS.sub(lambda m: _NAMED.get(m.group(), f"\\x{ord(m.group()):02x}"), text)


def request_id() -> str | None:
    """This request's correlation id (``None`` outside a request)."""
    if not has_request_context():
        return None
    rid = g.get("request_id")
    if rid is None:
        rid = g.request_id = secrets.token_hex(8)
    return rid


class ControlCharacterFilter(logging.Filter):
    """Escapes control characters in the message and adds ``request_id`` to the record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep what there is, visibly
            message = f"{record.msg!r} % {record.args!r}"
        record.msg, record.args = escape_controls(message), None
        if not hasattr(record, "request_id"):
            record.request_id = request_id() or "-"
        if record.request_id != "-" and f"[{record.request_id}]" not in record.msg:
            record.msg = f"[{record.request_id}] {record.msg}"
        return True


def _set_header(response):
    rid = request_id()
    if rid:
        response.headers[HEADER] = rid
    return response


def restrict_instance(instance_path: str) -> int:
    """Make the instance folder 0700 and every file in it 0600 (folders 0700); returns the count changed."""
    changed = 0
    for folder, dirs, files in os.walk(instance_path):
        for path, mode in [(folder, 0o700)] + [(os.path.join(folder, name), 0o600) for name in files]:
            try:
                current = os.lstat(path)
            except FileNotFoundError:
                continue
            if stat.S_ISLNK(current.st_mode):
                continue
            if stat.S_IMODE(current.st_mode) & 0o077:
                os.chmod(path, stat.S_IMODE(current.st_mode) & ~0o077 & 0o777 | (mode & 0o700))
                changed += 1
        dirs[:] = [name for name in dirs if not os.path.islink(os.path.join(folder, name))]
    return changed


def private_instance(instance_path: str) -> None:
    """The umask for everything this process creates, and the instance folder itself, 0700."""
    os.umask(PRIVATE_UMASK)
    os.makedirs(instance_path, mode=0o700, exist_ok=True)
    mode = stat.S_IMODE(os.stat(instance_path).st_mode)
    if mode & 0o077:
        os.chmod(instance_path, mode & 0o700)


def init_app(app: Flask) -> None:
    app.logger.addFilter(ControlCharacterFilter())
    for handler in app.logger.handlers:
        handler.addFilter(ControlCharacterFilter())
    app.after_request(_set_header)
    app.jinja_env.globals["request_id"] = request_id
