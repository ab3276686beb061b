"""In a real browser: an entrepreneur files with evidence, verifies the talon; an officer decides."""

import io
import re
from pathlib import Path

import pytest
from PIL import Image

from app.documents.runtime import keystore
from tests.factories import PASSWORD, add_user, make_business, totp_code

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture
def people(live_app, tmp_path):
    with live_app.app_context():
        keystore().initialize()
    owner, officer = add_user(live_app, locale="en"), add_user(live_app, "officer", locale="en")
    make_business(live_app, owner)
    photo = tmp_path / "photo.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 200)).save(buffer, "JPEG")
    photo.write_bytes(buffer.getvalue())
    act = tmp_path / "act.pdf"
    act.write_bytes(PDF)
    return {"owner": owner, "officer": officer, "files": [str(act), str(photo)]}


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


def test_file_verify_review_and_decision(browser, live_server, live_app, people, audit, page, tmp_path):
    sign_in(page, people["owner"], live_app)
    page.goto("/portal/complaints/new?lang=en")
    audit.scan_in_all_languages()
    page.goto("/portal/complaints/new?lang=en")
    page.get_by_label("Type of pressure").select_option("bribe_extortion")
    page.get_by_label("Kind of state body").select_option("sanitary")
    page.get_by_label("Name of the state body").fill("Түркістан облысының санитариялық-эпидемиологиялық департаменті")
    page.get_by_label("Date of the incident").fill("2026-11-20")
    page.get_by_label("What happened").fill("Маман тексеру актісін жасамау үшін 500 000 теңге талап етті.")
    page.get_by_label("Amount demanded, tenge (optional)").fill("500000")
    page.get_by_label("Evidence files (optional)").set_input_files(people["files"])
    assert page.get_by_label("Keep my identity from the body concerned").is_checked()
    page.get_by_label("I agree to the processing").check()
    page.get_by_role("button", name="File the complaint").click()
    page.wait_for_url(re.compile(r".*/portal/complaints/\d+$"))
    complaint_url = page.url
    number = re.search(r"PBI-C-\d{4}-\d{6}", page.locator("h1").inner_text()).group(0)
    assert "has been registered" in page.locator(".notice").first.inner_text()
    assert page.get_by_role("link", name="act.pdf").count() == 1
    audit.scan_in_all_languages()

    # The talon downloads and verifies on the public page.
    page.goto(complaint_url + "?lang=en")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the talon (PDF)").click()
    talon = tmp_path / "talon.pdf"
    talon.write_bytes(Path(download.value.path()).read_bytes())
    page.goto("/verify?lang=en")
    page.get_by_label("PDF document").set_input_files(str(talon))
    page.get_by_role("button", name="Check the file").click()
    page.wait_for_load_state()
    verdict = page.locator(".verdict").inner_text()
    assert "The document is authentic" in verdict and number in verdict
    assert people["owner"] not in page.content()
    audit.scan_current("/verify/upload [en]")

    # The officer takes the case and asks for information.
    staff = browser.new_context(base_url=live_server).new_page()
    staff_audit = type(audit)(staff)
    sign_in(staff, people["officer"], live_app)
    staff.goto("/staff/complaints?lang=en")
    staff_audit.scan_in_all_languages()
    staff.goto("/staff/complaints?lang=en")
    staff.get_by_role("link", name=number).click()
    staff.wait_for_load_state()
    case_url = staff.url
    staff_audit.scan_in_all_languages()
    staff.goto(case_url + "?lang=en")
    staff.get_by_role("button", name="Take the case").click()
    staff.wait_for_load_state()
    staff.get_by_role("button", name="Start consideration").click()
    staff.wait_for_load_state()
    staff.get_by_label("Question to the complainant").fill("Тексеру актісінің көшірмесін жіберіңіз.")
    staff.get_by_role("button", name="Request information").click()
    staff.wait_for_load_state()

    # The entrepreneur answers.
    page.goto(complaint_url + "?lang=en")
    assert "Тексеру актісінің көшірмесін жіберіңіз." in page.locator("main").inner_text()
    page.get_by_label("Your answer").fill("Акт қоса беріліп отыр.")
    page.get_by_role("button", name="Send the information").click()
    page.wait_for_load_state()

    # The officer resolves; the decision letter is issued.
    staff.goto(case_url + "?lang=en")
    staff.get_by_label("The facts were confirmed").check()
    staff.get_by_label("Reasoned answer").fill("Фактілер расталды, материалдар қылмыстық қудалау органына жіберілді.")
    staff.get_by_role("button", name="Make the decision").click()
    staff.wait_for_load_state()
    # The confirmation step: the decision letter's text, before it is signed; nothing is done yet.
    preview = staff.locator(".letter-preview-body").inner_text()
    assert "Фактілер расталды, материалдар қылмыстық қудалау органына жіберілді." in preview
    assert "Шешім туралы хат" in preview
    staff_audit.scan_current("confirmation of a decision [en]")
    staff.get_by_role("button", name="Confirm: Make the decision").click()
    staff.wait_for_load_state()
    assert "decision letter has been issued" in staff.locator(".notice").first.inner_text()

    page.goto(complaint_url + "?lang=en")
    assert "Decision made" in page.locator("main").inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile(r"Decision letter PBI-D-")).click()
    letter = Path(download.value.path()).read_bytes()
    assert letter.startswith(b"%PDF-")
    audit.scan_in_all_languages()
    for check in (audit, staff_audit):
        check.assert_clean()
