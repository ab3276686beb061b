"""The portal's new pages in a real browser: contacts, profile, business and association editing, the filing
form — scanned by axe in kk, ru and en, and none scrolls sideways at a phone's 390 px."""

import pytest

from tests.e2e.conftest import AccessibilityAudit
from tests.e2e.test_complaint_browser import sign_in
from tests.factories import add_user, make_association, make_business

pytestmark = pytest.mark.e2e


def assert_no_sideways_scroll(page, label: str) -> None:
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner, f"{label}: the page scrolls sideways ({scroll} > {inner})"


@pytest.mark.parametrize("width", [1280, 390])
def test_new_portal_pages(browser, live_server, live_app, width):
    live_app.config["PBI_DEPARTMENT_PHONE"] = "+7 725 333 12 34"
    owner = add_user(live_app, locale="en")
    business_id = make_business(live_app, owner)
    parties = make_association(live_app, verified=False)
    context = browser.new_context(base_url=live_server, locale="en-US", viewport={"width": width, "height": 844})
    page = context.new_page()
    audit = AccessibilityAudit(page)
    try:
        page.goto("/contacts?lang=en")
        assert "+7 725 333 12 34" in page.locator("main").inner_text()
        audit.scan_in_all_languages()
        assert_no_sideways_scroll(page, "/contacts")

        sign_in(page, owner, live_app)
        pages = ["/account", f"/portal/businesses/{business_id}/edit", "/portal/complaints/new"]
        for path in pages:
            page.goto(f"{path}?lang=en")
            audit.scan_in_all_languages()
            assert_no_sideways_scroll(page, path)

        # Edit the business in the browser: the change is saved and said so.
        page.goto(f"/portal/businesses/{business_id}/edit?lang=en")
        page.get_by_label("Name", exact=True).fill("ТОО «Жаңа атау»")
        page.get_by_role("button", name="Save the changes").click()
        page.wait_for_url(f"**/portal/businesses/{business_id}")
        assert "The changes to the business have been saved." in page.locator("main").inner_text()
        assert "ТОО «Жаңа атау»" in page.locator("h1").inner_text()

        # A fresh session for the association's representative. Every answer renews the session cookie, so
        # the page's last requests (its stylesheet, its icon) must be answered before the cookies go: one
        # answered after would bring the owner's session back.
        page.wait_for_load_state("networkidle")
        context.clear_cookies()
        assert context.cookies() == []
        sign_in(page, parties.representative, live_app)
        path = f"/portal/associations/{parties.association_id}/edit"
        page.goto(f"{path}?lang=en")
        audit.scan_in_all_languages()
        assert_no_sideways_scroll(page, path)
        audit.assert_clean()
    finally:
        context.close()
