"""/staff/patterns in a real browser: the lists, a body's complaints and a refused filter fit a
390 px phone and pass axe in kk, ru and en."""

from __future__ import annotations

from datetime import datetime

import pytest

from app.demo_scale import scale
from app.documents.runtime import keystore
from tests.conftest import sqlite_only
from tests.e2e.conftest import with_lang
from tests.e2e.test_complaint_browser import sign_in
from tests.e2e.test_phone_pages import OVERFLOW, PHONE
from tests.factories import add_user

pytestmark = [pytest.mark.e2e, sqlite_only("layout does not depend on the database; one pass is enough")]


def test_the_recurring_bodies_pages_fit_a_phone_and_pass_axe(browser, live_server, live_app, audit):
    officer = add_user(live_app, "officer")
    with live_app.app_context():
        keystore().initialize()
        scale(complaints=300, associations=3, seed=4, as_of=datetime(2026, 11, 30, 6, 0))  # names that recur
    context = browser.new_context(base_url=live_server, viewport=PHONE, locale="en-US")
    page = context.new_page()
    sign_in(page, officer, live_app)
    scanner = type(audit)(page)

    def visit(path: str, status: int = 200) -> None:
        for lang in ("kk", "ru", "en"):
            response = page.goto(with_lang(path, lang))
            assert response.status == status, (path, lang)
            size = page.evaluate(OVERFLOW)
            assert size["scroll"] <= size["inner"], (path, lang, size)
            scanner.scan_current(f"{path} [{lang}]")

    visit("/staff/patterns")
    assert page.locator("tr.pattern-row").count() >= 5
    body_link = page.locator("tr.pattern-row a[href*='body=']").first.get_attribute("href")
    visit("/staff/patterns?kind=official")
    assert page.locator("tr.pattern-row").count() >= 1
    visit(body_link)
    assert page.locator("ul.pattern-cases li").count() >= 2
    visit("/staff/patterns?min=1&to=2026-01-01&from=2026-02-01", status=400)
    assert page.locator("#min-error").is_visible() and page.locator("#to-error").is_visible()
    assert page.locator("#min").input_value() == "1"
    context.close()
    audit.problems.extend(scanner.problems)
    audit.assert_clean()
