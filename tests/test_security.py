"""Security baseline: headers on every kind of page, CSRF, cookie flags."""

from pathlib import Path

import pytest

from tests.conftest import PASSWORD, add_user, build_app, csrf_token_from, translated
from tests.factories import sign_in


def assert_security_headers(response):
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "style-src 'self'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert "Server" not in headers


def test_headers_on_public_page(client):
    response = client.get("/")
    assert response.status_code == 200
    assert_security_headers(response)


def test_headers_and_no_store_on_authenticated_page(client, signed_in):
    signed_in()
    response = client.get("/portal")
    assert response.status_code == 200
    assert_security_headers(response)
    assert response.headers["Cache-Control"] == "no-store"


def test_headers_on_error_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert_security_headers(response)


def test_static_assets_may_be_cached_when_anonymous(client):
    response = client.get("/static/css/site.css")
    assert response.status_code == 200
    assert response.headers.get("Cache-Control") != "no-store"
    response.close()


def test_templates_have_no_inline_scripts_or_styles():
    for template in Path(__file__).parent.parent.joinpath("templates").rglob("*.html"):
        text = template.read_text()
        assert "<script>" not in text and "<style" not in text, template
        assert " style=" not in text and " onclick=" not in text, template


@pytest.fixture
def csrf_app(tmp_path):
    return build_app(tmp_path / "csrf", WTF_CSRF_ENABLED=True)


def test_post_without_csrf_token_is_refused_with_expired_form_page(csrf_app):
    client = csrf_app.test_client()
    response = client.post("/login?lang=en", data={"email": "a@example.kz", "password": PASSWORD})
    assert response.status_code == 400
    assert "The form has expired" in response.get_data(as_text=True)


def test_csrf_refusal_is_translated(csrf_app):
    expected = translated(csrf_app, "ru", "The form has expired")
    assert expected != "The form has expired"
    response = csrf_app.test_client().post("/register?lang=ru", data={})
    assert response.status_code == 400
    assert expected in response.get_data(as_text=True)


def test_post_with_csrf_token_is_accepted(csrf_app):
    email = add_user(csrf_app)
    client = csrf_app.test_client()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    # Signing out is a POST too and needs the token.
    assert client.post("/logout").status_code == 400
    token = csrf_token_from(client.get("/portal").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302


def test_session_cookie_flags(tmp_path):
    app = build_app(tmp_path / "cookie", PBI_ENV="production")
    email = add_user(app)
    response = sign_in(app.test_client(), email, PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" in cookie
