"""The department's PKI: certificate properties, file protection, passphrase, rotation."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from app.documents.keys import KeyStore, KeyStoreError, fingerprint
from tests.documents.conftest import PASSPHRASE, run_tool

KAZAKH_LETTERS = set("әғқңөұүһіӘҒҚҢӨҰҮҺІ")
DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.4.1.311.10.3.12")


def _ext(cert: x509.Certificate, kind: type[x509.ExtensionType]) -> x509.Extension:
    return cert.extensions.get_extension_for_class(kind)


def _verify_issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> None:
    public_key = issuer.public_key()
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    assert cert.signature_hash_algorithm is not None
    public_key.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(cert.signature_hash_algorithm))


def _years(cert: x509.Certificate) -> float:
    return (cert.not_valid_after_utc - cert.not_valid_before_utc).days / 365.25


def test_fingerprint_is_sha256_of_der(signer) -> None:
    der = signer.cert.public_bytes(serialization.Encoding.DER)
    assert fingerprint(signer.cert) == hashlib.sha256(der).hexdigest()
    assert re.fullmatch(r"[0-9a-f]{64}", fingerprint(signer.cert))


def test_root_certificate_properties(department: KeyStore) -> None:
    root = department.root_certificate()
    key = root.public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1)
    assert root.issuer == root.subject
    _verify_issued_by(root, root)  # self-signed
    assert isinstance(root.signature_hash_algorithm, hashes.SHA256)
    assert 9.9 < _years(root) < 10.1

    basic = _ext(root, x509.BasicConstraints)
    assert basic.critical and basic.value.ca and basic.value.path_length == 0
    usage = _ext(root, x509.KeyUsage)
    assert usage.critical and usage.value.key_cert_sign and usage.value.crl_sign
    assert not usage.value.digital_signature
    ski = _ext(root, x509.SubjectKeyIdentifier).value
    assert ski == x509.SubjectKeyIdentifier.from_public_key(key)

    subject = root.subject
    assert subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value == "KZ"
    organization = str(subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value)
    unit = str(subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)[0].value)
    assert KAZAKH_LETTERS & set(organization), organization
    assert "Түркістан" in unit and "Туркестанской" in unit


def test_signing_certificate_properties(department: KeyStore, signer) -> None:
    root, cert = department.root_certificate(), signer.cert
    key = cert.public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1)
    assert signer.key.public_key() == key
    assert signer.chain == (root,)
    assert cert.issuer == root.subject
    _verify_issued_by(cert, root)
    assert 1.9 < _years(cert) < 2.1
    assert cert.not_valid_after_utc <= root.not_valid_after_utc
    assert cert.not_valid_before_utc <= dt.datetime.now(dt.UTC) < cert.not_valid_after_utc
    assert 2**128 < cert.serial_number < 2**159  # random 159-bit serial (fails with p ≈ 2^-31)
    assert cert.serial_number != root.serial_number

    basic = _ext(cert, x509.BasicConstraints)
    assert basic.critical and not basic.value.ca
    usage = _ext(cert, x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and usage.value.content_commitment
    assert not usage.value.key_cert_sign
    eku = _ext(cert, x509.ExtendedKeyUsage).value
    assert DOCUMENT_SIGNING in eku and ExtendedKeyUsageOID.EMAIL_PROTECTION in eku
    aki = _ext(cert, x509.AuthorityKeyIdentifier).value
    assert aki.key_identifier == _ext(root, x509.SubjectKeyIdentifier).value.digest
    assert _ext(cert, x509.SubjectKeyIdentifier).value == x509.SubjectKeyIdentifier.from_public_key(key)
    common_name = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    assert re.fullmatch(r"PBI Document Signing \d{4}-\d{2}-\d{2}", str(common_name))


def test_openssl_verifies_the_chain(department: KeyStore, signer, tmp_path: Path) -> None:
    root_pem, leaf_pem = tmp_path / "root.pem", tmp_path / "signing.pem"
    root_pem.write_bytes(department.root_certificate().public_bytes(serialization.Encoding.PEM))
    leaf_pem.write_bytes(signer.cert.public_bytes(serialization.Encoding.PEM))
    result = run_tool("openssl", "verify", "-CAfile", root_pem, leaf_pem)
    assert result.returncode == 0 and ": OK" in result.stdout, result.stdout + result.stderr


def test_openssl_rejects_a_foreign_chain(department: KeyStore, foreign, tmp_path: Path) -> None:
    root_pem, leaf_pem = tmp_path / "root.pem", tmp_path / "signing.pem"
    root_pem.write_bytes(department.root_certificate().public_bytes(serialization.Encoding.PEM))
    leaf_pem.write_bytes(foreign.current_signer().cert.public_bytes(serialization.Encoding.PEM))
    assert run_tool("openssl", "verify", "-CAfile", root_pem, leaf_pem).returncode != 0


def test_files_are_private_and_keys_encrypted(department: KeyStore) -> None:
    directory = department.directory
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    files = [path for path in directory.rglob("*") if path.is_file()]
    assert {p.name for p in files} >= {"root.key.pem", "root.cert.pem", "current", "storage.key"}
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    for path in directory.rglob("*"):
        if path.is_dir():
            assert stat.S_IMODE(path.stat().st_mode) == 0o700, path
    keys = [p for p in files if p.name.endswith(".key.pem")]
    assert len(keys) == 2  # root + first signing key
    for path in keys:
        pem = path.read_bytes()
        assert pem.startswith(b"-----BEGIN ") and b"ENCRYPTED PRIVATE KEY-----" in pem
        with pytest.raises(TypeError):  # needs a password
            serialization.load_pem_private_key(pem, password=None)
    raw_storage_key = department.storage_key()
    assert len(raw_storage_key) == 32
    assert raw_storage_key not in (directory / "storage.key").read_bytes()
    assert not list(directory.rglob("*.tmp"))


def test_initialize_twice_changes_nothing(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys", PASSPHRASE)
    assert not store.exists()
    assert store.initialize() is True
    assert store.exists()
    snapshot = {p: p.read_bytes() for p in store.directory.rglob("*") if p.is_file()}
    again = KeyStore(tmp_path / "keys", PASSPHRASE)
    assert again.initialize() is False
    assert {p: p.read_bytes() for p in store.directory.rglob("*") if p.is_file()} == snapshot


def test_interrupted_initialisation_is_redone(tmp_path: Path) -> None:
    """Without the 'current' pointer (written last) the store is incomplete and is created anew."""
    store = KeyStore(tmp_path / "keys", PASSPHRASE)
    store.initialize()
    old_root = store.root_certificate()
    (store.directory / "current").unlink()  # as if the process died just before the last write
    assert not store.exists()
    assert store.initialize() is True
    assert store.root_certificate() != old_root
    [cert] = store.signing_certificates()  # the orphan from the first attempt is gone
    assert cert.issuer == store.root_certificate().subject and cert == store.current_signer().cert


def test_wrong_passphrase_is_a_keystore_error(department: KeyStore) -> None:
    intruder = KeyStore(department.directory, b"not the passphrase")
    with pytest.raises(KeyStoreError, match="passphrase"):
        intruder.current_signer()
    with pytest.raises(KeyStoreError, match="passphrase"):
        intruder.storage_key()
    with pytest.raises(KeyStoreError, match="passphrase"):
        intruder.rotate()
    assert len(department.signing_certificates()) == 1  # the failed rotation issued nothing


def test_missing_or_corrupt_files_are_keystore_errors(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys", PASSPHRASE)
    with pytest.raises(KeyStoreError):
        store.current_signer()
    with pytest.raises(KeyStoreError):
        store.storage_key()
    store.initialize()
    (store.directory / "storage.key").write_bytes(b"PBISK1" + b"\x00" * 76)
    with pytest.raises(KeyStoreError):
        store.storage_key()
    (store.directory / "current").write_text("../../etc/passwd")
    with pytest.raises(KeyStoreError):
        store.current_signer()
    with pytest.raises(ValueError):
        KeyStore(tmp_path / "other", b"")


def test_rotate_issues_a_new_current_certificate(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys", PASSPHRASE)
    store.initialize()
    first = store.current_signer()
    storage_key = store.storage_key()
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    new_cert = store.rotate(now=later)
    second = store.current_signer()
    assert second.cert == new_cert != first.cert
    assert second.key.public_key() != first.key.public_key()
    assert store.signing_certificates() == [first.cert, new_cert]
    assert new_cert.issuer == store.root_certificate().subject
    _verify_issued_by(new_cert, store.root_certificate())
    assert new_cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == (
        f"PBI Document Signing {later:%Y-%m-%d}"
    )
    assert store.storage_key() == storage_key  # rotation does not touch data at rest
    third = store.rotate()
    assert store.signing_certificates() == [first.cert, new_cert, third]


def test_signing_certificate_never_outlives_the_root(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys", PASSPHRASE)
    start = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    store.initialize(now=start)
    root = store.root_certificate()
    late = root.not_valid_after_utc - dt.timedelta(days=30)
    cert = store.rotate(now=late)
    assert cert.not_valid_after_utc == root.not_valid_after_utc
    with pytest.raises(KeyStoreError, match="expired"):
        store.rotate(now=root.not_valid_after_utc + dt.timedelta(days=1))
