"""At 390 × 844 (a phone), every page of the main flows fits the screen and passes axe, in kk, ru and en.

Each role signs in in its own browser context and visits its pages; each page is loaded in the three
languages, checked for sideways scrolling (``scrollWidth <= innerWidth``) and scanned by axe-core.
The pages are built from data made with the factories: a complaint with evidence decided by an
officer, a second one under review (its action forms shown), an agreement in force.
"""

from __future__ import annotations

import pytest

from app import transactions
from app.accounts.models import Role
from app.accounts.services import find_by_email
from app.agreements.models import Agreement
from app.api import tokens as api_tokens
from app.complaints import case_actions
from app.complaints.models import Complaint
from app.complaints.services import Upload
from app.documents.models import Document
from app.documents.runtime import keystore
from app.extensions import db
from tests.conftest import sqlite_only, translated
from tests.e2e.conftest import with_lang
from tests.e2e.test_complaint_browser import sign_in
from tests.factories import active_agreement, add_user, filed_complaint, make_association, make_business

pytestmark = [pytest.mark.e2e, sqlite_only("layout does not depend on the database; one pass is enough")]

PHONE = {"width": 390, "height": 844}
# A 64-character hash and a long number without spaces: they must wrap, not widen the page.
LONG_WORD = "Түркістаноблысыныңсанитариялықэпидемиологиялықбақылаудепартаменті"


@pytest.fixture
def world(live_app):
    app = live_app
    with app.app_context():
        keystore().initialize()
    parties = make_association(app, name="Оңтүстік кәсіпкерлерінің қауымдастығы")
    agreement_id = active_agreement(app, parties)
    owner = parties.representative
    business_id = make_business(app, owner)
    decided = filed_complaint(app, owner, business_id, body_name=LONG_WORD,
                              uploads=[Upload(b"%PDF-1.4 evidence", "акт-тексеру-2026-11-20.pdf")])
    in_review = filed_complaint(app, owner, business_id)
    admin = add_user(app, Role.ADMIN)
    with app.app_context():
        officer = find_by_email(parties.officer)
        complaint = db.session.get(Complaint, decided)
        case_actions.take(officer, complaint)
        case_actions.start_review(officer, complaint)
        case_actions.resolve(officer, complaint, "confirmed", "Фактілер расталды. " * 20)
        api_tokens.create(name="Түркістан облысы әкімдігінің істерді бақылау жүйесі",
                          scopes=[api_tokens.COMPLAINTS_READ, api_tokens.STATISTICS_READ])
        other = db.session.get(Complaint, in_review)
        case_actions.take(officer, other)
        case_actions.start_review(officer, other)
        transactions.commit()
        talon = db.session.get(Document, complaint.talon_document_id)
        agreement_number = db.session.get(Agreement, agreement_id).number
        talon_url = f"/verify?number={talon.number}&code={talon.verification_code}"
    return {
        "anonymous": (None, ["/", "/register", "/login", "/password/forgot", talon_url, "/verify",
                             "/registry", f"/registry/{agreement_number}", "/contacts", "/api/v1/docs"]),
        "entrepreneur": (owner, [
            "/portal", "/portal/complaints", "/portal/complaints/new", f"/portal/complaints/{decided}",
            f"/portal/complaints/{in_review}", f"/portal/businesses/{business_id}", "/portal/businesses/new",
            f"/portal/associations/{parties.association_id}", f"/portal/businesses/{business_id}/edit",
            f"/portal/associations/{parties.association_id}/edit",
            f"/portal/associations/{parties.association_id}/agreement",
            f"/portal/associations/{parties.association_id}/complaints", "/portal/associations/new",
            f"/portal/agreements/{agreement_id}", "/notifications", "/account"]),
        "officer": (parties.officer, [
            "/staff/", "/staff/complaints", f"/staff/complaints/{decided}", f"/staff/complaints/{in_review}",
            "/staff/agreements", f"/staff/agreements/{agreement_id}", "/staff/authority", "/staff/businesses",
            "/staff/associations", "/notifications", "/account"]),
        # The pages officers also see look the same for them; their own pages only.
        "supervisor": (parties.supervisor, ["/staff/", "/staff/audit"]),
        "admin": (admin, ["/admin/users", "/admin/users/new", "/staff/trust-anchors",
                          "/staff/audit?subject_type=complaint", "/admin/api-tokens"]),
    }


OVERFLOW = """() => {
  const width = window.innerWidth;
  const wide = [...document.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > width + 1 && !el.closest('.table-scroll'))
    .slice(0, 3).map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : ''));
  return {scroll: document.documentElement.scrollWidth, inner: width, wide: wide};
}"""


def test_the_menu_folds_on_a_phone_without_javascript(browser, live_server):
    """On a phone the main menu is one "Menu" line until opened; on a desktop it is a bar."""
    for viewport, folded in ((PHONE, True), ({"width": 1280, "height": 800}, False)):
        context = browser.new_context(base_url=live_server, viewport=viewport, java_script_enabled=False)
        page = context.new_page()
        page.goto("/?lang=en")
        registry = page.locator(".main-nav").get_by_role("link", name="Registry of agreements")
        assert registry.is_visible() is not folded
        assert page.locator(".main-nav summary").is_visible() is folded
        if folded:
            page.locator(".main-nav summary").click()
            assert registry.is_visible()
        context.close()


def test_every_page_fits_a_phone_and_passes_axe(browser, live_server, live_app, world, audit):
    overflowing, failed = [], []
    for role, (email, paths) in world.items():
        context = browser.new_context(base_url=live_server, viewport=PHONE, locale="en-US")
        page = context.new_page()
        if email:
            sign_in(page, email, live_app)
        scanner = type(audit)(page)
        for path in paths:
            for lang in ("kk", "ru", "en"):
                response = page.goto(with_lang(path, lang))
                if response is None or response.status != 200:
                    failed.append(f"{role} {path} [{lang}]: {response and response.status}")
                    continue
                size = page.evaluate(OVERFLOW)
                if size["scroll"] > size["inner"]:
                    overflowing.append(f"{role} {path} [{lang}]: {size['scroll']} > {size['inner']} {size['wide']}")
                scanner.scan_current(f"{role} {path} [{lang}]")
        audit.problems.extend(scanner.problems)
        audit.scanned.extend(scanner.scanned)
        context.close()
    assert not failed, "pages not served:\n" + "\n".join(failed)
    assert not overflowing, "pages wider than a 390 px phone:\n" + "\n".join(overflowing)
    assert len(audit.scanned) >= 3 * 35
    audit.assert_clean()


def test_the_confirmation_of_a_decision_fits_a_phone(browser, live_server, live_app, world, audit):
    """The confirmation step (the decision letter's preview) is a page of its own: it fits at 390 px too."""
    email, paths = world["officer"]
    case_url = [path for path in paths if path.startswith("/staff/complaints/")][-1]  # the one under review
    context = browser.new_context(base_url=live_server, viewport=PHONE, locale="en-US")
    page = context.new_page()
    sign_in(page, email, live_app)
    scanner = type(audit)(page)
    for lang in ("kk", "ru", "en"):
        page.goto(with_lang(case_url, lang))
        page.get_by_label(translated(live_app, lang, "The facts were confirmed"), exact=True).check()
        page.get_by_label(translated(live_app, lang, "Reasoned answer")).fill("Фактілер расталды. " * 40 + LONG_WORD)
        page.get_by_role("button", name=translated(live_app, lang, "Make the decision"), exact=True).click()
        page.wait_for_load_state()
        assert LONG_WORD in page.locator(".letter-preview-body").inner_text()
        size = page.evaluate(OVERFLOW)
        assert size["scroll"] <= size["inner"], size
        scanner.scan_current(f"confirmation of a decision [{lang}]")
    audit.problems.extend(scanner.problems)
    audit.scanned.extend(scanner.scanned)
    context.close()
    audit.assert_clean()
