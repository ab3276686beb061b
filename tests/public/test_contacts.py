"""The department's contacts: the contacts page, the footer of every page, the home page link."""

from __future__ import annotations

import re

import pytest

from tests.conftest import translated

ADDRESSES = {
    "kk": "Түркістан облысы, Түркістан қаласы",
    "ru": "Туркестанская область, город Туркестан",
    "en": "Turkistan, Turkistan region",
}


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_contacts_page_shows_the_address_and_hours_in_each_language(app, client, lang):
    response = client.get(f"/contacts?lang={lang}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert translated(app, lang, "Contacts of the department") in page
    assert ADDRESSES[lang] in page
    assert app.config[f"PBI_DEPARTMENT_HOURS_{lang.upper()}"] in page
    assert translated(app, lang, "Reception hours") in page
    assert 'href="tel:1424"' in page  # the Agency's call centre


def test_a_configured_phone_and_email_appear_on_the_page_and_in_the_footer(app, client):
    app.config.update(PBI_DEPARTMENT_PHONE="+7 725 333 12 34", PBI_DEPARTMENT_EMAIL="turkistan@anticorruption.gov.kz")
    page = client.get("/contacts?lang=en").get_data(as_text=True)
    main, footer = page.split('<footer class="site-footer">')
    for part in (main, footer):
        assert "+7 725 333 12 34" in part and 'href="tel:+77253331234"' in part
        assert 'href="mailto:turkistan@anticorruption.gov.kz"' in part
    # the footer of another page too
    login = client.get("/login?lang=en").get_data(as_text=True)
    assert "+7 725 333 12 34" in login.split('<footer class="site-footer">')[1]


def test_an_empty_value_leaves_no_label(app, client):
    app.config.update(PBI_DEPARTMENT_PHONE="", PBI_DEPARTMENT_EMAIL="", PBI_DEPARTMENT_HOURS_EN="",
                      PBI_DEPARTMENT_HOURS_KK="", PBI_DEPARTMENT_HOURS_RU="")
    page = client.get("/contacts?lang=en").get_data(as_text=True)
    labels = re.findall(r"<dt>([^<]*)</dt>", page)
    assert "Address" in labels
    assert "Phone" not in labels and "Email" not in labels and "Reception hours" not in labels
    assert "tel:+" not in page and "mailto:" not in page


def test_home_page_and_footer_link_to_the_contacts_page(client):
    page = client.get("/?lang=en").get_data(as_text=True)
    main, footer = page.split('<footer class="site-footer">')
    assert 'href="/contacts"' in main and 'href="/contacts"' in footer
