"""Agreement pages end to end over HTTP: authority, signing (password and CMS), countersigning."""

import hashlib
import io
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from sqlalchemy import func, select

from app.agreements.models import Agreement, AuthorityProof, TrustAnchor
from app.audit.models import AuditEntry
from app.documents import services as documents
from app.documents.models import Document
from app.extensions import db
from tests.factories import PASSWORD, active_agreement, add_user, make_association
from tests.factories import sign_in as sign_in_with_code
from tests.tools import assert_signed_whole_and_valid, pdftotext

CONFIRMED = {"confirmed": "yes"}  # the confirmation step of countersigning (app.confirmation)


def sign_in(client, email):
    assert sign_in_with_code(client, email, PASSWORD).status_code == 302


def start_and_get_draft(app, client, parties) -> tuple[int, bytes]:
    sign_in(client, parties.representative)
    response = client.post(f"/portal/associations/{parties.association_id}/agreements")
    agreement_id = int(re.search(r"/portal/agreements/(\d+)", response.headers["Location"]).group(1))
    draft = client.get(f"/portal/agreements/{agreement_id}/draft.pdf")
    assert draft.status_code == 200 and draft.data.startswith(b"%PDF-")
    assert draft.headers["Content-Disposition"].startswith("attachment")
    return agreement_id, draft.data


def status_of(app, agreement_id) -> str:
    with app.app_context():
        return db.session.get(Agreement, agreement_id).status


def test_authority_upload_and_officer_decision(app, client, keys):
    parties = make_association(app, verified=False)
    sign_in(client, parties.representative)
    home = f"/portal/associations/{parties.association_id}/agreement"
    bad = client.post(f"/portal/associations/{parties.association_id}/authority?lang=en",
                      data={"document": (io.BytesIO(b"MZ executable"), "order.pdf")},
                      content_type="multipart/form-data", follow_redirects=True)
    assert "This type of file is not accepted" in bad.get_data(as_text=True)
    client.post(f"/portal/associations/{parties.association_id}/authority",
                data={"document": (io.BytesIO(b"%PDF-1.4 order"), "../../etc/приказ.pdf")},
                content_type="multipart/form-data")
    with app.app_context():
        proof = db.session.scalars(select(AuthorityProof)).one()
        assert proof.file_name == "приказ.pdf" and proof.status == "pending"
        proof_id = proof.id

    officer = app.test_client()
    sign_in(officer, parties.officer)
    assert "приказ.pdf" in officer.get("/staff/authority").get_data(as_text=True)
    download = officer.get(f"/staff/authority/{proof_id}/file")
    assert download.data == b"%PDF-1.4 order"
    assert download.headers["Content-Disposition"] == f'attachment; filename="authority-{proof_id}.pdf"'
    refused = officer.post(f"/staff/authority/{proof_id}/decision?lang=en", data={"decision": "refuse"},
                           follow_redirects=True)
    assert "Give a reason." in refused.get_data(as_text=True)
    officer.post(f"/staff/authority/{proof_id}/decision", data={"decision": "accept", "reason": ""})
    page = client.get(home + "?lang=en").get_data(as_text=True)
    assert "has been confirmed" in page


def test_password_signing_countersigning_and_registry(app, client, parties):
    agreement_id, _draft = start_and_get_draft(app, client, parties)
    wrong = client.post(f"/portal/agreements/{agreement_id}/sign/password?lang=en",
                        data={"password": "not my password"}, follow_redirects=True)
    assert "The password is incorrect." in wrong.get_data(as_text=True)
    assert status_of(app, agreement_id) == "draft"
    client.post(f"/portal/agreements/{agreement_id}/sign/password", data={"password": PASSWORD})
    assert status_of(app, agreement_id) == "signed_by_association"
    assert client.get(f"/registry/PBI-A-{datetime.now(UTC).year}-0001").status_code == 404

    officer = app.test_client()
    sign_in(officer, parties.officer)
    assert officer.post(f"/staff/agreements/{agreement_id}/countersign").status_code == 403

    supervisor = app.test_client()
    sign_in(supervisor, parties.supervisor)
    listing = supervisor.get("/staff/agreements").get_data(as_text=True)
    assert f"/staff/agreements/{agreement_id}" in listing
    supervisor.post(f"/staff/agreements/{agreement_id}/countersign", data=CONFIRMED)
    assert status_of(app, agreement_id) == "active"
    with app.app_context():
        agreement = db.session.get(Agreement, agreement_id)
        number, document = agreement.number, db.session.get(Document, agreement.document_id)
        assert document.sha256 is not None  # issued right after countersigning

    pdf = client.get(f"/portal/agreements/{agreement_id}/agreement.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    assert supervisor.get(f"/staff/agreements/{agreement_id}/agreement.pdf").data == pdf.data

    anonymous = app.test_client()
    registry = anonymous.get("/registry?lang=en").get_data(as_text=True)
    assert number in registry
    entry = anonymous.get(f"/registry/{number}?lang=en").get_data(as_text=True)
    assert document.number in entry and f"code={document.verification_code}" in entry
    assert anonymous.get(f"/registry?q={number}").get_data(as_text=True).count(number) >= 1
    assert number not in anonymous.get("/registry?q=no-such-association").get_data(as_text=True)


def test_return_and_terminate_need_a_reason_over_http(app, client, parties):
    agreement_id, _ = start_and_get_draft(app, client, parties)
    client.post(f"/portal/agreements/{agreement_id}/sign/password", data={"password": PASSWORD})
    supervisor = app.test_client()
    sign_in(supervisor, parties.supervisor)
    empty = supervisor.post(f"/staff/agreements/{agreement_id}/return?lang=en", data={"comment": ""})
    assert empty.status_code == 400 and "This field is required." in empty.get_data(as_text=True)
    assert status_of(app, agreement_id) == "signed_by_association"
    supervisor.post(f"/staff/agreements/{agreement_id}/return", data={"comment": "Укажите ФИО полностью"})
    assert status_of(app, agreement_id) == "draft"
    assert "Укажите ФИО полностью" in client.get(f"/portal/agreements/{agreement_id}").get_data(as_text=True)


def test_another_representative_cannot_see_the_agreement(app, client, parties):
    agreement_id, _ = start_and_get_draft(app, client, parties)
    stranger = app.test_client()
    sign_in(stranger, make_association(app).representative)
    assert stranger.get(f"/portal/agreements/{agreement_id}").status_code == 404
    assert stranger.get(f"/portal/agreements/{agreement_id}/draft.pdf").status_code == 404


# --- CMS signatures made with the real openssl ------------------------------------------

def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                      x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ")])


def _certificate(subject: str, key, issuer_name: x509.Name, issuer_key, *, ca: bool) -> x509.Certificate:
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(issuer_name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .sign(issuer_key, hashes.SHA256())
    )


@pytest.fixture(scope="module")
def association_pki(tmp_path_factory):
    """A test 'national certifying centre' and an association's RSA certificate it issued."""
    if shutil.which("openssl") is None:
        pytest.fail("openssl is required (make test installs it)")
    folder = tmp_path_factory.mktemp("pki")
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    root = _certificate("Test NCA Root", root_key, _name("Test NCA Root"), root_key, ca=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = _certificate("ТЕСТОВ ТЕСТ", key, root.subject, root_key, ca=False)
    (folder / "root.pem").write_bytes(root.public_bytes(serialization.Encoding.PEM))
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return folder


def openssl_sign(pki, pdf: bytes, folder, *, outform: str = "DER") -> bytes:
    source, target = folder / "agreement.pdf", folder / "agreement.p7s"
    source.write_bytes(pdf)
    subprocess.run(["openssl", "cms", "-sign", "-binary", "-in", str(source), "-signer", str(pki / "cert.pem"),
                    "-inkey", str(pki / "key.pem"), "-outform", outform, "-out", str(target)], check=True)
    return target.read_bytes()


def upload_signature(client, agreement_id, signature: bytes):
    return client.post(f"/portal/agreements/{agreement_id}/sign/cms?lang=en",
                       data={"signature": (io.BytesIO(signature), "agreement.p7s")},
                       content_type="multipart/form-data", follow_redirects=True)


def test_cms_signature_untrusted_then_accepted_by_officer(app, client, parties, association_pki, tmp_path):
    agreement_id, draft = start_and_get_draft(app, client, parties)
    wrong_pdf = upload_signature(client, agreement_id, openssl_sign(association_pki, draft + b" ", tmp_path))
    assert "different file" in wrong_pdf.get_data(as_text=True)
    corrupted = bytearray(openssl_sign(association_pki, draft, tmp_path))
    corrupted[-1] ^= 0xFF  # the last bytes of openssl's DER output are the signature value
    assert "damaged" in upload_signature(client, agreement_id, bytes(corrupted)).get_data(as_text=True)
    assert status_of(app, agreement_id) == "draft"
    assert "not a CMS" in upload_signature(client, agreement_id, b"just text").get_data(as_text=True)

    done = upload_signature(client, agreement_id, openssl_sign(association_pki, draft, tmp_path, outform="PEM"))
    assert "not from a trusted certifying centre" in done.get_data(as_text=True)
    assert status_of(app, agreement_id) == "signed_by_association"
    with app.app_context():
        agreement = db.session.get(Agreement, agreement_id)
        assert agreement.cms_trusted is False and "ТЕСТОВ ТЕСТ" in agreement.cms_signer_subject
        cert = x509.load_pem_x509_certificate((association_pki / "cert.pem").read_bytes())
        assert agreement.cms_signer_fingerprint == cert.fingerprint(hashes.SHA256()).hex()

    supervisor = app.test_client()
    sign_in(supervisor, parties.supervisor)
    refused = supervisor.post(f"/staff/agreements/{agreement_id}/countersign?lang=en", data=CONFIRMED,
                              follow_redirects=True)
    assert "an officer must accept it first" in refused.get_data(as_text=True)
    assert status_of(app, agreement_id) == "signed_by_association"
    officer = app.test_client()
    sign_in(officer, parties.officer)
    officer.post(f"/staff/agreements/{agreement_id}/accept-signature")
    supervisor.post(f"/staff/agreements/{agreement_id}/countersign", data=CONFIRMED)
    assert status_of(app, agreement_id) == "active"
    signature = supervisor.get(f"/staff/agreements/{agreement_id}/signature.p7s")
    assert signature.status_code == 200 and signature.data.startswith(b"-----BEGIN")


def test_cms_signature_from_installed_anchor_is_trusted(app, client, parties, association_pki, tmp_path, runner):
    result = runner.invoke(args=["trust", "add", str(association_pki / "root.pem")])
    assert result.exit_code == 0 and "trusted" in result.output
    agreement_id, draft = start_and_get_draft(app, client, parties)
    done = upload_signature(client, agreement_id, openssl_sign(association_pki, draft, tmp_path))
    assert "The signature is valid. The agreement has been sent" in done.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Agreement, agreement_id).cms_trusted is True


# --- issuing: idempotent retry, storage integrity, CLI ----------------------------------

def test_failed_issue_is_retried_without_a_second_number(app, client, parties, monkeypatch):
    agreement_id, _ = start_and_get_draft(app, client, parties)
    client.post(f"/portal/agreements/{agreement_id}/sign/password", data={"password": PASSWORD})
    supervisor = app.test_client()
    sign_in(supervisor, parties.supervisor)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(documents, "sign_pdf", broken)
    answer = supervisor.post(f"/staff/agreements/{agreement_id}/countersign?lang=en", data=CONFIRMED,
                              follow_redirects=True)
    # The supervisor is told the truth, not shown an error page: the agreement is in
    # force, its PDF is made on the first download.
    assert answer.status_code == 200
    assert "it will be made when it is first downloaded" in answer.get_data(as_text=True)
    # The agreement took effect and kept its number; only the PDF is missing.
    with app.app_context():
        agreement = db.session.get(Agreement, agreement_id)
        assert agreement.status == "active" and agreement.number
        assert db.session.get(Document, agreement.document_id).sha256 is None
    monkeypatch.undo()
    pdf = client.get(f"/portal/agreements/{agreement_id}/agreement.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    again = client.get(f"/portal/agreements/{agreement_id}/agreement.pdf")
    assert again.data == pdf.data
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Document)) == 1


def test_tampered_stored_file_is_never_served(app, client, parties, tmp_path):
    agreement_id, _ = start_and_get_draft(app, client, parties)
    storage = tmp_path / "instance" / "storage"
    for stored in storage.rglob("*"):
        if stored.is_file():
            data = bytearray(stored.read_bytes())
            assert b"%PDF" not in data  # encrypted at rest
            data[-1] ^= 0x01
            stored.write_bytes(bytes(data))
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get(f"/portal/agreements/{agreement_id}/draft.pdf")
    assert response.status_code == 500
    assert b"%PDF" not in response.data


def test_cli_list_and_export_give_the_issued_pdf(app, client, parties, runner, tmp_path):
    agreement_id = active_agreement(app, parties)
    with app.app_context():
        agreement = db.session.get(Agreement, agreement_id)
        document = db.session.get(Document, agreement.document_id)
        number, subject, digest = document.number, agreement.number, document.sha256
    listing = runner.invoke(args=["documents", "list"])
    assert number in listing.output and subject in listing.output and "agreement" in listing.output
    target = tmp_path / "exported.pdf"
    assert runner.invoke(args=["documents", "export", number, str(target)]).exit_code == 0
    assert hashlib.sha256(target.read_bytes()).hexdigest() == digest
    assert_signed_whole_and_valid(target)
    text = pdftotext(target)
    assert "ынтымақтастық туралы екі жақты келісім" in text  # Kazakh title, with its own letters
    assert "Двустороннее соглашение о сотрудничестве" in text
    assert subject in text and number in text
    assert runner.invoke(args=["documents", "export", "PBI-D-1999-000001", str(target)]).exit_code != 0


def test_admin_installs_and_removes_trust_anchors_in_the_web_ui(app, client, parties, association_pki, tmp_path):
    admin = app.test_client()
    sign_in(admin, add_user(app, "admin"))
    leaf = admin.post("/staff/trust-anchors?lang=en", data={"certificate": (io.BytesIO(
        (association_pki / "cert.pem").read_bytes()), "leaf.pem")}, content_type="multipart/form-data")
    assert leaf.status_code == 400 and "certificates of a CA, in PEM or DER" in leaf.get_data(as_text=True)
    junk = admin.post("/staff/trust-anchors", data={"certificate": (io.BytesIO(b"not pem"), "x.pem")},
                      content_type="multipart/form-data")
    assert junk.status_code == 400
    added = admin.post("/staff/trust-anchors?lang=en", data={"certificate": (io.BytesIO(
        (association_pki / "root.pem").read_bytes()), "root.pem")}, content_type="multipart/form-data",
        follow_redirects=True)
    assert "Test NCA Root" in added.get_data(as_text=True)

    agreement_id, draft = start_and_get_draft(app, client, parties)
    upload_signature(client, agreement_id, openssl_sign(association_pki, draft, tmp_path))
    with app.app_context():
        assert db.session.get(Agreement, agreement_id).cms_trusted is True
        anchor_id = db.session.scalar(select(TrustAnchor.id))
        actions = set(db.session.scalars(select(AuditEntry.action)))
    assert "trust.anchor_added" in actions
    admin.post(f"/staff/trust-anchors/{anchor_id}/remove")
    with app.app_context():
        assert db.session.scalar(select(TrustAnchor.id)) is None
        assert db.session.get(Agreement, agreement_id).cms_trusted is True  # kept as signed
    officer = app.test_client()
    sign_in(officer, parties.officer)
    assert officer.get("/staff/trust-anchors").status_code == 403
