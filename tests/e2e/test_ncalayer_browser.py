"""In Chromium: an association signs its agreement with NCALayer (the test-only stand-in of tests/nca), the
supervisor sees the verified signer and countersigns, the final PDF names the signer.

The verification runs at 2026-09-01, within the TEST certificates and the TEST CRL (see
tests/agreements/test_nca_signing.py for why the time is fixed).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.agreements import nca
from app.agreements.models import Agreement
from app.businesses.models import Association
from app.documents.runtime import keystore
from app.extensions import db
from tests.agreements.test_nca_signing import TEST, TEST_BIN
from tests.e2e.test_agreement_browser import sign_in
from tests.factories import make_association
from tests.nca.ncalayer_standin import NcaLayerStandIn
from tests.tools import pdftotext

pytestmark = pytest.mark.e2e

AT = datetime(2026, 9, 1, tzinfo=UTC)
SIGNED_AT = datetime(2026, 9, 1, 8, 55, tzinfo=UTC)


@pytest.fixture
def nca_parties(live_app, monkeypatch):
    monkeypatch.setattr(nca, "_now", lambda: AT)
    with live_app.app_context():
        keystore().initialize()
    parties = make_association(live_app, name="Түркістан кәсіпкерлері")
    with live_app.app_context():
        db.session.get(Association, parties.association_id).bin = TEST_BIN
        db.session.commit()
    runner = live_app.test_cli_runner()
    for name in ("root_test_gost_2022.cer", "nca_gost2022_test.cer"):
        assert runner.invoke(args=["trust", "add", str(TEST / name)]).exit_code == 0
    assert runner.invoke(args=["trust", "crl-import", str(TEST / "nca_gost2022_test.crl")]).exit_code == 0
    return parties


@pytest.fixture
def nca_page(browser, live_server):
    """A page whose context accepts the stand-in's own TLS certificate (real NCALayer installs one)."""
    context = browser.new_context(base_url=live_server, locale="en-US", ignore_https_errors=True)
    page = context.new_page()
    yield page
    context.close()


def _status(page) -> str:
    return page.locator("#ncalayer-status").inner_text()


def test_sign_with_ncalayer_then_countersign(browser, live_server, live_app, nca_parties, nca_page, tmp_path):
    page = nca_page
    sign_in(page, nca_parties.representative, live_app)
    page.goto(f"/portal/associations/{nca_parties.association_id}/agreement?lang=en")
    page.get_by_role("button", name="Prepare an agreement").click()
    page.wait_for_url(re.compile(r".*/portal/agreements/\d+$"))
    agreement_url = page.url
    agreement_id = int(agreement_url.rsplit("/", 1)[1])
    response = page.goto(agreement_url + "?lang=en")
    assert "connect-src 'self' wss://127.0.0.1:13579" in response.headers["content-security-policy"]

    # NCALayer not running: a clear message, the upload form still there, nothing signed.
    page.get_by_role("button", name="Sign with NCALayer").click()
    page.wait_for_selector("#ncalayer-status.field-error")  # (wait_for_function would need 'unsafe-eval')
    assert "NCALayer is not running on this computer" in _status(page)
    assert page.get_by_role("button", name="Upload the signature").is_visible()

    # The user closes NCALayer's window: nothing is signed.
    with NcaLayerStandIn(TEST / "keys" / "legal_valid_head.p12", cancel=True):
        page.get_by_role("button", name="Sign with NCALayer").click()
        page.locator("#ncalayer-status.field-error", has_text="cancelled").wait_for()
    with live_app.app_context():
        assert db.session.get(Agreement, agreement_id).status == "draft"

    # A revoked key (on hold on the TEST CRL): NCALayer signs, the server refuses and says why.
    with NcaLayerStandIn(TEST / "keys" / "legal_revoked_head.p12", signing_time=SIGNED_AT):
        page.get_by_role("button", name="Sign with NCALayer").click()
        page.wait_for_load_state()
        page.wait_for_selector(".notice-error")
    assert "suspended by the certifying centre" in page.locator(".notice-error").first.inner_text()

    # The first head's key: signed, verified, sent for countersigning.
    page.goto(agreement_url + "?lang=en")
    with NcaLayerStandIn(TEST / "keys" / "legal_valid_head.p12", signing_time=SIGNED_AT) as layer:
        with page.expect_navigation():
            page.get_by_role("button", name="Sign with NCALayer").click()
        page.wait_for_load_state()
    [request] = layer.requests
    assert request["module"] == "kz.gov.pki.knca.basics" and request["method"] == "sign"
    assert request["args"]["signerParams"]["bin"] == TEST_BIN
    assert request["args"]["signerParams"]["extKeyUsageOids"] == ["1.2.398.3.3.4.1.2"]
    assert "The signature is valid" in page.locator(".notice").first.inner_text()
    assert "First head of the organisation" in page.locator("section[aria-labelledby=nca-signer-title]").inner_text()
    with live_app.app_context():
        agreement = db.session.get(Agreement, agreement_id)
        assert agreement.status == "signed_by_association" and agreement.signature_method == "cms"

    # The supervisor sees the verified signer, countersigns; the final PDF names the signer.
    staff = browser.new_context(base_url=live_server, locale="en-US").new_page()
    sign_in(staff, nca_parties.supervisor, live_app)
    staff.goto(f"/staff/agreements/{agreement_id}?lang=en")
    signer = staff.locator("section[aria-labelledby=nca-signer-title]").inner_text()
    assert "123456789011" in signer and TEST_BIN in signer and layer.certificate.serial_hex in signer
    other = staff.goto("/staff/agreements?lang=en")
    assert "13579" not in other.headers["content-security-policy"]  # that page only
    staff.goto(f"/staff/agreements/{agreement_id}?lang=en")
    staff.get_by_role("button", name="Countersign and put into force").click()
    staff.wait_for_load_state()
    staff.get_by_role("button", name="Confirm: Countersign and put into force").click()
    staff.wait_for_load_state()
    assert "The agreement is in force" in staff.locator(".notice").first.inner_text()
    page.goto(agreement_url + "?lang=en")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the signed agreement (PDF)").click()
    final = Path(download_info.value.path())
    text = re.sub(r"\s+", " ", pdftotext(final))
    assert "ҰКО ЭЦҚ / ЭЦП НУЦ РК" in text and "123456789011" in text and TEST_BIN in text
    assert layer.certificate.subject.common_name.split()[0] in text
