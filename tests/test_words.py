"""Words: the catalogs and the demo data read as a government text (one script per word, the
project's name, units, one English word for the talon), and the small things around them."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import render_template_string
from flask_babel import force_locale
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired

from app import demo
from app.complaints.models import CaseMessage, Complaint, ComplaintEvent
from app.documents.runtime import keystore
from app.extensions import db
from app.sizes import file_size
from app.timeutil import utcnow
from tests.conftest import build_app

CATALOGS = Path(__file__).resolve().parent.parent / "app" / "translations"
CYRILLIC = re.compile(r"[\u0400-\u04FF]")
LATIN = re.compile(r"[A-Za-z]")
WORD = re.compile(r"[^\W\d_]+")


def catalog(lang: str):
    with open(CATALOGS / lang / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle)


def translations(lang: str) -> dict[str, str]:
    return {message.id: message.string for message in catalog(lang) if isinstance(message.id, str)}


def mixed_words(text: str) -> list[str]:
    """Words written partly in Latin and partly in Cyrillic letters ("Әкімшi" with a Latin i)."""
    text = re.sub(r"%\([a-z_]+\)[sd]", " ", text)
    return [word for word in WORD.findall(text) if CYRILLIC.search(word) and LATIN.search(word)]


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_no_catalog_word_mixes_latin_and_cyrillic_letters(lang):
    problems = []
    for message in catalog(lang):
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            problems.extend(f"{message.id!r}: {word}" for word in mixed_words(text or ""))
    assert not problems, "\n".join(problems)


def test_the_mixed_script_check_sees_a_latin_letter():
    assert mixed_words("Әкімшi Админов") == ["Әкімшi"]
    assert mixed_words("Әкімші Админов, PDF-файл, %(name)sға") == []


def test_demo_names_are_written_in_one_script():
    names = [name for _key, _role, name in demo.STAFF]
    names += [name for _key, name, _phone, _locale in demo.ENTREPRENEURS]
    names += [row[3] for row in demo.demo_businesses()] + [row[4] for row in demo.demo_businesses()]
    for row in demo.demo_associations():
        names += [row[2], row[3], row[6], row[7]]
    assert "Әкімші Админов" in names
    assert [word for name in names for word in mixed_words(name)] == []


def test_the_kazakh_name_of_the_project_says_investments():
    kk, ru = translations("kk"), translations("ru")
    assert kk["Protecting Business and Investments"] == "Бизнес пен инвестицияларды қорғау"
    assert ru["Protecting Business and Investments"] == "Защита бизнеса и инвестиций"
    assert not [msgid for msgid, text in kk.items() if "инвестор" in (text or "")]
    templates = Path(__file__).resolve().parent.parent / "templates"
    assert not [path.name for path in templates.rglob("*.html") if "инвестор" in path.read_text(encoding="utf-8")]


def test_one_english_word_for_the_talon():
    msgids = " ".join(translations("en"))
    assert "talon" in msgids
    assert not re.search(r"\b(receipt|acknowledg\w*)\b", msgids, re.I)


def test_my_account_and_the_russian_appeal_button():
    en_ids, kk, ru = translations("en"), translations("kk"), translations("ru")
    assert not [msgid for msgid in en_ids if "my cabinet" in msgid.lower()]
    assert kk["My account"] == "Жеке кабинет" and ru["My account"] == "Личный кабинет"
    assert ru["Submit the appeal"] == "Обжаловать"
    assert "с подтверждением паролем" not in " ".join(text or "" for text in ru.values())


@pytest.mark.parametrize(("lang", "small", "large"), [
    ("kk", "340 КБ", "2,5 МБ"), ("ru", "340 КБ", "2,5 МБ"), ("en", "340 KB", "2.5 MB")])
def test_file_sizes_in_the_readers_units(app, lang, small, large):
    with app.test_request_context("/"), force_locale(lang):
        assert file_size(340 * 1024 - 100) == small
        assert file_size(int(2.5 * 1024 * 1024)) == large
        assert file_size(0) == small.replace("340", "1")


class ConsentForm(FlaskForm):
    class Meta:
        csrf = False

    name = StringField("Name of the state body.", [DataRequired("Fill in the name.")])
    consent = BooleanField("I agree to the processing of my personal data.",
                           [DataRequired("Your consent is required.")])


def test_the_error_summary_has_no_full_stop_before_a_colon(app):
    with app.test_request_context("/", method="POST", data={}):
        form = ConsentForm()
        assert not form.validate()
        html = render_template_string('{% from "macros.html" import error_summary %}{{ error_summary(form) }}',
                                      form=form)
    assert ".:" not in html
    assert ">Name of the state body: Fill in the name.</a>" in html
    assert ">Your consent is required.</a>" in html


def test_the_favicon_is_served_and_linked(client):
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert icon.get_data(as_text=True).lstrip().startswith("<svg")
    assert '<link rel="icon" type="image/svg+xml" href="/static/favicon.svg">' in client.get("/").get_data(as_text=True)


def test_the_menu_folds_without_javascript(client):
    html = client.get("/?lang=kk").get_data(as_text=True)
    assert re.search(r'<nav class="main-nav"[^>]*>\s*<div class="container">\s*<details class="menu">\s*'
                     r"<summary>Мәзір</summary>", html)
    assert "<script" not in html


def test_demo_history_follows_the_receipt(tmp_path):
    app = build_app(tmp_path)
    with app.app_context():
        keystore().initialize()
        demo.create()
        now = utcnow()
        complaints = db.session.scalars(select(Complaint)).all()
        assert len(complaints) >= 9
        for complaint in complaints:
            events = db.session.scalars(select(ComplaintEvent).where(ComplaintEvent.complaint_id == complaint.id)
                                        .order_by(ComplaintEvent.id)).all()
            messages = db.session.scalars(select(CaseMessage).where(CaseMessage.complaint_id == complaint.id)).all()
            assert events[0].action == "file" and events[0].at == complaint.received_at, complaint.number
            times = [event.at for event in events]
            assert times == sorted(times), complaint.number
            for entry in [*events, *messages]:
                assert complaint.received_at <= entry.at <= now, (complaint.number, entry.at)
            # A case received days ago does not show its first steps under today's date.
            if len(events) > 1 and events[1].document_id is None and now - complaint.received_at > timedelta(days=1):
                assert events[1].at - complaint.received_at <= timedelta(hours=6), complaint.number


@pytest.mark.parametrize(("lang", "lower_you"), [
    ("ru", r"(?<!\w)(вы|вас|вам|вами|ваш\w*)(?!\w)"),
    ("kk", r"(?<!\w)(сіз|сізге|сізді|сіздің|сізде|сізден|сізбен)(?!\w)")])
def test_the_reader_is_addressed_politely_and_alike_everywhere(lang, lower_you):
    """Official correspondence writes the polite "Вы"/"Сіз" with a capital; Russian without "ё"."""
    problems = []
    for msgid, text in translations(lang).items():
        if text and re.search(lower_you, text):
            problems.append(f"{msgid!r}: {text}")
        if lang == "ru" and text and "ё" in text.lower():
            problems.append(f"{msgid!r}: ё in {text}")
    assert not problems, "\n".join(problems)
    assert "Рахмет" not in " ".join(text or "" for text in translations("kk").values())
