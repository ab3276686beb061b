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


def test_a_views_own_limit_still_applies(tmp_path):
    app = build_app(tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://",
                    PBI_VERIFY_LIMIT="2 per minute")
    client = app.test_client()
    statuses = [client.get("/api/v1/verify/PBI-D-2026-000001?code=x").status_code for _ in range(3)]
    assert statuses == [404, 404, 429]
    assert client.get("/healthz").status_code == 200  # another view: not counted


# --- translations in templates, looked up once per request and locale -----------------------

TEMPLATE = '{{ _("Home") }}|{{ gettext("Sign in") }}|{{ _("%(n)s <b>", n="<i>") }}'


def test_template_translations_follow_the_locale_force_locale_and_refresh(app):
    from flask import render_template_string, session
    from flask_babel import force_locale, gettext, refresh

    with app.test_request_context("/"):
        session["lang"] = "ru"
        ru_home, ru_sign_in = gettext("Home"), gettext("Sign in")
        assert ru_home != "Home" and ru_sign_in != "Sign in"
        assert render_template_string(TEMPLATE).split("|")[:2] == [ru_home, ru_sign_in]
        with force_locale("en"):  # e.g. a document rendered in its reader's language
            assert render_template_string(TEMPLATE).split("|")[:2] == ["Home", "Sign in"]
            with force_locale("kk"):
                kk_home = render_template_string(TEMPLATE).split("|")[0]
                assert kk_home == gettext("Home") and kk_home not in ("Home", ru_home)
            assert render_template_string(TEMPLATE).split("|")[0] == "Home"
        assert render_template_string(TEMPLATE).split("|")[0] == ru_home
        session["lang"] = "en"
        refresh()
        assert render_template_string(TEMPLATE).split("|")[0] == "Home"


def test_template_gettext_escapes_its_variables_and_keeps_the_message_markup(app):
    from flask import render_template_string

    with app.test_request_context("/?lang=en"):
        # An unknown message is its own translation; variables are escaped, the message is not.
        assert render_template_string(TEMPLATE).split("|")[2] == "&lt;i&gt; <b>"
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
