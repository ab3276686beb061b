"""GOST signing (app.nca.gost_sign) and the NCALayer stand-in (tests/nca/signer.py).

- `gost_sign`: RFC 7091's examples with their published k; signatures of the NCA TEST keys verify with
  `gost3410.verify` (and nothing else does: another digest, another key, a flipped bit);
- `sign_detached_cms` with `legal_valid_head.p12`: the CMS parses (asn1crypto, strict), its layout is the
  Kalkan one the helper's docstring describes, messageDigest is Streebog-512 of the data, the signature
  verifies over the DER SET of the signed attributes with the certificate's key;
- the tamper modes each break exactly what they say;
- RSA (`rsa-test/RSA256_*.p12`): the CMS verifies with `cryptography` and with `openssl cms -verify`;
- every NCA TEST key signs a CMS that verifies; the legacy GOST 2004 key is refused.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from asn1crypto import cms, core
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from hypothesis import given, settings
from hypothesis import strategies as st

from app.nca import gost3410, gost_sign
from app.nca.streebog import streebog512
from tests.nca import signer
from tests.nca.test_gost3410 import RFC_EXAMPLES

NCA_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "nca"
KEYS = sorted((NCA_DIR / "test-2022" / "keys").glob("*.p12"))
RSA_KEYS = sorted((NCA_DIR / "rsa-test").glob("*RSA256_*.p12"))
(LEGACY_KEY,) = sorted((NCA_DIR / "rsa-test").glob("GOSTKNCA_*.p12"))
HEAD = NCA_DIR / "test-2022" / "keys" / "legal_valid_head.p12"

DATA = "Келісім · agreement № 12\n".encode() * 40
WHEN = datetime(2026, 5, 20, 9, 30, 17, tzinfo=UTC)
ATTRIBUTE_ORDER = ["content_type", "signing_time", "message_digest", "signing_certificate_v2"]


def _key(path=HEAD):
    return signer.read_key(path)


def _public_key(certificate_der: bytes):
    spki = asn1_x509.Certificate.load(certificate_der)["tbs_certificate"]["subject_public_key_info"]
    return gost3410.public_key_from_spki(spki.dump())


# --- gost_sign ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("curve", "ex"), RFC_EXAMPLES, ids=["256", "512"])
def test_rfc7091_examples_with_their_k(curve, ex):
    assert gost_sign._sign_integers(curve, ex["d"], ex["e"] % curve.q or 1, ex["k"]) == (ex["r"], ex["s"])


@pytest.mark.parametrize(("curve", "ex"), RFC_EXAMPLES, ids=["256", "512"])
def test_rfc7091_example_keys_sign_and_verify(curve, ex):
    digest = bytes(range(curve.size))
    signature = gost_sign.sign(curve, ex["d"], digest)
    assert len(signature) == 2 * curve.size
    assert gost3410.verify(curve, (ex["qx"], ex["qy"]), digest, signature)


def test_encode_signature_is_what_decode_signature_reads():
    curve = gost3410.TC26_512_A
    r, s = 0x0102, curve.q - 1
    assert gost3410.decode_signature(curve, gost_sign.encode_signature(curve, r, s)) == (r, s)
    assert gost_sign.encode_signature(curve, r, s)[:2] == b"\x02\x01"  # little-endian


@settings(max_examples=15, deadline=None)
@given(digest=st.binary(min_size=64, max_size=64))
def test_signatures_of_an_nca_key_verify(digest):
    contents = _key()
    curve, point = _public_key(contents.certificate)
    signature = gost_sign.sign(curve, contents.private_key.d, digest)
    assert gost3410.verify(curve, point, digest, signature)
    # α ± 2: another e (α ± 1 could meet the e = 0 → 1 rule: an all-zero digest and 01 00 … sign alike).
    other = bytes([digest[0] ^ 2]) + digest[1:]
    assert not gost3410.verify(curve, point, other, signature)


def test_signatures_are_randomised_and_bound_to_the_key():
    contents = _key()
    curve, point = _public_key(contents.certificate)
    digest = streebog512(DATA)
    first = gost_sign.sign(curve, contents.private_key.d, digest)
    second = gost_sign.sign(curve, contents.private_key.d, digest)
    assert first != second
    assert gost3410.verify(curve, point, digest, second)
    _, other_point = _public_key((NCA_DIR / "test-2022" / "certs" / "legal_valid_employee.cer").read_bytes())
    assert not gost3410.verify(curve, other_point, digest, first)
    for bit in (0, 7, 63 * 8, 64 * 8, 127 * 8 + 7):
        flipped = bytearray(first)
        flipped[bit // 8] ^= 1 << (bit % 8)
        assert not gost3410.verify(curve, point, digest, bytes(flipped))


def test_a_zero_digest_signs_as_e_1():
    contents = _key()
    curve, point = _public_key(contents.certificate)
    q_digest = curve.q.to_bytes(64, "little")  # α = q: e = 0, hence 1
    signature = gost_sign.sign(curve, contents.private_key.d, q_digest)
    assert gost3410.verify(curve, point, q_digest, signature)
    assert gost3410.verify(curve, point, (1).to_bytes(64, "little"), signature)


def test_sign_refusals():
    curve = gost3410.TC26_512_A
    for digest in (b"", bytes(63), bytes(65), "0" * 64, None):
        with pytest.raises(gost3410.MalformedInput):
            gost_sign.sign(curve, 5, digest)
    for d in (0, curve.q, -1, True, 5.0, "5"):
        with pytest.raises(gost3410.MalformedInput):
            gost_sign.sign(curve, d, bytes(64))


# --- sign_raw ----------------------------------------------------------------------------------------------


def test_sign_raw_gost():
    signature = signer.sign_raw(DATA, HEAD)
    curve, point = _public_key(_key().certificate)
    assert len(signature) == 128
    assert gost3410.verify(curve, point, streebog512(DATA), signature)
    assert not gost3410.verify(curve, point, streebog512(DATA + b"x"), signature)


@pytest.mark.parametrize("path", RSA_KEYS, ids=lambda p: p.stem)
def test_sign_raw_rsa(path):
    signature = signer.sign_raw(DATA, path)
    public = x509.load_der_x509_certificate(signer.read_key(path).certificate).public_key()
    public.verify(signature, DATA, padding.PKCS1v15(), hashes.SHA256())
    with pytest.raises(InvalidSignature):
        public.verify(signature, DATA + b"x", padding.PKCS1v15(), hashes.SHA256())


def test_the_legacy_key_cannot_sign():
    assert signer.read_key(LEGACY_KEY).kind == "gost-legacy"
    with pytest.raises(signer.UnsupportedSigningKey):
        signer.sign_raw(DATA, LEGACY_KEY)
    with pytest.raises(signer.UnsupportedSigningKey):
        signer.sign_detached_cms(DATA, LEGACY_KEY)


# --- the CMS -----------------------------------------------------------------------------------------------


def _parse(der: bytes) -> tuple[cms.SignedData, cms.SignerInfo]:
    content_info = cms.ContentInfo.load(der, strict=True)
    assert content_info["content_type"].native == "signed_data"
    signed_data = content_info["content"]
    (signer_info,) = list(signed_data["signer_infos"])
    return signed_data, signer_info


def _signed_attributes_set(signer_info: cms.SignerInfo) -> bytes:
    """The DER of the signed attributes as a SET: RFC 5652 5.4 — tag 0x31 instead of [0] IMPLICIT."""
    tagged = signer_info["signed_attrs"].dump()
    assert tagged[0] == 0xA0
    return b"\x31" + tagged[1:]


def _attributes(signer_info: cms.SignerInfo) -> dict:
    return {attribute["type"].native: attribute for attribute in signer_info["signed_attrs"]}


def _gost_verifies(der: bytes) -> bool:
    signed_data, signer_info = _parse(der)
    curve, point = _public_key(signed_data["certificates"][0].chosen.dump())
    return gost3410.verify(
        curve, point, streebog512(_signed_attributes_set(signer_info)), signer_info["signature"].native
    )


def _message_digest(signer_info: cms.SignerInfo) -> bytes:
    return _attributes(signer_info)["message_digest"]["values"][0].native


@pytest.fixture(scope="module")
def head_cms() -> bytes:
    return signer.sign_detached_cms(DATA, HEAD, signing_time=WHEN)


def test_cms_layout(head_cms):
    signed_data, signer_info = _parse(head_cms)
    certificate_der = (NCA_DIR / "test-2022" / "certs" / "legal_valid_head.cer").read_bytes()
    certificate = asn1_x509.Certificate.load(certificate_der)
    null = core.Null().dump()

    assert signed_data["version"].native == "v1"
    (digest_algorithm,) = list(signed_data["digest_algorithms"])
    assert digest_algorithm["algorithm"].dotted == "1.2.398.3.10.1.3.3"
    assert digest_algorithm["parameters"].dump() == null
    # Detached: id-data without eContent.
    assert signed_data["encap_content_info"]["content_type"].native == "data"
    assert signed_data["encap_content_info"]["content"].native is None
    # The signer's certificate only, byte for byte; no CRLs.
    assert [choice.chosen.dump() for choice in signed_data["certificates"]] == [certificate_der]
    assert signed_data["crls"].native is None

    assert signer_info["version"].native == "v1"
    assert signer_info["sid"].name == "issuer_and_serial_number"
    sid = signer_info["sid"].chosen
    assert sid["issuer"].dump() == certificate.issuer.dump()
    assert sid["serial_number"].native == certificate.serial_number
    assert signer_info["digest_algorithm"].dump() == digest_algorithm.dump()
    assert signer_info["signature_algorithm"]["algorithm"].dotted == "1.2.398.3.10.1.1.2.3.2"
    assert signer_info["signature_algorithm"]["parameters"].dump() == null
    assert len(signer_info["signature"].native) == 128
    assert signer_info["unsigned_attrs"].native is None


def test_cms_signed_attributes(head_cms):
    _, signer_info = _parse(head_cms)
    certificate_der = (NCA_DIR / "test-2022" / "certs" / "legal_valid_head.cer").read_bytes()
    certificate = asn1_x509.Certificate.load(certificate_der)
    attributes = list(signer_info["signed_attrs"])
    # Order: the DER order of a SET OF (sorted encodings), which here is the Kalkan order.
    assert [attribute["type"].native for attribute in attributes] == ATTRIBUTE_ORDER
    encodings = [attribute.dump() for attribute in attributes]
    assert encodings == sorted(encodings)
    assert all(len(attribute["values"]) == 1 for attribute in attributes)
    by_type = _attributes(signer_info)
    assert by_type["content_type"]["values"][0].native == "data"
    signing_time = by_type["signing_time"]["values"][0]
    assert signing_time.name == "utc_time"
    assert signing_time.chosen.dump()[2:] == b"260520093017Z"
    assert signing_time.native == WHEN
    assert _message_digest(signer_info) == streebog512(DATA)

    (signing_certificate,) = list(by_type["signing_certificate_v2"]["values"])
    assert signing_certificate["policies"].native is None
    (ess_cert_id,) = list(signing_certificate["certs"])
    # hashAlgorithm is SHA-256, the DEFAULT: DER leaves it out, the SEQUENCE starts with the OCTET STRING.
    assert core.Sequence.load(ess_cert_id.dump())[0].tag == 4
    assert ess_cert_id["hash_algorithm"]["algorithm"].native == "sha256"
    assert ess_cert_id["cert_hash"].native == hashlib.sha256(certificate_der).digest()
    issuer_serial = ess_cert_id["issuer_serial"]
    (general_name,) = list(issuer_serial["issuer"])
    assert general_name.name == "directory_name"
    assert general_name.chosen.untag().dump() == certificate.issuer.dump()  # [4] EXPLICIT Name
    assert issuer_serial["serial_number"].native == certificate.serial_number


def test_cms_signature_verifies(head_cms):
    assert _gost_verifies(head_cms)


def test_cms_is_der(head_cms):
    # Re-encoding every value from scratch gives the same bytes (definite lengths, minimal encodings…).
    assert cms.ContentInfo.load(head_cms, strict=True).dump(force=True) == head_cms


def test_cms_of_empty_data_and_default_signing_time():
    before = datetime.now(UTC).replace(microsecond=0)
    der = signer.sign_detached_cms(b"", HEAD)
    after = datetime.now(UTC)
    _, signer_info = _parse(der)
    assert _message_digest(signer_info) == streebog512(b"")
    signing_time = _attributes(signer_info)["signing_time"]["values"][0].native
    assert before <= signing_time <= after
    assert _gost_verifies(der)


def test_signing_time_zones():
    naive = signer.sign_detached_cms(DATA, HEAD, signing_time=WHEN.replace(tzinfo=None))
    almaty = signer.sign_detached_cms(DATA, HEAD, signing_time=WHEN.astimezone(timezone(timedelta(hours=5))))
    for der in (naive, almaty):
        assert _attributes(_parse(der)[1])["signing_time"]["values"][0].native == WHEN
    with pytest.raises(ValueError):
        signer.sign_detached_cms(DATA, HEAD, signing_time=datetime(2050, 1, 1, tzinfo=UTC))


def test_without_issuer_serial_or_null_parameters():
    der = signer.sign_detached_cms(DATA, HEAD, signing_time=WHEN, issuer_serial=False, null_parameters=False)
    signed_data, signer_info = _parse(der)
    attributes = list(signer_info["signed_attrs"])
    encodings = [attribute.dump() for attribute in attributes]
    assert encodings == sorted(encodings)
    # The shorter signingCertificateV2 now sorts before the 64-byte messageDigest.
    assert [attribute["type"].native for attribute in attributes] == [
        "content_type",
        "signing_time",
        "signing_certificate_v2",
        "message_digest",
    ]
    ess_cert_id = _attributes(signer_info)["signing_certificate_v2"]["values"][0]["certs"][0]
    assert ess_cert_id["issuer_serial"].native is None
    streebog_oid = core.ObjectIdentifier("1.2.398.3.10.1.3.3").dump()
    assert signed_data["digest_algorithms"][0].dump() == b"\x30\x0a" + streebog_oid  # no parameters
    assert signer_info["digest_algorithm"].dump() == b"\x30\x0a" + streebog_oid
    assert signer_info["signature_algorithm"]["parameters"].native is None
    assert _gost_verifies(der)


# --- tampering ---------------------------------------------------------------------------------------------


def test_tamper_content(head_cms):
    der = signer.sign_detached_cms(DATA, HEAD, signing_time=WHEN, tamper="content")
    _, signer_info = _parse(der)
    assert _message_digest(signer_info) != streebog512(DATA)
    assert _message_digest(signer_info) == streebog512(DATA[:-1] + bytes([DATA[-1] ^ 1]))
    assert _gost_verifies(der)  # the signature over the attributes is good: only the data does not match
    assert _message_digest(_parse(signer.sign_detached_cms(b"", HEAD, tamper="content"))[1]) != streebog512(b"")


def test_tamper_attributes(head_cms):
    der = signer.sign_detached_cms(DATA, HEAD, signing_time=WHEN, tamper="attributes")
    _, signer_info = _parse(der)
    assert _message_digest(signer_info) == streebog512(DATA)
    assert not _gost_verifies(der)
    # Exactly one byte of the signed attributes differs from the untampered ones (same signing time).
    good = _signed_attributes_set(_parse(head_cms)[1])
    bad = _signed_attributes_set(signer_info)
    assert len(good) == len(bad)
    assert sum(a != b for a, b in zip(good, bad, strict=True)) == 1
    assert _attributes(signer_info)["signing_time"]["values"][0].native == WHEN.replace(second=16)


def test_tamper_signature():
    der = signer.sign_detached_cms(DATA, HEAD, signing_time=WHEN, tamper="signature")
    _, signer_info = _parse(der)
    assert _message_digest(signer_info) == streebog512(DATA)
    assert not _gost_verifies(der)
    # Flipping the bit back gives a signature that verifies: one bit was changed.
    signature = signer_info["signature"].native
    restored = bytes([signature[0] ^ 1]) + signature[1:]
    curve, point = _public_key(_key().certificate)
    assert gost3410.verify(curve, point, streebog512(_signed_attributes_set(signer_info)), restored)


def test_unknown_tamper_mode():
    with pytest.raises(ValueError):
        signer.sign_detached_cms(DATA, HEAD, tamper="certificate")


# --- every TEST key; RSA -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", KEYS, ids=lambda p: p.stem)
def test_every_nca_test_key_signs_a_cms_that_verifies(path):
    der = signer.sign_detached_cms(DATA, path, signing_time=WHEN)
    signed_data, signer_info = _parse(der)
    assert (
        signed_data["certificates"][0].chosen.dump()
        == (NCA_DIR / "test-2022" / "certs" / f"{path.stem}.cer").read_bytes()
    )
    assert [attribute["type"].native for attribute in signer_info["signed_attrs"]] == ATTRIBUTE_ORDER
    assert _message_digest(signer_info) == streebog512(DATA)
    assert _gost_verifies(der)


def _rsa_verify(der: bytes, data: bytes = DATA) -> None:
    signed_data, signer_info = _parse(der)
    assert _message_digest(signer_info) == hashlib.sha256(data).digest()
    certificate = x509.load_der_x509_certificate(signed_data["certificates"][0].chosen.dump())
    certificate.public_key().verify(
        signer_info["signature"].native, _signed_attributes_set(signer_info), padding.PKCS1v15(), hashes.SHA256()
    )


@pytest.mark.parametrize("path", RSA_KEYS, ids=lambda p: p.stem)
def test_rsa_cms(path):
    der = signer.sign_detached_cms(DATA, path, signing_time=WHEN)
    signed_data, signer_info = _parse(der)
    assert signed_data["digest_algorithms"][0]["algorithm"].native == "sha256"
    assert signer_info["digest_algorithm"]["algorithm"].native == "sha256"
    assert signer_info["signature_algorithm"]["algorithm"].native == "sha256_rsa"
    assert signer_info["signature_algorithm"]["parameters"].dump() == core.Null().dump()
    assert [attribute["type"].native for attribute in signer_info["signed_attrs"]] == ATTRIBUTE_ORDER
    assert signed_data["certificates"][0].chosen.dump() == signer.read_key(path).certificate
    _rsa_verify(der)


@pytest.mark.parametrize("path", RSA_KEYS, ids=lambda p: p.stem)
def test_rsa_cms_tampered(path):
    content = signer.sign_detached_cms(DATA, path, tamper="content")
    with pytest.raises(AssertionError):
        _rsa_verify(content)  # messageDigest differs
    _rsa_verify(content, DATA[:-1] + bytes([DATA[-1] ^ 1]))
    for mode in ("attributes", "signature"):
        with pytest.raises(InvalidSignature):
            _rsa_verify(signer.sign_detached_cms(DATA, path, tamper=mode))


@pytest.mark.parametrize("tamper", [None, "content", "attributes", "signature"])
def test_rsa_cms_with_openssl(tmp_path, tamper):
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl not installed")
    (tmp_path / "data").write_bytes(DATA)
    (tmp_path / "cms.der").write_bytes(signer.sign_detached_cms(DATA, RSA_KEYS[0], tamper=tamper))
    result = subprocess.run(
        [
            *(openssl, "cms", "-verify", "-inform", "DER", "-in", str(tmp_path / "cms.der"), "-binary", "-noverify"),
            *("-content", str(tmp_path / "data"), "-out", str(tmp_path / "out")),
        ],
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert (result.returncode == 0) == (tamper is None), result.stderr
