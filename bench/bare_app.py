"""P4's peer: a bare Flask app answering ``/healthz`` and ``/`` with bodies of the real app's size.

Served by the same gunicorn settings as the product (``gunicorn --config gunicorn.conf.py
bench.bare_app:app``). ``PBI_BARE_HEALTHZ_BYTES`` and ``PBI_BARE_HOME_BYTES`` set the body
sizes (P4 reads them off the real app's answers in the same run); no database, templates,
sessions, extensions or hooks.
"""

from __future__ import annotations

import os

from flask import Flask, Response

app = Flask(__name__)

_HEALTHZ_BYTES = int(os.environ.get("PBI_BARE_HEALTHZ_BYTES", "32"))
_HOME_BYTES = int(os.environ.get("PBI_BARE_HOME_BYTES", "4000"))


def _body(prefix: str, suffix: str, size: int, filler: str = " ") -> str:
    return prefix + filler * max(0, size - len(prefix) - len(suffix)) + suffix


_HEALTHZ = _body('{"database":"ok","status":"ok"', "}", _HEALTHZ_BYTES)
_HOME = _body("<!doctype html><html><head><title>PBI</title></head><body><p>", "</p></body></html>\n",
              _HOME_BYTES, "x")


@app.get("/healthz")
def healthz() -> Response:
    return Response(_HEALTHZ, mimetype="application/json")


@app.get("/")
def index() -> Response:
    return Response(_HOME, mimetype="text/html")
