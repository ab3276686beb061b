"""``flask --app wsgi keys import-p12``: the department signs its documents with an NCA RK RSA key.

NCA's TEST material has no RSA key of a legal entity (its RSA TEST keys are an individual's signing and
authentication keys, and a legacy GOST one): those are refused with their reasons. The accepted path uses an
NCA-like chain made here — a root, a legal-entity first head's RSA certificate with NCA's role OIDs — in a
PKCS#12 file with the legacy encryption NCA's files use (PBE-SHA1-3DES, SHA-1 MAC).
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from sqlalchemy import select

from app.agreements.models import Agreement
from app.audit.models import AuditEntry
from app.documents import services
from app.documents.models import Document
from app.documents.runtime import keystore, trust_roots
from app.extensions import db
from tests.factories import active_agreement, make_association
from tests.nca.signer import TEST_PASSWORD
from tests.tools import assert_signed_whole_and_valid, pdfsig

NCA = Path(__file__).resolve().parents[1] / "fixtures" / "nca"
PASSWORD = "Qwerty12"
HEAD_NAME = "ТЕСТОВ ДЕПАРТАМЕНТ"


def _name(common_name: str, *extra: x509.NameAttribute) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name), *extra,
                      x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ")])


@pytest.fixture(scope="module")
def nca_like(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("nca-like")
    now = datetime.now(UTC)
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    root_name = _name("ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (RSA) TEST")
    root = (x509.CertificateBuilder().subject_name(root_name).issuer_name(root_name)
            .public_key(root_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256()))
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = _name(HEAD_NAME, x509.NameAttribute(NameOID.SERIAL_NUMBER, "IIN123456789011"),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ДЕПАРТАМЕНТ"),
                    x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "BIN123456789021"))
    leaf = (x509.CertificateBuilder().subject_name(subject).issuer_name(root_name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(hours=1)).not_valid_after(now + timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION,
                                                  x509.ObjectIdentifier("1.2.398.3.3.4.1.2"),
                                                  x509.ObjectIdentifier("1.2.398.3.3.4.1.2.1")]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256()))
    legacy = (serialization.PrivateFormat.PKCS12.encryption_builder().kdf_rounds(2048)
              .key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC).hmac_hash(hashes.SHA1())  # noqa: S303
              .build(PASSWORD.encode()))
    (folder / "root.pem").write_bytes(root.public_bytes(serialization.Encoding.PEM))
    (folder / "head.p12").write_bytes(pkcs12.serialize_key_and_certificates(b"head", key, leaf, None, legacy))
    return {"root": folder / "root.pem", "p12": folder / "head.p12"}


def _import(runner, path: Path, password: str = PASSWORD, *options: str):
    return runner.invoke(args=["keys", "import-p12", str(path), *options], env={"PBI_P12_PASSWORD": password})


@pytest.mark.parametrize(("name", "reason"), [
    ("RSA256_*.p12", "role individual"),
    ("AUTH_RSA256_*.p12", "an authentication key"),
    ("GOSTKNCA_*.p12", "a GOST key"),
])
def test_the_nca_test_keys_are_refused_with_their_reason(app, keys, runner, name, reason):
    path = next((NCA / "rsa-test").glob(name))
    result = _import(runner, path, TEST_PASSWORD)
    assert result.exit_code != 0 and reason in result.output, result.output
    with app.app_context():
        assert keystore().installed_roots() == []


def test_a_wrong_password_is_refused(app, keys, runner, nca_like):
    result = _import(runner, nca_like["p12"], "wrong")
    assert result.exit_code != 0 and "cannot read the PKCS#12 file" in result.output


def test_the_key_must_chain_to_an_installed_root(app, keys, runner, nca_like):
    result = _import(runner, nca_like["p12"])
    assert result.exit_code != 0 and "does not chain to an installed root" in result.output


def test_documents_are_signed_with_the_imported_key_and_older_ones_still_verify(app, client, keys, runner, nca_like,
                                                                                 tmp_path):
    before_id = active_agreement(app, make_association(app))
    assert runner.invoke(args=["trust", "add", str(nca_like["root"])]).exit_code == 0
    result = _import(runner, nca_like["p12"])
    assert result.exit_code == 0, result.output
    assert "signing (current, NCA RK)" in result.output and HEAD_NAME in result.output
    after_id = active_agreement(app, make_association(app))

    root_pem = nca_like["root"].read_bytes()
    with app.app_context():
        store = keystore()
        assert [root.public_bytes(serialization.Encoding.PEM) for root in store.installed_roots()] == [root_pem]
        assert len(trust_roots()) == 2  # the department's own root stays
        pdfs = {}
        for label, agreement_id in (("before", before_id), ("after", after_id)):
            document = db.session.get(Document, db.session.get(Agreement, agreement_id).document_id)
            pdfs[label] = services.pdf_bytes(document)
        assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "keys.signing_key_imported"))
        assert isinstance(store.current_signer().key, rsa.RSAPrivateKey)
    for label, pdf in pdfs.items():
        answer = client.post("/api/v1/verify?lang=en", data={"document": (io.BytesIO(pdf), f"{label}.pdf")},
                             content_type="multipart/form-data").get_json()
        assert answer["valid"] is True, (label, answer)
    (tmp_path / "after.pdf").write_bytes(pdfs["after"])
    assert_signed_whole_and_valid(tmp_path / "after.pdf")  # Poppler, independently
    assert HEAD_NAME in pdfsig(tmp_path / "after.pdf")
    (tmp_path / "before.pdf").write_bytes(pdfs["before"])
    assert HEAD_NAME not in pdfsig(tmp_path / "before.pdf")

    shown = runner.invoke(args=["keys", "show"]).output
    assert "signing (current)" in shown and shown.count("signing (retired)") == 1
    rotated = runner.invoke(args=["keys", "rotate"])  # back to a self-made key; the NCA root stays trusted
    assert rotated.exit_code == 0
    with app.app_context():
        assert len(trust_roots()) == 2 and not isinstance(keystore().current_signer().key, rsa.RSAPrivateKey)
