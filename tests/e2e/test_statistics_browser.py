"""/staff/statistics in a real browser: fits a 390 px phone and passes axe in kk, ru and en; a refused filter."""

from __future__ import annotations

import pytest

from tests.conftest import sqlite_only
from tests.e2e.conftest import with_lang
from tests.e2e.test_complaint_browser import sign_in
from tests.e2e.test_phone_pages import OVERFLOW, PHONE
from tests.reporting.statistics_world import build

pytestmark = [pytest.mark.e2e, sqlite_only("layout does not depend on the database; one pass is enough")]


def test_the_statistics_page_fits_a_phone_and_passes_axe(browser, live_server, live_app, audit):
    world = build(live_app, count=150)
    context = browser.new_context(base_url=live_server, viewport=PHONE, locale="en-US")
    page = context.new_page()
    sign_in(page, world.officer_emails["c"], live_app)
    scanner = type(audit)(page)
    for path in ("/staff/statistics?period=year:2026", "/staff/statistics?period=range&from=2026-10-01&to=2026-09-01"):
        for lang in ("kk", "ru", "en"):
            response = page.goto(with_lang(path, lang))
            assert response.status == (200 if "year" in path else 400)
            size = page.evaluate(OVERFLOW)
            assert size["scroll"] <= size["inner"], (path, lang, size)
            scanner.scan_current(f"{path} [{lang}]")
    assert page.locator("#to-error").is_visible()
    assert page.locator("#to").input_value() == "2026-09-01"
    context.close()
    audit.problems.extend(scanner.problems)
    audit.assert_clean()
