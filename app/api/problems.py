"""Errors of the API as ``application/problem+json`` (RFC 9457), the text in the caller's language.

A problem has ``type`` (``about:blank``: the status says it all, RFC 9457 §4.2.1), ``title``
(the status's short text), ``status``, ``detail`` (what went wrong, for a person) and
``instance`` (the path asked for), and the extension ``request_id`` — the id in the
server's log — and, for a refused parameter, ``parameter``. The language is the request's
(``Accept-Language``, or ``?lang=`` as on the pages): Kazakh by default.
"""

from __future__ import annotations

from flask import Response, json, request

from app import hygiene

MEDIA_TYPE = "application/problem+json"


def problem(status: int, title: str, detail: str, headers: dict[str, str] | None = None, **extensions) -> Response:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, "instance": request.path,
            "request_id": hygiene.request_id(), **extensions}
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=MEDIA_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response
