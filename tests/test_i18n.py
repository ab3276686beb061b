"""Languages: Kazakh by default, ?lang= on any page, remembered; complete catalogs."""

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from app.accounts.services import find_by_email
from tests.conftest import build_app, translated
from tests.factories import PASSWORD, sign_in

ROOT = Path(__file__).parent.parent
CATALOGS = ROOT / "app" / "translations"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def title_of(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1)


def test_kazakh_is_the_default(app, client):
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="kk">' in html
    assert translated(app, "kk", "Sign in") != "Sign in"
    assert translated(app, "kk", "Sign in") in title_of(html)


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_lang_parameter_works_on_any_page_and_is_remembered(app, client, lang):
    html = client.get(f"/register?lang={lang}").get_data(as_text=True)
    assert f'<html lang="{lang}">' in html
    assert translated(app, lang, "Register") in title_of(html)
    later = client.get("/login").get_data(as_text=True)  # no parameter: the session remembers
    assert f'<html lang="{lang}">' in later


def test_unknown_language_is_ignored(client):
    html = client.get("/login?lang=xx").get_data(as_text=True)
    assert '<html lang="kk">' in html


def test_switcher_links_keep_the_page_and_its_query(client):
    html = client.get("/login?next=/portal").get_data(as_text=True)
    assert 'href="/login?next=%2Fportal&amp;lang=ru"' in html
    assert 'href="/login?next=%2Fportal&amp;lang=en"' in html


def stored_locale(app, email: str) -> str:
    with app.app_context():
        return find_by_email(email).locale


def test_lang_on_a_get_chooses_the_session_language_and_never_writes_the_profile(app, client, signed_in):
    email = signed_in(locale="kk")
    assert '<html lang="ru">' in client.get("/portal?lang=ru").get_data(as_text=True)
    assert '<html lang="ru">' in client.get("/portal").get_data(as_text=True)  # this session remembers
    assert stored_locale(app, email) == "kk"  # the GET changed nothing stored
    other = app.test_client()  # another browser of the same user: the profile's language
    other.post("/login", data={"email": email, "password": PASSWORD})
    assert '<html lang="kk">' in other.get("/portal").get_data(as_text=True)


def test_the_explicit_post_saves_the_profile_language_used_at_next_login(app, client, signed_in):
    email = signed_in(locale="kk")
    response = client.post("/language", data={"lang": "ru", "save": "y", "next": "/account"})
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert stored_locale(app, email) == "ru"
    fresh = app.test_client()
    sign_in(fresh, email, PASSWORD)
    assert '<html lang="ru">' in fresh.get("/portal").get_data(as_text=True)


def test_the_post_without_save_and_for_visitors_sets_only_the_session(app, client, signed_in):
    email = signed_in(locale="kk")
    client.post("/language", data={"lang": "en"})
    assert '<html lang="en">' in client.get("/portal").get_data(as_text=True)
    assert stored_locale(app, email) == "kk"
    visitor = app.test_client()
    assert visitor.post("/language", data={"lang": "ru", "save": "y", "next": "//evil.example"}).headers[
        "Location"] == "/"  # no open redirect
    assert '<html lang="ru">' in visitor.get("/login").get_data(as_text=True)
    assert visitor.post("/language", data={"lang": "xx"}).status_code == 400


def test_the_language_post_needs_a_csrf_token(tmp_path):
    app = build_app(tmp_path, WTF_CSRF_ENABLED=True)
    assert app.test_client().post("/language", data={"lang": "ru", "save": "y"}).status_code == 400


def test_the_account_page_offers_the_language_form(client, signed_in):
    signed_in(locale="en")
    html = client.get("/account?lang=en").get_data(as_text=True)
    # the language is part of the profile form (accounts.account_profile)
    assert 'action="/account/profile"' in html and '<option selected value="en">' in html


def extracted_messages() -> set[str]:
    method_map = [("app/**.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=keywords
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_catalog_has_every_message(lang):
    with open(CATALOGS / lang / "LC_MESSAGES" / "messages.po", encoding="utf-8") as handle:
        catalog = read_po(handle)
    in_catalog = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}
    missing = extracted_messages() - in_catalog
    assert not missing, f"{lang}: run `make extract-messages` and translate: {sorted(missing)}"
    if lang == "en":
        return  # English is the source language
    for message in catalog:
        if not message.id:
            continue
        assert message.string, f"{lang}: untranslated {message.id!r}"
        assert not message.fuzzy, f"{lang}: fuzzy {message.id!r}"
        source = message.id if isinstance(message.id, str) else message.id[0]
        target = message.string if isinstance(message.string, str) else message.string[0]
        assert set(PLACEHOLDER.findall(source)) == set(PLACEHOLDER.findall(target)), message.id


def test_compiled_catalogs_are_current():
    for lang in ("kk", "ru"):
        po = CATALOGS / lang / "LC_MESSAGES" / "messages.po"
        mo = po.with_suffix(".mo")
        assert mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime, (
            f"{mo} is missing or older than its .po: run `make translations`"
        )
