"""What the per-request shortcuts (P4 in BENCHMARKS.md) must not change.

The limiter's per-request hook runs only when a limit beyond a view's own is declared; a
declared one still applies. (Flask-Limiter's extension object is one per process, and
``init_app`` keeps default limits once set: each test here clears what it declared.)
"""

from __future__ import annotations

import pytest

from app.extensions import limiter
from tests.conftest import build_app


@pytest.fixture
def clear_declared_limits():
    yield
    limiter.limit_manager.set_default_limits([])
    limiter.limit_manager.set_application_limits([])


def test_without_limits_beyond_the_views_the_limiter_hook_checks_nothing(tmp_path):
    app = build_app(tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")
    client = app.test_client()
    for _ in range(5):
        response = client.get("/healthz")
        assert response.status_code == 200
        assert "X-RateLimit-Limit" not in response.headers


@pytest.mark.parametrize("setting", ["RATELIMIT_DEFAULT", "RATELIMIT_APPLICATION"])
def test_a_declared_default_or_application_limit_still_applies_to_every_view(tmp_path, setting,
                                                                             clear_declared_limits):
    app = build_app(tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://",
                    **{setting: "2 per minute"})
    client = app.test_client()
    statuses = [client.get("/healthz").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert client.get("/").status_code == (429 if setting == "RATELIMIT_APPLICATION" else 200)


def test_a_views_own_limit_still_applies_with_its_headers(tmp_path):
    app = build_app(tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://",
                    PBI_VERIFY_LIMIT="2 per minute")
    client = app.test_client()
    responses = [client.get("/api/v1/verify/PBI-D-2026-000001?code=x") for _ in range(3)]
    assert [r.status_code for r in responses] == [404, 404, 429]
    assert [r.headers.get("X-RateLimit-Remaining") for r in responses] == ["1", "0", "0"]
    assert int(responses[-1].headers["Retry-After"]) > 0
    assert client.get("/healthz").status_code == 200  # another view: not counted
    assert "X-RateLimit-Limit" not in client.get("/healthz").headers


def test_the_limiter_hooks_are_the_apps_shortcuts(tmp_path):
    """Fails when a Flask-Limiter upgrade moves its hooks (they would stay, at full price)."""
    from app import extensions

    app = build_app(tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")
    assert extensions._check_limits_beyond_views in app.before_request_funcs[None]
    assert extensions._inject_headers_after_a_check in app.after_request_funcs[None]
    assert extensions._release_after_a_check in app.teardown_request_funcs[None]
    assert limiter._check_request_limit is extensions._recording_check


# --- translations in templates, looked up once per request and locale -----------------------

TEMPLATE = '{{ _("Home") }}|{{ gettext("Sign in") }}|{{ _("%(n)s <b>", n="<i>") }}|{{ current_locale() }}'


def test_template_translations_follow_the_locale_force_locale_and_refresh(app):
    from flask import render_template_string, session
    from flask_babel import force_locale, gettext, refresh

    with app.test_request_context("/"):
        session["lang"] = "ru"
        ru_home, ru_sign_in = gettext("Home"), gettext("Sign in")
        assert ru_home != "Home" and ru_sign_in != "Sign in"
        assert render_template_string(TEMPLATE).split("|")[:2] == [ru_home, ru_sign_in]
        assert render_template_string(TEMPLATE).split("|")[3] == "ru"
        with force_locale("en"):  # e.g. a document rendered in its reader's language
            assert render_template_string(TEMPLATE).split("|")[:2] == ["Home", "Sign in"]
            assert render_template_string(TEMPLATE).split("|")[3] == "en"
            with force_locale("kk"):
                kk_home, _, _, kk = render_template_string(TEMPLATE).split("|")
                assert kk_home == gettext("Home") and kk_home not in ("Home", ru_home) and kk == "kk"
            assert render_template_string(TEMPLATE).split("|")[0] == "Home"
        assert render_template_string(TEMPLATE).split("|")[0] == ru_home
        assert render_template_string(TEMPLATE).split("|")[3] == "ru"
        session["lang"] = "en"
        refresh()
        assert render_template_string(TEMPLATE).split("|")[0] == "Home"
        assert render_template_string(TEMPLATE).split("|")[3] == "en"


def test_template_gettext_escapes_its_variables_and_keeps_the_message_markup(app):
    from flask import render_template_string

    with app.test_request_context("/?lang=en"):
        # An unknown message is its own translation; variables are escaped, the message is not.
        assert render_template_string(TEMPLATE).split("|")[2] == "&lt;i&gt; <b>"
        # Always a %-format string, also without variables (as Jinja's new-style gettext).
        assert render_template_string('{{ _("100%% <b>") }}|{{ _("100%% <b>") }}') == "100% <b>|100% <b>"
        # Without autoescaping (e-mail text) nothing is escaped.
        plain = '{% autoescape false %}{{ _("%(n)s <b>", n="<i>") }}{% endautoescape %}'
        assert render_template_string(plain) == "<i> <b>"


def test_pages_are_translated_in_each_language(client, app):
    from tests.conftest import translated

    for lang in ("kk", "ru", "en", "kk"):
        html = client.get(f"/?lang={lang}").get_data(as_text=True)
        assert f'<html lang="{lang}">' in html
        assert translated(app, lang, "Protecting Business and Investments") in html
        assert translated(app, lang, "Register as an entrepreneur") in html


# --- the session cookie's serializer, made once per key set --------------------------------

def test_session_cookies_follow_a_changed_secret_key(app):
    from flask import session

    from app.security import SessionCookies

    assert isinstance(app.session_interface, SessionCookies)
    with app.test_request_context("/"):
        session["lang"] = "ru"
        cookie = app.session_interface.get_signing_serializer(app).dumps(dict(session))
        assert app.session_interface.get_signing_serializer(app) is app.session_interface.get_signing_serializer(app)

    def lang_with(cookie_value):
        client = app.test_client()
        client.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie_value)
        return client.get("/").get_data(as_text=True).split('<html lang="')[1][:2]

    assert lang_with(cookie) == "ru"
    old_key = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"] = "another-secret-key-" + "y" * 40
    assert lang_with(cookie) == "kk"  # signed with a key no longer accepted: an empty session
    app.config["SECRET_KEY_FALLBACKS"] = [old_key]
    assert lang_with(cookie) == "ru"
    assert lang_with("forged." + cookie) == "kk"


# --- the menu's unread count: one query per page ---------------------------------------------

def test_the_menus_unread_count_is_one_query_per_page(app, client, signed_in):
    from sqlalchemy import event

    from app.accounts.services import find_by_email
    from app.extensions import db
    from app.notifications import services

    email = signed_in(locale="en")
    with app.app_context():
        user_id = find_by_email(email).id
        services.notify(user_id, "message", subject_number="PBI-C-2026-000123", link="/portal", email=False)
        services.notify(user_id, "message", subject_number="PBI-C-2026-000124", link="/portal", email=False)
        db.session.commit()
        engine = db.engine
    counts = []

    def record(conn, cursor, statement, *_args):
        if "count(notifications.id)" in statement.lower():
            counts.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        page = client.get("/portal?lang=en").get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert "Notifications (2)" in page
    assert len(counts) == 1
