"""The anonymous home page: rendered once per language, and the same page as a fresh render."""

from __future__ import annotations

import pytest
from flask import render_template, session

from tests.conftest import translated


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_the_kept_home_page_is_the_fresh_page_of_each_language(app, client, lang):
    client.get(f"/?lang={lang}")  # the choice, remembered in the session
    first = client.get("/")
    again = client.get("/")
    assert first.status_code == again.status_code == 200
    assert first.data == again.data
    assert translated(app, lang, "Protecting Business and Investments") in first.get_data(as_text=True)
    assert f'<html lang="{lang}">' in first.get_data(as_text=True)
    assert app.extensions["pbi.home_pages"][lang] == first.get_data(as_text=True)


def test_each_language_gets_its_own_page(client):
    pages = {}
    for lang in ("kk", "ru", "en"):
        client.get(f"/?lang={lang}")
        pages[lang] = client.get("/").get_data(as_text=True)
    assert len(set(pages.values())) == 3


def test_a_flashed_message_is_shown_not_kept(app, client):
    client.get("/")  # the kept page exists
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "a message for this visitor only")]
    assert "a message for this visitor only" in client.get("/").get_data(as_text=True)
    assert "a message for this visitor only" not in client.get("/").get_data(as_text=True)
    assert all("a message" not in page for page in app.extensions["pbi.home_pages"].values())


def test_a_signed_in_user_is_sent_to_their_home(client, signed_in):
    client.get("/")
    signed_in()
    assert client.get("/").status_code == 302


def test_the_kept_page_matches_a_render_of_the_template(app, client):
    client.get("/?lang=en")
    body = client.get("/").get_data(as_text=True)
    with app.test_request_context("/"):
        session["lang"] = "en"
        assert render_template("public/index.html") == body
