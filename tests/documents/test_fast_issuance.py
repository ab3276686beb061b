"""Issuing fast without weakening anything: one signature per document, a sized reservation,
the decrypted signer kept per process but never stale, and segno's QR codes made faster."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import hashlib
import io
import subprocess
import sys
from pathlib import Path

import pytest
import segno
from asn1crypto import cms
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from hypothesis import given, settings
from hypothesis import strategies as st
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from segno import encoder as segno_encoder

from app.documents import keys as keys_module
from app.documents import pdf as pdf_module
from app.documents import signing
from app.documents.keys import KeyStore, fingerprint
from app.documents.pdfcheck import check_signed_pdf
from app.documents.signing import ReservationTooSmall, SigningFailed, max_signature_size, reservation_for, sign_pdf
from tests.documents.conftest import LOCATION, PASSPHRASE, REASON, pdfsig

PROJECT = Path(__file__).resolve().parents[2]


def _container_size(signed: bytes) -> int:
    """DER length of the CMS container in the only signature (without the zero padding)."""
    [embedded] = PdfFileReader(io.BytesIO(signed)).embedded_signatures
    return len(cms.ContentInfo.load(embedded.pkcs7_content.rstrip(b"\x00")).dump())


def _fresh(material):
    """An equal SigningMaterial that no cache has seen."""
    return dataclasses.replace(material)


# -- one signature, a reservation sized to fit ----------------------------------------------------


def test_each_document_is_signed_once(sample_pdf: bytes, signer, monkeypatch) -> None:
    calls = []
    original = signers.SimpleSigner.sign_raw

    def counting(self, data, digest_algorithm):
        calls.append(digest_algorithm)
        return original(self, data, digest_algorithm)

    monkeypatch.setattr(signers.SimpleSigner, "sign_raw", counting)
    material = _fresh(signer)
    sign_pdf(sample_pdf, material, reason=REASON, location=LOCATION)
    assert len(calls) == 2  # the first document with this key: one sizing dry run, one signature
    for expected in (3, 4):
        sign_pdf(sample_pdf, material, reason=REASON, location=LOCATION)
        assert len(calls) == expected  # every later one: exactly one signature


def test_reservation_fits_the_signature_closely(sample_pdf: bytes, signer, tmp_path: Path) -> None:
    reserved = reservation_for(signer)
    assert reserved % 2 == 0
    for _ in range(5):  # ECDSA signatures vary in length (70 to 72 bytes for P-256)
        signed = sign_pdf(sample_pdf, signer, reason=REASON, location=LOCATION)
        needed = 2 * _container_size(signed)
        assert needed <= reserved <= needed + 2 * 40, (needed, reserved)
    report = pdfsig(signed, tmp_path)
    assert "Signature is Valid." in report and "Total document signed" in report


def test_reservation_is_sized_from_the_chain_and_the_algorithm(sample_pdf: bytes, signer, foreign, department) -> None:
    extra = foreign.root_certificate()
    longer = dataclasses.replace(signer, chain=(*signer.chain, extra))
    from cryptography.hazmat.primitives import serialization

    extra_der = len(extra.public_bytes(serialization.Encoding.DER))
    grown = reservation_for(longer) - reservation_for(signer)
    assert 2 * extra_der <= grown <= 2 * (extra_der + 8)  # a certificate more, hex-encoded
    signed = sign_pdf(sample_pdf, longer, reason=REASON, location=LOCATION)
    assert check_signed_pdf(signed, [department.root_certificate()]).ok

    assert max_signature_size(ec.generate_private_key(ec.SECP256R1())) == 72
    assert max_signature_size(ec.generate_private_key(ec.SECP384R1())) == 104
    assert max_signature_size(rsa.generate_private_key(public_exponent=65537, key_size=2048)) == 256
    key = ec.generate_private_key(ec.SECP256R1())
    assert max(len(key.sign(bytes([n]), ec.ECDSA(hashes.SHA256()))) for n in range(200)) <= 72


def test_signed_attributes_are_byte_for_byte_pyhankos(signer) -> None:
    """The prepared signer encodes signing-certificate-v2 once; pyHanko's default spec builds the same."""
    digest = hashlib.sha256(b"any document").digest()
    settings = PdfCMSSignedAttributes(signing_time=dt.datetime.now(dt.UTC))

    def attributes(pyhanko_signer) -> cms.CMSAttributes:
        return asyncio.run(pyhanko_signer.signed_attrs(digest, "sha256", attr_settings=settings, use_pades=True))

    ours = attributes(signing._prepared_signer(signer))
    assert ours.dump() == attributes(signing._pyhanko_signer(signer)).dump()
    assert [attribute["type"].native for attribute in ours] == [
        "content_type", "message_digest", "signing_certificate_v2"]
    assert attributes(signing._prepared_signer(signer)).dump() == ours.dump()  # the same every time


def test_a_reservation_too_small_fails_loudly(sample_pdf: bytes, signer, monkeypatch) -> None:
    monkeypatch.setattr(signing, "_reservation", lambda _signer, _material: 1000)
    with pytest.raises(ReservationTooSmall, match="1000 hex digits") as raised:
        sign_pdf(sample_pdf, _fresh(signer), reason=REASON, location=LOCATION)
    assert isinstance(raised.value, SigningFailed)  # what callers already handle


# -- the decrypted signer per process, never stale ------------------------------------------------


def test_signer_is_decrypted_once_per_key(tmp_path: Path, monkeypatch) -> None:
    store = KeyStore(tmp_path / "keys", PASSPHRASE)
    store.initialize()
    decrypted = []
    original = keys_module.serialization.load_pem_private_key

    def counting(data, password):
        decrypted.append(1)
        return original(data, password=password)

    monkeypatch.setattr(keys_module.serialization, "load_pem_private_key", counting)
    first = store.current_signer()
    assert store.current_signer() is first and store.current_signer() is first
    assert len(decrypted) == 1
    assert store.root_certificate() is store.root_certificate()

    store.rotate()  # also re-reads the root key: decrypted once more
    second = store.current_signer()
    assert second.cert != first.cert and store.current_signer() is second
    assert len(decrypted) == 3


def test_rotation_by_another_process_is_picked_up(tmp_path: Path) -> None:
    server = KeyStore(tmp_path / "keys", PASSPHRASE)
    server.initialize()
    before = server.current_signer()
    script = (
        "import sys; from pathlib import Path; from app.documents.keys import KeyStore, fingerprint; "
        "print(fingerprint(KeyStore(Path(sys.argv[1]), sys.argv[2].encode()).rotate()))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "keys"), PASSPHRASE.decode()],
        cwd=PROJECT, capture_output=True, text=True, timeout=120, check=True,
    )
    after = server.current_signer()
    assert fingerprint(after.cert) == result.stdout.strip() != fingerprint(before.cert)


def test_a_wrong_passphrase_is_never_cached(tmp_path: Path) -> None:
    KeyStore(tmp_path / "keys", PASSPHRASE).initialize()
    intruder = KeyStore(tmp_path / "keys", b"not the passphrase")
    for _ in range(2):
        with pytest.raises(keys_module.KeyStoreError, match="passphrase"):
            intruder.current_signer()


def test_a_running_app_signs_with_the_rotated_key(app, keys, runner, sample_pdf: bytes) -> None:
    from app.documents.runtime import keystore, trust_roots

    def sign_now() -> tuple[str, str | None]:
        with app.app_context():
            material = keystore().current_signer()
            signed = sign_pdf(sample_pdf, material, reason=REASON, location=LOCATION)
            check = check_signed_pdf(signed, trust_roots())
        assert check.ok
        return fingerprint(material.cert), check.signer_fingerprint

    before, signed_by = sign_now()
    assert signed_by == before
    result = runner.invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    after, signed_by = sign_now()
    assert signed_by == after != before
    with app.app_context():
        assert fingerprint(keys.current_signer().cert) == after


# -- QR codes: segno's, module for module ----------------------------------------------------------


def _both(text: str, error: str) -> tuple[segno.QRCode, segno.QRCode]:
    original = segno_encoder.find_and_apply_best_mask
    try:
        segno_encoder.find_and_apply_best_mask = pdf_module._segno_best_mask
        reference = segno.make_qr(text, error=error, boost_error=False)
    finally:
        segno_encoder.find_and_apply_best_mask = original
    return reference, segno.make_qr(text, error=error, boost_error=False)


def test_the_fast_mask_choice_is_installed() -> None:
    """A segno upgrade must be checked against this test before the fast path comes back."""
    assert segno.__version__ == pdf_module._SEGNO_CHECKED, "re-check _best_mask against the new segno"
    assert segno_encoder.find_and_apply_best_mask is pdf_module._best_mask


@settings(max_examples=150, deadline=None)
@given(text=st.text(min_size=1, max_size=200), error=st.sampled_from("lmqh"))
def test_qr_codes_are_segnos_module_for_module(text: str, error: str) -> None:
    reference, fast = _both(text, error)
    assert (fast.version, fast.error, fast.mask) == (reference.version, reference.error, reference.mask)
    assert fast.matrix == reference.matrix


@settings(max_examples=60, deadline=None)
@given(serial=st.integers(1, 999_999), code=st.text("0123456789ABCDEFGHJKMNPQRSTVWXYZ", min_size=10, max_size=10))
def test_verification_urls_get_segnos_qr_code(serial: int, code: str) -> None:
    url = f"https://pbi.example.kz/verify?number=PBI-D-2026-{serial:06d}&code={code[:5]}-{code[5:]}"
    reference, fast = _both(url, "m")
    assert fast.mask == reference.mask and fast.matrix == reference.matrix
