"""Languages: Kazakh by default, ?lang= on any page, remembered; complete catalogs."""

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from app.accounts.services import find_by_email
from tests.conftest import translated

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


def test_choice_is_saved_on_the_profile_and_used_at_next_login(app, client, signed_in, auth):
    email = signed_in(locale="kk")
    client.get("/portal?lang=ru")
    with app.app_context():
        assert find_by_email(email).locale == "ru"
    auth.logout()
    fresh = app.test_client()
    fresh.post("/login", data={"email": email, "password": "correct horse battery staple"})
    assert '<html lang="ru">' in fresh.get("/portal").get_data(as_text=True)


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
