"""An entrepreneur in a real browser: register, sign in, switch to Kazakh, add a business."""

import pytest

from tests.accounts.mailbox import last_token
from tests.conftest import translated

pytestmark = pytest.mark.e2e

PASSWORD = "steppe wind over turkistan"


def test_entrepreneur_journey(page, audit, live_app):
    page.goto("/?lang=en")
    audit.scan_in_all_languages()

    # Register (in English), with one mistake first: errors are summarised and shown by the field.
    page.goto("/register?lang=en")
    audit.scan_in_all_languages()
    page.goto("/register?lang=en")
    page.get_by_label("Email").fill("aigerim@example.kz")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_label("Full name").fill("Айгерім Төлегенова")
    page.get_by_label("Phone").fill("+7 701 123 45 67")
    page.get_by_label("IIN").fill("123456789012")  # wrong check digit
    page.get_by_label("I agree").check()
    page.get_by_role("button", name="Create account").click()
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    assert "check digit" in summary.inner_text()
    assert page.locator("#iin-error").is_visible()
    audit.scan_current("/register with errors [en]")

    page.get_by_label("IIN").fill("")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url("**/register/check-email")
    audit.scan_in_all_languages()

    # The link from the e-mail asks to sign in first, then its button confirms the address.
    link = "/email/verify?token=" + last_token(live_app, "aigerim@example.kz", "/email/verify")
    page.goto(link + "&lang=en")
    page.wait_for_url("**/login?**")
    page.get_by_label("Email").fill("aigerim@example.kz")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/email/verify?**")
    audit.scan_in_all_languages()
    page.goto(link + "&lang=en")
    page.get_by_role("button", name="Confirm my e-mail address").click()
    page.wait_for_url("**/portal")

    # Sign out, then sign in again.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/")
    page.goto("/password/forgot?lang=en")
    audit.scan_in_all_languages()
    page.goto("/login?lang=en")
    audit.scan_in_all_languages()
    page.goto("/login?lang=en")
    page.get_by_label("Email").fill("aigerim@example.kz")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/portal")

    # Switch the language to Kazakh with the visible switcher.
    page.get_by_role("navigation", name="Language").get_by_role("link", name="Қазақша").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "kk"
    assert translated(live_app, "kk", "My account") in page.locator("h1").inner_text()
    audit.scan_in_all_languages()
    page.goto("/portal?lang=kk")

    # Register a business, labels in Kazakh.
    def kk(message):
        return translated(live_app, "kk", message)

    page.get_by_role("link", name=kk("Register a business")).click()
    audit.scan_in_all_languages()
    page.goto("/portal/businesses/new?lang=kk")
    page.get_by_label(kk("Legal entity (BIN)")).check()
    page.get_by_label(kk("BIN"), exact=True).fill("940140000385")
    page.get_by_label(kk("Name"), exact=True).fill("ТОО «Оңтүстік Агро»")
    page.get_by_label(kk("Address")).fill("Түркістан қ., Тәуке хан даңғылы, 12")
    page.get_by_label(kk("District")).select_option(label=kk("Sairam district"))
    page.get_by_label(kk("Sector")).select_option("agriculture")
    page.get_by_role("button", name=kk("Register the business")).click()
    page.wait_for_url("**/portal/businesses/*")
    assert "ТОО «Оңтүстік Агро»" in page.locator("h1").inner_text()
    assert kk("Sairam district") in page.locator(".details").inner_text()
    audit.scan_in_all_languages()

    page.goto("/portal?lang=kk")
    assert "ТОО «Оңтүстік Агро»" in page.locator("main").inner_text()
    audit.scan_in_all_languages()

    page.goto("/portal/associations/new?lang=kk")
    audit.scan_in_all_languages()
    page.goto("/account?lang=kk")
    audit.scan_in_all_languages()
    page.goto("/no-such-page?lang=kk")
    audit.scan_in_all_languages()

    audit.assert_clean()
    assert len(audit.scanned) >= 25


def test_pages_work_without_javascript(browser, live_server):
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    page = context.new_page()
    page.goto("/register?lang=en")
    page.get_by_label("Email").fill("nojs@example.kz")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_label("Full name").fill("Dana Karimova")
    page.get_by_label("Phone").fill("87011234567")
    page.get_by_label("I agree").check()
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url("**/register/check-email")
    page.get_by_role("link", name="Русский").click()
    assert page.locator("html").get_attribute("lang") == "ru"
    context.close()


def test_the_audit_reports_a_real_violation(page, audit):
    """Guards the guard: a page with an unlabelled field and an image without text fails."""
    page.set_content('<html lang="en"><body><main><img src="x.png"><input type="text"></main></body></html>')
    audit.scan_current("synthetic")
    assert any("image-alt" in p for p in audit.problems)
    assert any("label" in p for p in audit.problems)
