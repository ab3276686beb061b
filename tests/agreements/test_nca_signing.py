"""Associations sign agreements with NCA RK keys: the trust store, every TEST key through the app, the record.

The NCA TEST certificates are valid 2026-05-08..2027-05-08 and the TEST CRL until 2027-02-07, so the time a
signature is judged at is fixed to 2026-09-01 (``nca._now``, the one clock of the verification), as the CRL's
lifetime would otherwise decide when these tests start failing.
"""

from __future__ import annotations

import base64
import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from app.agreements import nca, rendering, services
from app.agreements.models import Agreement
from app.agreements.nca_models import NcaSignature, RevocationList
from app.audit.models import AuditEntry
from app.businesses.models import Association
from app.extensions import db
from app.nca.pki import parse_certificate
from tests.agreements.test_agreement_views import CONFIRMED, sign_in, start_and_get_draft, status_of, upload_signature
from tests.factories import add_user, make_association
from tests.nca.signer import read_key, sign_detached_cms
from tests.nca.test_cms_verify import EXPECTED
from tests.tools import pdftotext

NCA = Path(__file__).resolve().parents[1] / "fixtures" / "nca"
TEST = NCA / "test-2022"
TEST_BIN = "123456789021"  # the placeholder BIN of the TEST certificates (fails the checksum on purpose)
AT = datetime(2026, 9, 1, tzinfo=UTC)


@pytest.fixture
def at_test_time(monkeypatch):
    moment = {"now": AT}
    monkeypatch.setattr(nca, "_now", lambda: moment["now"])
    return moment


@pytest.fixture
def nca_trust(app, runner):
    """The TEST root, its issuing CA and its CRL, installed the way an operator does it."""
    for name in ("root_test_gost_2022.cer", "nca_gost2022_test.cer"):
        result = runner.invoke(args=["trust", "add", str(TEST / name)])
        assert result.exit_code == 0, result.output
    result = runner.invoke(args=["trust", "crl-import", str(TEST / "nca_gost2022_test.crl")])
    assert result.exit_code == 0, result.output
    assert "imported" in result.output and "nextUpdate 2027-02-07" in result.output


@pytest.fixture
def nca_parties(app, keys):
    """An association whose BIN is the TEST certificates' (set directly: the form's validator stays strict)."""
    parties = make_association(app)
    with app.app_context():
        db.session.get(Association, parties.association_id).bin = TEST_BIN
        db.session.commit()
    return parties


def nca_cms(pdf: bytes, key: str, **options) -> bytes:
    return sign_detached_cms(pdf, TEST / "keys" / f"{key}.p12", signing_time=datetime(2026, 8, 31, 9, 0, tzinfo=UTC),
                             **options)


def test_every_test_key_through_the_signing_service(app, at_test_time, nca_trust, nca_parties):
    agreement_id, pdf = _prepared_draft(app, nca_parties)
    outcomes = {}
    for key in EXPECTED:
        signature = nca_cms(pdf, key)
        with app.app_context():
            representative = nca_parties.user("representative")
            try:
                services.sign_with_cms(agreement_id, representative, signature)
            except nca.NcaSignatureRefused as refused:
                db.session.rollback()
                outcomes[key] = (False, refused.reason)
            else:
                db.session.commit()
                outcomes[key] = (True, None)
                services.return_to_draft(agreement_id, nca_parties.user("supervisor"), "again")
                db.session.commit()
        assert status_of(app, agreement_id) == "draft"
    assert outcomes == EXPECTED


def _prepared_draft(app, parties) -> tuple[int, bytes]:
    """A draft agreement and the exact PDF the association signs."""
    with app.app_context():
        agreement = services.start_agreement(parties.user("representative"), parties.association_id)
        db.session.commit()
        return agreement.id, services.ensure_draft_pdf(agreement.id, rendering.draft_html)


def test_first_head_signs_over_http_and_the_final_pdf_names_the_signer(app, client, at_test_time, nca_trust,
                                                                      nca_parties, tmp_path):
    agreement_id, draft = start_and_get_draft(app, client, nca_parties)
    revoked = upload_signature(client, agreement_id, nca_cms(draft, "legal_revoked_head"))
    assert revoked.status_code == 400 and "suspended by the certifying centre" in revoked.get_data(as_text=True)
    with app.app_context():
        refusal = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "agreement.nca_signature_refused"))
        details = json.loads(refusal.details) if isinstance(refusal.details, str) else refusal.details
        assert (details["reason"], details["step"], details["role"]) == ("on_hold", "revocation", "first_head")
    role = upload_signature(client, agreement_id, nca_cms(draft, "legal_valid_employee_signright",
                                                          tamper="content"))
    assert "different file" in role.get_data(as_text=True)
    individual = upload_signature(client, agreement_id, nca_cms(draft, "individual_valid_individual_valid"))
    assert "may not sign for an organisation" in individual.get_data(as_text=True)
    assert status_of(app, agreement_id) == "draft"

    pem = b"-----BEGIN CMS-----\n" + base64.encodebytes(nca_cms(draft, "legal_valid_head")) + b"-----END CMS-----\n"
    done = upload_signature(client, agreement_id, pem)  # PEM, as some tools save it
    assert "The signature is valid. The agreement has been sent" in done.get_data(as_text=True)
    assert status_of(app, agreement_id) == "signed_by_association"
    cert = parse_certificate(read_key(TEST / "keys" / "legal_valid_head.p12").certificate)
    with app.app_context():
        agreement = db.session.get(Agreement, agreement_id)
        assert agreement.cms_trusted is True and agreement.cms_accepted_by_id is None
        row = db.session.scalar(select(NcaSignature).where(NcaSignature.agreement_id == agreement_id))
        assert (row.iin, row.bin, row.role, row.algorithm) == ("123456789011", TEST_BIN, "first_head", "gost2015-512")
        assert row.signer_name == cert.subject.common_name and row.certificate_serial == cert.serial_hex
        assert row.certificate_issuer == cert.issuer_dn and row.revocation_source == "crl"
        assert row.verified_at == AT.replace(tzinfo=None)
        assert row.signing_time == datetime(2026, 8, 31, 9, 0)
        assert [step["step"] for step in json.loads(row.report)["steps"]][-1] == "bin"
        audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "agreement.nca_signature_verified"))
        details = json.loads(audit.details) if isinstance(audit.details, str) else audit.details
        assert details["iin"] == "123456789011" and details["role"] == "first_head"
        assert details["certificate_serial"] == cert.serial_hex

    supervisor = app.test_client()
    sign_in(supervisor, nca_parties.supervisor)
    page = supervisor.get(f"/staff/agreements/{agreement_id}?lang=en").get_data(as_text=True)
    assert "NCA RK digital signature of the association" in page and "123456789011" in page
    assert "First head of the organisation" in page and cert.serial_hex in page
    supervisor.post(f"/staff/agreements/{agreement_id}/countersign", data=CONFIRMED)
    assert status_of(app, agreement_id) == "active"
    final = supervisor.get(f"/staff/agreements/{agreement_id}/agreement.pdf")
    assert final.status_code == 200
    (tmp_path / "final.pdf").write_bytes(final.data)
    text = pdftotext(tmp_path / "final.pdf")
    flat = re.sub(r"\s+", " ", text)
    assert "ҰКО ЭЦҚ / ЭЦП НУЦ РК" in flat and "123456789011" in flat
    assert cert.subject.common_name.split()[0] in flat and "Бірінші басшы / Первый руководитель" in flat


def test_an_nca_key_of_another_organisation_is_refused(app, client, at_test_time, nca_trust, parties):
    """``parties`` has a real-looking BIN, not the TEST certificates'."""
    agreement_id, draft = start_and_get_draft(app, client, parties)
    answer = upload_signature(client, agreement_id, nca_cms(draft, "legal_valid_head"))
    assert answer.status_code == 400 and "issued to another organisation" in answer.get_data(as_text=True)
    assert status_of(app, agreement_id) == "draft"


def test_without_the_nca_chain_installed_the_signature_is_refused_not_queued(app, client, at_test_time,
                                                                            nca_parties):
    agreement_id, draft = start_and_get_draft(app, client, nca_parties)
    answer = upload_signature(client, agreement_id, nca_cms(draft, "legal_valid_head"))
    assert answer.status_code == 400 and "not issued by a certifying centre this service trusts" in \
        answer.get_data(as_text=True)
    assert status_of(app, agreement_id) == "draft"


def test_a_stale_crl_means_revocation_cannot_be_checked(app, client, at_test_time, nca_trust, nca_parties):
    at_test_time["now"] = datetime(2027, 3, 1, tzinfo=UTC)  # after the CRL's nextUpdate, within the certificate
    agreement_id, draft = start_and_get_draft(app, client, nca_parties)
    answer = upload_signature(client, agreement_id, nca_cms(draft, "legal_valid_head"))
    assert answer.status_code == 400 and "cannot be checked now whether the certificate has been revoked" in \
        answer.get_data(as_text=True)


def test_revocation_can_be_made_optional(app, client, at_test_time, nca_parties, runner):
    for name in ("root_test_gost_2022.cer", "nca_gost2022_test.cer"):
        assert runner.invoke(args=["trust", "add", str(TEST / name)]).exit_code == 0
    app.config["PBI_NCA_REQUIRE_REVOCATION"] = False
    agreement_id, draft = start_and_get_draft(app, client, nca_parties)
    upload_signature(client, agreement_id, nca_cms(draft, "legal_valid_head"))
    assert status_of(app, agreement_id) == "signed_by_association"
    with app.app_context():
        assert db.session.scalar(select(NcaSignature.revocation_source)) is None


def test_rsa_test_key_chain_is_expired_today(app, client, nca_parties, runner):
    """The RSA TEST material chains to NCA's previous production RSA CA, which has expired."""
    for name in ("root_rsa.crt", "nca_rsa.crt"):
        result = runner.invoke(args=["trust", "add", str(NCA / "previous-production" / name)])
        assert result.exit_code == 0, result.output
    agreement_id, draft = start_and_get_draft(app, client, nca_parties)
    key = next((NCA / "rsa-test").glob("RSA256_*.p12"))
    signature = sign_detached_cms(draft, key, signing_time=datetime(2018, 12, 1, tzinfo=UTC))
    answer = upload_signature(client, agreement_id, signature)
    assert answer.status_code == 400 and "has expired" in answer.get_data(as_text=True)


def test_crl_import_checks_the_signature_and_the_issuer(app, runner, tmp_path):
    crl = (TEST / "nca_gost2022_test.crl").read_bytes()
    no_issuer = runner.invoke(args=["trust", "crl-import", str(TEST / "nca_gost2022_test.crl")])
    assert no_issuer.exit_code != 0 and "no_issuer" in no_issuer.output
    for name in ("root_test_gost_2022.cer", "nca_gost2022_test.cer"):
        assert runner.invoke(args=["trust", "add", str(TEST / name)]).exit_code == 0
    broken = bytearray(crl)
    broken[-5] ^= 0x01  # inside the signature value, the last field of the CRL
    (tmp_path / "broken.crl").write_bytes(bytes(broken))
    refused = runner.invoke(args=["trust", "crl-import", str(tmp_path / "broken.crl")])
    assert refused.exit_code != 0 and "bad_signature" in refused.output
    (tmp_path / "junk.crl").write_bytes(b"not a crl")
    assert "malformed" in runner.invoke(args=["trust", "crl-import", str(tmp_path / "junk.crl")]).output
    with app.app_context():
        assert db.session.scalar(select(RevocationList.id)) is None
    assert runner.invoke(args=["trust", "crl-import", str(TEST / "nca_gost2022_test.crl")]).exit_code == 0
    again = runner.invoke(args=["trust", "crl-import", str(TEST / "nca_gost2022_test.crl")])
    assert again.exit_code == 0 and "already imported" in again.output
    listing = runner.invoke(args=["trust", "crl-list"]).output
    assert "2026-08-11" in listing and "2027-02-07" in listing


def test_admin_imports_a_crl_on_the_trust_page(app, keys, at_test_time):
    admin = app.test_client()
    sign_in(admin, add_user(app, "admin"))
    for name in ("root_test_gost_2022.cer", "nca_gost2022_test.cer"):  # DER .cer files, GOST keys
        added = admin.post("/staff/trust-anchors?lang=en", data={"certificate": (io.BytesIO(
            (TEST / name).read_bytes()), name)}, content_type="multipart/form-data", follow_redirects=True)
        assert added.status_code == 200 and "Certificates added: 1" in added.get_data(as_text=True)
    junk = admin.post("/staff/trust-anchors/crl?lang=en", data={"crl": (io.BytesIO(b"junk"), "x.crl")},
                      content_type="multipart/form-data")
    assert junk.status_code == 400 and "not a certificate revocation list" in junk.get_data(as_text=True)
    empty = admin.post("/staff/trust-anchors/crl?lang=en", data={}, content_type="multipart/form-data")
    assert empty.status_code == 400
    done = admin.post("/staff/trust-anchors/crl?lang=en", data={"crl": (io.BytesIO(
        (TEST / "nca_gost2022_test.crl").read_bytes()), "nca.crl")}, content_type="multipart/form-data",
        follow_redirects=True)
    page = done.get_data(as_text=True)
    assert "The revocation list has been imported." in page and "Current" in page
    with app.app_context():
        assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "trust.crl_imported"))
    officer = app.test_client()
    sign_in(officer, add_user(app, "officer"))
    assert officer.post("/staff/trust-anchors/crl", data={}).status_code == 403


def test_only_nca_signatures_take_the_nca_path():
    assert nca.is_nca_signature(b"") is False
    assert nca.is_nca_signature(b"\x30\x03\x02\x01\x01") is False
    assert nca.is_nca_signature(nca_cms(b"%PDF-1.7 x", "legal_valid_head")) is True
    rsa_key = next((NCA / "rsa-test").glob("RSA256_*.p12"))
    assert nca.is_nca_signature(sign_detached_cms(b"x", rsa_key, signing_time=AT)) is True  # by its NCA role OID


def test_a_timestamped_signature_is_judged_at_its_timestamp(app, client, at_test_time, nca_trust, nca_parties,
                                                             runner, tmp_path):
    from tests.nca.tsa import add_timestamp, make_tsa

    tsa = make_tsa()
    (tmp_path / "tsa-root.cer").write_bytes(tsa.root.der)
    assert runner.invoke(args=["trust", "add", str(tmp_path / "tsa-root.cer")]).exit_code == 0
    agreement_id, draft = start_and_get_draft(app, client, nca_parties)
    stamped_at = datetime(2026, 8, 31, 9, 0, 30, tzinfo=UTC)
    upload_signature(client, agreement_id, add_timestamp(nca_cms(draft, "legal_valid_head"), tsa, stamped_at))
    assert status_of(app, agreement_id) == "signed_by_association"
    with app.app_context():
        row = db.session.scalar(select(NcaSignature).where(NcaSignature.agreement_id == agreement_id))
        assert row.timestamp_time == row.judged_at == stamped_at.replace(tzinfo=None)
        assert row.verified_at == AT.replace(tzinfo=None) and row.timestamp_authority == tsa.certificate.subject_dn
    supervisor = app.test_client()
    sign_in(supervisor, nca_parties.supervisor)
    page = supervisor.get(f"/staff/agreements/{agreement_id}?lang=en").get_data(as_text=True)
    assert "Timestamp" in page and "Test TSA" in page


def test_with_a_responder_configured_ocsp_decides(app, client, nca_parties, runner, tmp_path):
    """The deployment's responder (PBI_NCA_OCSP_URL) answers; no CRL is installed. An NCA-like RSA chain made
    for the test (tests/nca/ocsp_responder.py), judged at the real time."""
    from tests.nca.ocsp_responder import PASSWORD, OcspResponder, make_pki

    pki = make_pki(tmp_path)
    assert runner.invoke(args=["trust", "add", str(pki.ca_file)]).exit_code == 0
    agreement_id, draft = start_and_get_draft(app, client, nca_parties)
    signature = sign_detached_cms(draft, pki.p12, PASSWORD, signing_time=datetime.now(UTC))
    with OcspResponder(pki) as url:
        app.config["PBI_NCA_OCSP_URL"] = url
        done = upload_signature(client, agreement_id, signature)
        app.config["PBI_NCA_OCSP_URL"] = None
    assert "The signature is valid" in done.get_data(as_text=True)
    with app.app_context():
        row = db.session.scalar(select(NcaSignature).where(NcaSignature.agreement_id == agreement_id))
        assert (row.revocation_source, row.algorithm, row.role) == ("ocsp", "rsa", "first_head")
    supervisor = app.test_client()
    sign_in(supervisor, nca_parties.supervisor)
    page = supervisor.get(f"/staff/agreements/{agreement_id}?lang=en").get_data(as_text=True)
    assert "OCSP responder" in page
