"""The monthly report page in a real browser: refused month, issue with CSRF, download; axe in kk, ru, en."""

from __future__ import annotations

import pytest

from app.documents.runtime import keystore
from app.timeutil import local_today
from tests.conftest import sqlite_only
from tests.e2e.conftest import with_lang
from tests.e2e.test_complaint_browser import sign_in
from tests.e2e.test_phone_pages import OVERFLOW, PHONE
from tests.reporting.statistics_world import build

pytestmark = [pytest.mark.e2e, sqlite_only("layout does not depend on the database; one pass is enough")]


def test_a_supervisor_issues_and_downloads_the_monthly_report(browser, live_server, live_app, audit, tmp_path):
    with live_app.app_context():
        keystore().initialize()
    world = build(live_app, count=80)
    context = browser.new_context(base_url=live_server, viewport=PHONE, locale="en-US", accept_downloads=True)
    page = context.new_page()
    sign_in(page, world.officer_emails["c"], live_app)
    scanner = type(audit)(page)
    page.goto("/staff/statistics?period=year:2026&lang=en")
    page.get_by_role("link", name="Monthly report (signed PDF)").click()
    page.get_by_label("Month").fill(f"{local_today():%Y-%m}")  # the running month: refused
    page.get_by_role("button", name="Issue the report").click()
    assert page.locator("#month-error").is_visible()
    assert page.locator("#month").input_value() == f"{local_today():%Y-%m}"
    page.get_by_label("Month").fill("2026-11")
    page.get_by_role("button", name="Issue the report").click()
    assert page.get_by_text("has been issued").is_visible()
    for lang in ("kk", "ru", "en"):
        response = page.goto(with_lang("/staff/statistics/monthly-report", lang))
        assert response.status == 200
        size = page.evaluate(OVERFLOW)
        assert size["scroll"] <= size["inner"], (lang, size)
        scanner.scan_current(f"/staff/statistics/monthly-report [{lang}]")
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF").click()
    saved = tmp_path / "report.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
    context.close()
    audit.problems.extend(scanner.problems)
    audit.assert_clean()
