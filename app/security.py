"""Security headers, set in one place for every response."""

from __future__ import annotations

from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user
from itsdangerous import URLSafeTimedSerializer


def content_security_policy(*connect_sources: str) -> str:
    """The policy of every page; ``connect_sources`` widens ``connect-src`` for one page that needs it."""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            " ".join(["connect-src 'self'", *connect_sources]),
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


CONTENT_SECURITY_POLICY = content_security_policy()
# The agreement page talks to NCALayer, the NCA RK desktop signer, on the user's own computer (and nowhere else).
NCALAYER_CONTENT_SECURITY_POLICY = content_security_policy("wss://127.0.0.1:13579")

_NO_STORE_TYPES = {"text/html", "application/json"}

STATIC_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}


# The static set, precomputed once: (lower-case name, name, value), in the order sent.
_STATIC_ITEMS = tuple((name.lower(), name, value) for name, value in STATIC_HEADERS.items())


def set_security_headers(response: Response) -> Response:
    headers = response.headers
    present = {name.lower() for name, _ in headers}  # a view may have set one already: keep its value
    for lower, name, value in _STATIC_ITEMS:
        if lower not in present:
            headers.add(name, value)
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=63072000")
    # Pages (they carry CSRF tokens) and anything shown to a signed-in person must not
    # stay in shared caches or in the history of a public computer. Static assets may.
    # (Pages and JSON are no-store for everyone, so only other responses load the user.)
    if request.endpoint != "static" and (response.mimetype in _NO_STORE_TYPES or _signed_in()):
        headers["Cache-Control"] = "no-store"
    headers.pop("Server", None)
    return response


def _signed_in() -> bool:
    return bool(current_user and current_user.is_authenticated)


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed session cookie, unchanged, with its signing serializer made once per key set.

    Flask builds the serializer again for every request (and test-serializes an empty
    payload while doing so); the same keys, salt and signer give the same serializer,
    which holds no per-request state. A changed ``SECRET_KEY`` or ``SECRET_KEY_FALLBACKS``
    makes a new one.
    """

    def __init__(self) -> None:
        self._made: tuple[tuple, URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        made = self._made
        if made is not None and made[0] == keys:
            return made[1]
        serializer = super().get_signing_serializer(app)
        self._made = (keys, serializer)
        return serializer


def init_app(app: Flask) -> None:
    if type(app.session_interface) is SecureCookieSessionInterface:
        app.session_interface = SessionCookies()
    app.after_request(set_security_headers)
