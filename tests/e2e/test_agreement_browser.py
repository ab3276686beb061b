"""In a real browser: a representative signs, a supervisor countersigns, the public sees it."""

import re
from pathlib import Path

import pytest

from app.agreements.models import Agreement
from app.documents.runtime import keystore
from app.extensions import db
from tests.factories import PASSWORD, make_association, totp_code

pytestmark = pytest.mark.e2e


@pytest.fixture
def parties(live_app):
    with live_app.app_context():
        keystore().initialize()
    return make_association(live_app, name="Оңтүстік кәсіпкерлері")


def sign_in(page, email: str, app) -> None:
    page.goto("/login?lang=en")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    if "/sign-in/code" in page.url:  # staff: the second step, a code from the authenticator app
        page.get_by_label("Code", exact=True).fill(totp_code(app, email))
        page.get_by_role("button", name="Continue").click()
        page.wait_for_load_state()


def test_agreement_signed_countersigned_and_published(browser, live_server, live_app, parties, audit, page):
    # The representative prepares the agreement, downloads the PDF to review, and signs.
    sign_in(page, parties.representative, live_app)
    page.goto(f"/portal/associations/{parties.association_id}/agreement?lang=en")
    audit.scan_in_all_languages()
    page.goto(f"/portal/associations/{parties.association_id}/agreement?lang=en")
    page.get_by_role("button", name="Prepare an agreement").click()
    page.wait_for_url(re.compile(r".*/portal/agreements/\d+$"))
    agreement_url = page.url
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the agreement PDF").click()
    draft = download_info.value
    assert draft.suggested_filename.endswith(".pdf")
    assert Path(draft.path()).read_bytes()[:5] == b"%PDF-"
    audit.scan_in_all_languages()
    page.goto(agreement_url + "?lang=en")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Sign the agreement").click()
    page.wait_for_load_state()
    assert "sent to the department for countersigning" in page.locator(".notice").first.inner_text()

    # The supervisor countersigns in another browser session.
    staff = browser.new_context(base_url=live_server).new_page()
    sign_in(staff, parties.supervisor, live_app)
    staff.goto("/staff/agreements?lang=en")
    staff_audit = type(audit)(staff)
    staff_audit.scan_in_all_languages()
    staff.goto("/staff/agreements?lang=en")
    staff.locator("table a").first.click()
    staff.wait_for_load_state()
    staff_audit.scan_in_all_languages()
    staff.get_by_role("button", name="Countersign and put into force").click()
    staff.wait_for_load_state()
    staff_audit.scan_current("confirmation of countersigning [en]")
    staff.get_by_role("button", name="Confirm: Countersign and put into force").click()
    staff.wait_for_load_state()
    assert "The agreement is in force" in staff.locator(".notice").first.inner_text()
    number = re.search(r"PBI-A-\d{4}-\d{4}", staff.locator("h1").inner_text()).group(0)

    # The representative downloads the signed agreement.
    page.goto(agreement_url + "?lang=en")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the signed agreement (PDF)").click()
    signed = Path(download_info.value.path()).read_bytes()
    verdict = page.request.post("/api/v1/verify?lang=en", multipart={
        "document": {"name": "agreement.pdf", "mimeType": "application/pdf", "buffer": signed}})
    assert verdict.ok and verdict.json()["valid"] is True and verdict.json()["kind"] == "agreement"

    # Anyone finds it in the public registry and verifies it.
    public = browser.new_context(base_url=live_server).new_page()
    public.goto("/registry?lang=en")
    public.get_by_label("Search by association name, BIN or agreement number").fill("оңтүстік")
    public.get_by_role("button", name="Search").click()
    public.get_by_role("link", name=number).click()
    public.wait_for_load_state()
    public_audit = type(audit)(public)
    public_audit.scan_in_all_languages()
    public.goto(public.url.split("?")[0] + "?lang=en")
    public.get_by_role("link", name="Verify the signed document").click()
    public.wait_for_load_state()
    assert "The document is authentic" in public.locator(".verdict").inner_text()
    public_audit.scan_in_all_languages()
    public.goto("/registry?lang=en")
    public_audit.scan_in_all_languages()

    with live_app.app_context():
        assert db.session.query(Agreement).filter_by(number=number).one().status == "active"
    for check in (audit, staff_audit, public_audit):
        check.assert_clean()
