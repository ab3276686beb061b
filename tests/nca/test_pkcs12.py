"""Reading NCA `.p12` key stores (app.nca.pkcs12): the primitives, the real NCA TEST keys, the refusals.

- RC2 (RFC 2268): the RFC's eight vectors, and agreement with OpenSSL (40-bit, the NCA certificates'
  cipher) and with `cryptography`'s 128-bit RC2;
- the PKCS#12 key derivation (RFC 7292 B.2): Dr Stephen Henson's published vectors (the ones
  BouncyCastle's PKCS12Test also uses), and agreement with `openssl kdf … PKCS12KDF`;
- every NCA TEST 2022 key: its certificate is the one in `test-2022/certs/` (and the one OpenSSL extracts),
  d·G is the certificate's public key; the RSA keys agree with `cryptography`; the legacy GOST 2004 key;
- PKCS#12 files built here (DER by hand) for the paths the NCA files do not take: keyBag, nested
  safeContents, no MAC, other PBE schemes and MAC hashes, mismatched keys, bad private keys;
- refusals: wrong password → WrongPassword; truncated, mutated or random bytes → only MalformedPkcs12 /
  WrongPassword (hypothesis).
"""

from __future__ import annotations

import hashlib
import hmac
import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest
from asn1crypto import core
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.decrepit.ciphers.algorithms import RC2, TripleDES
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, modes
from cryptography.hazmat.primitives.serialization import pkcs12 as crypto_pkcs12
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.nca import gost3410, pkcs12_crypto
from app.nca import pkcs12 as p12
from app.nca.pkcs12 import MalformedPkcs12, Pkcs12Error, UnsupportedPkcs12, WrongPassword, read_p12

NCA_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "nca"
KEYS = sorted((NCA_DIR / "test-2022" / "keys").glob("*.p12"))
RSA_KEYS = sorted((NCA_DIR / "rsa-test").glob("*RSA256_*.p12"))
(LEGACY_KEY,) = sorted((NCA_DIR / "rsa-test").glob("GOSTKNCA_*.p12"))
HEAD = NCA_DIR / "test-2022" / "keys" / "legal_valid_head.p12"
PASSWORD = "Qwerty12"

OPENSSL = shutil.which("openssl")


@cache
def _read(path: Path, password: str = PASSWORD) -> p12.Pkcs12Contents:
    return read_p12(path.read_bytes(), password)


def _openssl(*args: str, data: bytes = b"") -> subprocess.CompletedProcess:
    if OPENSSL is None:
        pytest.skip("openssl not installed")
    return subprocess.run([OPENSSL, *args], input=data, capture_output=True, check=False, timeout=60)


# --- RC2 (RFC 2268) ----------------------------------------------------------------------------------------

# RFC 2268 section 5: (key, effective key bits, plaintext, ciphertext).
RC2_VECTORS = [
    ("0000000000000000", 63, "0000000000000000", "ebb773f993278eff"),
    ("ffffffffffffffff", 64, "ffffffffffffffff", "278b27e42e2f0d49"),
    ("3000000000000000", 64, "1000000000000001", "30649edf9be7d2c2"),
    ("88", 64, "0000000000000000", "61a8a244adacccf0"),
    ("88bca90e90875a", 64, "0000000000000000", "6ccf4308974c267f"),
    ("88bca90e90875a7f0f79c384627bafb2", 64, "0000000000000000", "1a807d272bbe5db1"),
    ("88bca90e90875a7f0f79c384627bafb2", 128, "0000000000000000", "2269552ab0f85ca6"),
    ("88bca90e90875a7f0f79c384627bafb216f80a6f85920584c42fceb0be255daf1e", 129, "0000000000000000", "5b78d3a43dfff1f1"),
]


def test_pitable_is_a_permutation():
    assert sorted(pkcs12_crypto._PITABLE) == list(range(256))


@pytest.mark.parametrize(("key", "bits", "plain", "cipher"), RC2_VECTORS)
def test_rc2_rfc2268_vectors(key, bits, plain, cipher):
    # One block of CBC with a zero IV is the block cipher itself.
    assert p12.rc2_cbc_decrypt(bytes.fromhex(key), bits, bytes(8), bytes.fromhex(cipher)) == bytes.fromhex(plain)


def test_rc2_the_effective_key_length_matters():
    key = bytes.fromhex("88bca90e90875a7f0f79c384627bafb2")
    ciphertext = bytes.fromhex("2269552ab0f85ca6")
    assert p12.rc2_cbc_decrypt(key, 128, bytes(8), ciphertext) == bytes(8)
    assert p12.rc2_cbc_decrypt(key, 64, bytes(8), ciphertext) != bytes(8)


@settings(max_examples=30, deadline=None)
@given(key=st.binary(min_size=16, max_size=16), iv=st.binary(min_size=8, max_size=8), blocks=st.integers(1, 6))
def test_rc2_128_agrees_with_cryptography(key, iv, blocks):
    plain = hashlib.sha512(key + iv).digest()[: 8 * blocks]
    encryptor = Cipher(RC2(key), modes.CBC(iv)).encryptor()
    ciphertext = encryptor.update(plain) + encryptor.finalize()
    assert p12.rc2_cbc_decrypt(key, 128, iv, ciphertext) == plain


@pytest.mark.parametrize(("cipher", "key_size", "bits"), [("rc2-40-cbc", 5, 40), ("rc2-64-cbc", 8, 64)])
def test_rc2_agrees_with_openssl(cipher, key_size, bits):
    for n in range(4):
        key = hashlib.sha256(b"key %d" % n).digest()[:key_size]
        iv = hashlib.sha256(b"iv %d" % n).digest()[:8]
        plain = hashlib.sha512(b"plain %d" % n).digest()[: 8 * (n + 1)]
        args = ["enc", f"-{cipher}", "-provider", "legacy", "-provider", "default", "-nopad"]
        result = _openssl(*args, "-K", key.hex(), "-iv", iv.hex(), data=plain)
        if result.returncode != 0:
            pytest.skip(f"OpenSSL without the legacy provider: {result.stderr[:200]!r}")
        assert p12.rc2_cbc_decrypt(key, bits, iv, result.stdout) == plain


def test_rc2_refuses_wrong_sizes():
    with pytest.raises(ValueError):
        p12.rc2_cbc_decrypt(b"", 40, bytes(8), bytes(8))
    with pytest.raises(ValueError):
        p12.rc2_cbc_decrypt(bytes(129), 40, bytes(8), bytes(8))
    with pytest.raises(ValueError):
        p12.rc2_cbc_decrypt(bytes(5), 0, bytes(8), bytes(8))
    with pytest.raises(ValueError):
        p12.rc2_cbc_decrypt(bytes(5), 40, bytes(7), bytes(8))
    with pytest.raises(ValueError):
        p12.rc2_cbc_decrypt(bytes(5), 40, bytes(8), bytes(9))


# --- the PKCS#12 key derivation (RFC 7292 appendix B) ------------------------------------------------------


def test_bmp_password():
    assert p12.bmp_password("Qwerty12") == b"\x00Q\x00w\x00e\x00r\x00t\x00y\x001\x002\x00\x00"
    assert p12.bmp_password("") == b"\x00\x00"
    assert p12.bmp_password("Ққ") == "Ққ".encode("utf-16-be") + b"\x00\x00"
    with pytest.raises(TypeError):
        p12.bmp_password(b"Qwerty12")


# Dr Stephen Henson's PKCS#12 KDF vectors (SHA-1): (purpose, password, salt, iterations, output).
KDF_VECTORS = [
    (1, "smeg", "0A58CF64530D823F", 1, "8AAAE6297B6CB04642AB5B077851284EB7128F1A2A7FBCA3"),
    (2, "smeg", "0A58CF64530D823F", 1, "79993DFE048D3B76"),
    (1, "smeg", "642B99AB44FB4B1F", 1, "F3A95FEC48D7711E985CFE67908C5AB79FA3D7C5CAA5D966"),
    (2, "smeg", "642B99AB44FB4B1F", 1, "C0A38D64A79BEA1D"),
    (3, "smeg", "3D83C0E4546AC140", 1, "8D967D88F6CAA9D714800AB3D48051D63F73A312"),
    (1, "queeg", "05DEC959ACFF72F7", 1000, "ED2034E36328830FF09DF1E1A07DD357185DAC0D4F9EB3D4"),
    (2, "queeg", "05DEC959ACFF72F7", 1000, "11DEDAD7758D4860"),
    (1, "queeg", "1682C0FC5B3F7EC5", 1000, "483DD6E919D7DE2E8E648BA8F862F3FBFBDC2BCB2C02957F"),
    (2, "queeg", "1682C0FC5B3F7EC5", 1000, "9D461D1B00355C50"),
    (3, "queeg", "263216FCC2FAB31C", 1000, "5EC4C7A80DF652294C3925B6489A7AB857C83476"),
]


@pytest.mark.parametrize(("purpose", "password", "salt", "iterations", "expected"), KDF_VECTORS)
def test_kdf_published_vectors(purpose, password, salt, iterations, expected):
    out = p12.pkcs12_kdf(p12.bmp_password(password), bytes.fromhex(salt), iterations, purpose, len(expected) // 2)
    assert out.hex().upper() == expected


@pytest.mark.parametrize(
    ("hash_name", "password", "salt_size", "iterations", "purpose", "length"),
    [
        ("sha1", "Qwerty12", 20, 1024, 1, 24),  # the NCA 3DES key
        ("sha1", "Qwerty12", 20, 1024, 2, 8),
        ("sha1", "Qwerty12", 20, 1024, 3, 20),  # the NCA MAC key
        ("sha1", "Ұлттық куәландырушы орталық — a password longer than one 64-byte block", 70, 3, 1, 100),
        ("sha1", "", 8, 7, 2, 41),
        ("sha256", "Qwerty12", 16, 2048, 3, 32),
        ("sha512", "p", 130, 5, 1, 200),
    ],
)
def test_kdf_agrees_with_openssl(hash_name, password, salt_size, iterations, purpose, length):
    salt = hashlib.sha512(password.encode() + bytes([salt_size])).digest() * 3
    salt = salt[:salt_size]
    pw = p12.bmp_password(password)
    result = _openssl(
        "kdf",
        "-keylen",
        str(length),
        "-kdfopt",
        f"digest:{hash_name.upper()}",
        "-kdfopt",
        f"hexpass:{pw.hex()}",
        "-kdfopt",
        f"hexsalt:{salt.hex()}",
        "-kdfopt",
        f"iter:{iterations}",
        "-kdfopt",
        f"id:{purpose}",
        "PKCS12KDF",
    )
    if result.returncode != 0:
        pytest.skip(f"openssl kdf PKCS12KDF unavailable: {result.stderr[:200]!r}")
    expected = bytes.fromhex(result.stdout.decode().strip().replace(":", ""))
    assert p12.pkcs12_kdf(pw, salt, iterations, purpose, length, hash_name) == expected


def test_kdf_refuses_iteration_counts_out_of_range():
    for iterations in (0, -1, p12.MAX_ITERATIONS + 1, 1.5, "3"):
        with pytest.raises(MalformedPkcs12):
            p12.pkcs12_kdf(b"\x00\x00", b"salt", iterations, 1, 24)


# --- the real NCA TEST keys --------------------------------------------------------------------------------


def test_the_key_files_are_all_there():
    assert len(KEYS) == 12
    assert len(RSA_KEYS) == 2


@pytest.mark.parametrize("path", KEYS, ids=lambda p: p.stem)
def test_nca_test_key_reads(path):
    contents = _read(path)
    assert contents.kind == "gost"
    key = contents.private_key
    assert isinstance(key, p12.GostPrivateKey)
    assert key.curve is gost3410.TC26_512_A
    assert key.algorithm == gost3410.KEY_OID_512
    assert key.parameters == "1.2.398.3.10.1.1.2.2.1"
    assert key.digest == "1.2.398.3.10.1.3.3"
    assert not key.legacy
    assert 0 < key.d < key.curve.q
    assert str(key.d) not in repr(key)
    # The certificate is the extracted one of the same name, and the only one in the file.
    assert contents.certificate == (NCA_DIR / "test-2022" / "certs" / f"{path.stem}.cer").read_bytes()
    assert contents.certificates == (contents.certificate,)
    # d·G is the certificate's public key.
    spki = asn1_x509.Certificate.load(contents.certificate)["tbs_certificate"]["subject_public_key_info"]
    curve, point = gost3410.public_key_from_spki(spki.dump())
    assert curve is key.curve
    assert gost3410.scalar_multiply(curve, key.d) == point == key.public_key()
    # Kalkan's localKeyId is the certificate's subject key identifier.
    ski = x509.load_der_x509_certificate(contents.certificate).extensions.get_extension_for_class(
        x509.SubjectKeyIdentifier
    )
    assert contents.local_key_id == ski.value.digest


def test_the_gost_scalar_is_little_endian():
    key = _read(HEAD).private_key
    spki = asn1_x509.Certificate.load(_read(HEAD).certificate)["tbs_certificate"]["subject_public_key_info"]
    _, point = gost3410.public_key_from_spki(spki.dump())
    reversed_d = int.from_bytes(key.d.to_bytes(64, "little"), "big")
    assert gost3410.scalar_multiply(gost3410.TC26_512_A, reversed_d) != point


@pytest.mark.parametrize("path", [*KEYS, *RSA_KEYS, LEGACY_KEY], ids=lambda p: p.stem)
def test_the_certificate_is_the_one_openssl_extracts(path):
    result = _openssl("pkcs12", "-legacy", "-in", str(path), "-nokeys", "-passin", f"pass:{PASSWORD}")
    if result.returncode != 0:
        pytest.skip(f"openssl pkcs12 -legacy failed: {result.stderr[:200]!r}")
    der = _openssl("x509", "-outform", "DER", data=result.stdout).stdout
    assert der == _read(path).certificate


@pytest.mark.parametrize("path", RSA_KEYS, ids=lambda p: p.stem)
def test_rsa_keys_agree_with_cryptography(path):
    contents = _read(path)
    assert contents.kind == "rsa"
    assert isinstance(contents.private_key, rsa.RSAPrivateKey)
    key, certificate, others = crypto_pkcs12.load_key_and_certificates(path.read_bytes(), PASSWORD.encode())
    assert contents.private_key.private_numbers() == key.private_numbers()
    assert contents.certificate == certificate.public_bytes(serialization.Encoding.DER)
    assert others == []
    assert certificate.public_key().public_numbers() == contents.private_key.public_key().public_numbers()


def test_the_legacy_gost_2004_key_reads():
    contents = _read(LEGACY_KEY)
    assert contents.kind == "gost-legacy"
    key = contents.private_key
    assert key.legacy
    assert key.algorithm == p12.GOST2004_KEY_OID == "1.2.398.3.10.1.1.1.1"
    assert key.parameters == "1.2.398.3.10.1.1.1.1.1"
    assert key.curve is gost3410.CRYPTOPRO_A
    # Its certificate's key: BIT STRING → OCTET STRING of x‖y little-endian, as for GOST 2015.
    spki = asn1_x509.Certificate.load(contents.certificate)["tbs_certificate"]["subject_public_key_info"]
    assert spki["algorithm"]["algorithm"].dotted == p12.GOST2004_KEY_OID
    bits = core.OctetBitString.load(core.Sequence.load(spki.dump())[1].dump()).native
    octets = core.OctetString.load(bits).native
    point = gost3410.decode_public_key(gost3410.CRYPTOPRO_A, octets)
    assert key.public_key() == point


@pytest.mark.parametrize("path", [HEAD, RSA_KEYS[0], LEGACY_KEY], ids=lambda p: p.stem)
@pytest.mark.parametrize("password", ["qwerty12", "Qwerty12 ", "", "Qwerty1", "Qwerty123"])
def test_wrong_password(path, password):
    with pytest.raises(WrongPassword):
        read_p12(path.read_bytes(), password)


def test_wrong_types():
    with pytest.raises(TypeError):
        read_p12(HEAD.read_bytes().hex(), PASSWORD)
    with pytest.raises(TypeError):
        read_p12(HEAD.read_bytes(), PASSWORD.encode())
    assert read_p12(bytearray(HEAD.read_bytes()), PASSWORD).certificate == _read(HEAD).certificate
    assert read_p12(memoryview(HEAD.read_bytes()), PASSWORD).certificate == _read(HEAD).certificate


def test_error_classes():
    assert issubclass(WrongPassword, Pkcs12Error)
    assert issubclass(MalformedPkcs12, Pkcs12Error)
    assert issubclass(UnsupportedPkcs12, MalformedPkcs12)
    assert issubclass(Pkcs12Error, ValueError)
    assert not issubclass(WrongPassword, MalformedPkcs12)


# --- garbage -----------------------------------------------------------------------------------------------

TYPED = (MalformedPkcs12, WrongPassword)


def test_every_truncation_is_malformed():
    data = HEAD.read_bytes()
    for n in range(len(data)):
        with pytest.raises(MalformedPkcs12):
            read_p12(data[:n], PASSWORD)


def test_trailing_bytes_are_malformed():
    with pytest.raises(MalformedPkcs12):
        read_p12(HEAD.read_bytes() + b"\x00", PASSWORD)


def test_too_large_is_malformed():
    with pytest.raises(MalformedPkcs12):
        read_p12(bytes(p12.MAX_SIZE + 1), PASSWORD)


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=400))
def test_random_bytes_raise_only_typed_errors(data):
    with pytest.raises(MalformedPkcs12):
        read_p12(data, PASSWORD)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    path=st.sampled_from([HEAD, RSA_KEYS[0], LEGACY_KEY]),
    edits=st.lists(
        st.tuples(st.integers(min_value=0, max_value=4000), st.integers(min_value=0, max_value=255)),
        min_size=1,
        max_size=3,
    ),
)
def test_mutated_files_raise_only_typed_errors(path, edits):
    data = bytearray(path.read_bytes())
    for position, value in edits:
        data[position % len(data)] = value
    try:
        contents = read_p12(bytes(data), PASSWORD)
    except TYPED:
        return
    # A mutation the file survives (a byte set to its own value…) reads as the original.
    assert contents.certificate == _read(path).certificate


@settings(max_examples=200, deadline=None)
@given(position=st.integers(min_value=0, max_value=1914), cut=st.integers(min_value=1, max_value=40))
def test_files_with_bytes_cut_out_raise_only_typed_errors(position, cut):
    data = HEAD.read_bytes()
    with pytest.raises(TYPED):
        read_p12(data[:position] + data[position + cut :], PASSWORD)


# --- PKCS#12 files built here: DER by hand (independent of the module's ASN.1 classes) -----------------------


def _len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def _tlv(tag: int, body: bytes) -> bytes:
    return bytes([tag]) + _len(len(body)) + body


def _seq(*parts: bytes) -> bytes:
    return _tlv(0x30, b"".join(parts))


def _set(*parts: bytes) -> bytes:
    return _tlv(0x31, b"".join(sorted(parts)))


def _oid(dotted: str) -> bytes:
    return core.ObjectIdentifier(dotted).dump()


def _int(n: int) -> bytes:
    return core.Integer(n).dump()


def _octets(data: bytes) -> bytes:
    return _tlv(0x04, data)


def _explicit0(body: bytes) -> bytes:
    return _tlv(0xA0, body)


ID_DATA = "1.2.840.113549.1.7.1"
SHA1_OID = "1.3.14.3.2.26"
SHA256_OID = "2.16.840.1.101.3.4.2.1"
PBE_3DES = "1.2.840.113549.1.12.1.3"
PBE_3DES_2KEY = "1.2.840.113549.1.12.1.4"
PBE_RC2_128 = "1.2.840.113549.1.12.1.5"


def _bag(bag_id: str, value: bytes, local_key_id: bytes | None = None) -> bytes:
    attributes = _set(_seq(_oid("1.2.840.113549.1.9.21"), _set(_octets(local_key_id)))) if local_key_id else b""
    return _seq(_oid(bag_id), _explicit0(value), attributes)


def key_bag(pkcs8: bytes, local_key_id: bytes | None = None) -> bytes:
    return _bag("1.2.840.113549.1.12.10.1.1", pkcs8, local_key_id)


def cert_bag(cert: bytes, local_key_id: bytes | None = None) -> bytes:
    return _bag(
        "1.2.840.113549.1.12.10.1.3", _seq(_oid("1.2.840.113549.1.9.22.1"), _explicit0(_octets(cert))), local_key_id
    )


def _pbe_encrypt(oid: str, plain: bytes, password: str, salt: bytes = b"saltsalt", iterations: int = 3) -> bytes:
    pw = p12.bmp_password(password)
    pad = 8 - len(plain) % 8
    plain += bytes([pad]) * pad
    iv = p12.pkcs12_kdf(pw, salt, iterations, 2, 8)
    if oid == PBE_RC2_128:
        algorithm = RC2(p12.pkcs12_kdf(pw, salt, iterations, 1, 16))
    elif oid == PBE_3DES:
        algorithm = TripleDES(p12.pkcs12_kdf(pw, salt, iterations, 1, 24))
    else:  # two-key 3DES: K1 K2 K1
        key = p12.pkcs12_kdf(pw, salt, iterations, 1, 16)
        algorithm = TripleDES(key + key[:8])
    encryptor = Cipher(algorithm, modes.CBC(iv)).encryptor()
    return _seq(_seq(_oid(oid), _seq(_octets(salt), _int(iterations))), _octets(encryptor.update(plain)))


def shrouded_key_bag(pkcs8: bytes, password: str, oid: str = PBE_3DES, local_key_id: bytes | None = None) -> bytes:
    return _bag("1.2.840.113549.1.12.10.1.2", _pbe_encrypt(oid, pkcs8, password), local_key_id)


def nested_bag(*bags: bytes) -> bytes:
    return _bag("1.2.840.113549.1.12.10.1.6", _seq(*bags))


def data_item(*bags: bytes) -> bytes:
    return _seq(_oid(ID_DATA), _explicit0(_octets(_seq(*bags))))


def encrypted_item(password: str, *bags: bytes, oid: str = PBE_RC2_128) -> bytes:
    encrypted = _pbe_encrypt(oid, _seq(*bags), password)
    algorithm, ciphertext = core.Sequence.load(encrypted)[0].dump(), core.Sequence.load(encrypted)[1].contents
    content_info = _seq(_oid(ID_DATA), algorithm, _tlv(0x80, ciphertext))  # [0] IMPLICIT OCTET STRING
    return _seq(_oid("1.2.840.113549.1.7.6"), _explicit0(_seq(_int(0), content_info)))


BUILT_PASSWORD = "pw"


def pfx(*items: bytes, password: str | None = BUILT_PASSWORD, mac_hash: str = "sha1", iterations: int = 5) -> bytes:
    auth_safe = _seq(*items)
    mac = b""
    if password is not None:
        salt = b"mac salt"
        size = hashlib.new(mac_hash).digest_size
        key = p12.pkcs12_kdf(p12.bmp_password(password), salt, iterations, 3, size, mac_hash)
        digest = hmac.new(key, auth_safe, mac_hash).digest()
        oid = SHA1_OID if mac_hash == "sha1" else SHA256_OID
        mac = _seq(_seq(_seq(_oid(oid), b"\x05\x00"), _octets(digest)), _octets(salt), _int(iterations))
    return _seq(_int(3), _seq(_oid(ID_DATA), _explicit0(_octets(auth_safe))), mac)


def gost_pkcs8(d: int, *, integer: bool = False, size: int = 64, algorithm: str = gost3410.KEY_OID_512) -> bytes:
    params = _seq(_oid("1.2.398.3.10.1.1.2.2.1"), _oid("1.2.398.3.10.1.3.3"))
    inner = _int(d) if integer else _octets(d.to_bytes(size, "little"))
    return _seq(_int(0), _seq(_oid(algorithm), params), _octets(inner))


HEAD_CERT = (NCA_DIR / "test-2022" / "certs" / "legal_valid_head.cer").read_bytes()
OTHER_CERT = (NCA_DIR / "test-2022" / "certs" / "legal_valid_employee.cer").read_bytes()


def _head_d() -> int:
    return _read(HEAD).private_key.d


def test_built_gost_file_reads_like_the_nca_one():
    data = pfx(
        data_item(shrouded_key_bag(gost_pkcs8(_head_d()), "pw", local_key_id=b"id")),
        encrypted_item("pw", cert_bag(HEAD_CERT, b"id")),
    )
    contents = read_p12(data, "pw")
    assert contents.private_key == _read(HEAD).private_key
    assert contents.certificate == HEAD_CERT
    assert contents.local_key_id == b"id"


@pytest.mark.parametrize("oid", [PBE_3DES, PBE_3DES_2KEY, PBE_RC2_128])
def test_the_other_pbe_schemes(oid):
    data = pfx(
        data_item(shrouded_key_bag(gost_pkcs8(_head_d()), "pw", oid=oid)),
        encrypted_item("pw", cert_bag(HEAD_CERT), oid=oid),
    )
    assert read_p12(data, "pw").private_key.d == _head_d()


def test_key_bag_nested_safe_contents_and_the_certificate_found_by_its_key():
    # Plain keyBag, the certificates in a nested safeContentsBag, no localKeyId: found by d·G.
    data = pfx(data_item(key_bag(gost_pkcs8(_head_d())), nested_bag(cert_bag(OTHER_CERT), cert_bag(HEAD_CERT))))
    contents = read_p12(data, "pw")
    assert contents.certificate == HEAD_CERT
    assert contents.certificates == (OTHER_CERT, HEAD_CERT)
    assert contents.local_key_id is None


def test_nesting_too_deep():
    bag = cert_bag(HEAD_CERT)
    for _ in range(p12._MAX_NESTING + 2):
        bag = nested_bag(bag)
    with pytest.raises(UnsupportedPkcs12):
        read_p12(pfx(data_item(key_bag(gost_pkcs8(_head_d())), bag)), "pw")


def test_the_private_key_as_an_integer_reads_too():
    data = pfx(data_item(key_bag(gost_pkcs8(_head_d(), integer=True)), cert_bag(HEAD_CERT)))
    assert read_p12(data, "pw").private_key.d == _head_d()


def test_sha256_mac():
    data = pfx(data_item(key_bag(gost_pkcs8(_head_d())), cert_bag(HEAD_CERT)), mac_hash="sha256")
    assert read_p12(data, "pw").certificate == HEAD_CERT
    with pytest.raises(WrongPassword):
        read_p12(data, "wrong")


def test_without_a_mac():
    items = (shrouded_key_bag(gost_pkcs8(_head_d()), "pw"), encrypted_item("pw", cert_bag(HEAD_CERT)))
    data = pfx(data_item(items[0]), items[1], password=None)
    assert read_p12(data, "pw").certificate == HEAD_CERT
    # Without a MAC, a wrong password shows as bags that do not decrypt.
    for password in ("wrong", "", "Pw", "pw "):
        with pytest.raises(WrongPassword):
            read_p12(data, password)


def test_the_nca_file_without_its_mac():
    outer = core.Sequence.load(HEAD.read_bytes())
    data = _seq(outer[0].dump(), outer[1].dump())
    assert read_p12(data, PASSWORD).private_key == _read(HEAD).private_key
    with pytest.raises(WrongPassword):
        read_p12(data, "Qwerty13")


def test_a_key_that_is_not_the_certificates():
    with pytest.raises(UnsupportedPkcs12):
        read_p12(pfx(data_item(key_bag(gost_pkcs8(_head_d())), cert_bag(OTHER_CERT))), "pw")
    with pytest.raises(UnsupportedPkcs12):
        read_p12(pfx(data_item(key_bag(gost_pkcs8(_head_d())))), "pw")
    # The certificate its localKeyId names carries another key: the file does not hold together.
    data = pfx(data_item(key_bag(gost_pkcs8(_head_d()), b"id"), cert_bag(OTHER_CERT, b"id"), cert_bag(HEAD_CERT)))
    with pytest.raises(MalformedPkcs12):
        read_p12(data, "pw")


def test_no_key_or_two_keys():
    with pytest.raises(UnsupportedPkcs12):
        read_p12(pfx(data_item(cert_bag(HEAD_CERT))), "pw")
    key = key_bag(gost_pkcs8(_head_d()))
    with pytest.raises(UnsupportedPkcs12):
        read_p12(pfx(data_item(key, key, cert_bag(HEAD_CERT))), "pw")


@pytest.mark.parametrize(
    "pkcs8",
    [
        gost_pkcs8(0),
        gost_pkcs8(gost3410.TC26_512_A.q),
        gost_pkcs8(5, size=63),
        gost_pkcs8(5, size=65),
        gost_pkcs8(5, algorithm=p12.GOST2004_KEY_OID),  # a 256-bit algorithm with 512-bit parameters
        _seq(_int(0), _seq(_oid(gost3410.KEY_OID_512), _seq(_oid("1.2.398.3.10.1.1.2.2.1"))), _octets(b"\x05\x00")),
        _seq(_int(0), _seq(_oid(gost3410.KEY_OID_512), _seq(_oid("1.2.398.3.10.1.1.2.2.1"))), _octets(b"\x04\x01")),
        _seq(_int(0), _seq(_oid(gost3410.KEY_OID_512), _seq(_oid("1.2.398.3.10.1.1.2.2.1"))), b"\x05\x00"),
        b"\x30\x00",
    ],
)
def test_bad_private_keys_are_malformed(pkcs8):
    with pytest.raises(MalformedPkcs12):
        read_p12(pfx(data_item(key_bag(pkcs8), cert_bag(HEAD_CERT))), "pw")


@pytest.mark.parametrize(
    "pkcs8",
    [
        _seq(_int(0), _seq(_oid(gost3410.KEY_OID_512), _seq(_oid("1.2.3.4"))), _octets(_octets(bytes(64)))),
        _seq(_int(0), _seq(_oid(gost3410.KEY_OID_512)), _octets(_octets(bytes(64)))),
        _seq(_int(0), _seq(_oid("1.2.3.4")), _octets(b"\x04\x00")),
    ],
)
def test_unknown_key_algorithms_and_parameters_are_unsupported(pkcs8):
    with pytest.raises(UnsupportedPkcs12):
        read_p12(pfx(data_item(key_bag(pkcs8), cert_bag(HEAD_CERT))), "pw")


def test_structural_refusals():
    good = data_item(key_bag(gost_pkcs8(_head_d())), cert_bag(HEAD_CERT))
    # PFX version 2; an authSafe of another type (public-key integrity mode).
    auth_safe = _seq(good)
    with pytest.raises(UnsupportedPkcs12):
        read_p12(_seq(_int(2), _seq(_oid(ID_DATA), _explicit0(_octets(auth_safe)))), "pw")
    with pytest.raises(UnsupportedPkcs12):
        read_p12(_seq(_int(3), _seq(_oid("1.2.840.113549.1.7.2"), _explicit0(_octets(auth_safe)))), "pw")
    # An authSafe without content; an AuthenticatedSafe item of an unknown type (enveloped data).
    with pytest.raises(MalformedPkcs12):
        read_p12(_seq(_int(3), _seq(_oid(ID_DATA))), "pw")
    enveloped = _seq(_oid("1.2.840.113549.1.7.3"), _explicit0(_seq(_int(0))))
    with pytest.raises(UnsupportedPkcs12):
        read_p12(pfx(good, enveloped), "pw")
    # A MAC with an unknown digest; PBES2.
    mac = _seq(_seq(_seq(_oid("1.2.840.113549.2.5"), b"\x05\x00"), _octets(bytes(16))), _octets(b"s"), _int(1))
    with pytest.raises(UnsupportedPkcs12):
        read_p12(_seq(_int(3), _seq(_oid(ID_DATA), _explicit0(_octets(auth_safe))), mac), "pw")
    pbes2 = _bag("1.2.840.113549.1.12.10.1.2", _seq(_seq(_oid("1.2.840.113549.1.5.13"), _seq()), _octets(bytes(16))))
    with pytest.raises(UnsupportedPkcs12):
        read_p12(pfx(data_item(pbes2, cert_bag(HEAD_CERT))), "pw")
    # Unknown bags are skipped (a CRL bag here), a non-X.509 certificate bag too.
    crl_bag = _bag("1.2.840.113549.1.12.10.1.4", _seq(_oid("1.2.840.113549.1.9.23.1"), _explicit0(_octets(b"x"))))
    sdsi = _bag("1.2.840.113549.1.12.10.1.3", _seq(_oid("1.2.840.113549.1.9.22.2"), _explicit0(_octets(b"x"))))
    assert read_p12(pfx(data_item(crl_bag, sdsi, key_bag(gost_pkcs8(_head_d())), cert_bag(HEAD_CERT))), "pw")
    # A certificate bag that does not hold a certificate.
    with pytest.raises(MalformedPkcs12):
        read_p12(pfx(data_item(key_bag(gost_pkcs8(_head_d())), cert_bag(b"\x30\x00"))), "pw")
    # Iterations out of range in the MAC.
    for iterations in (0, p12.MAX_ITERATIONS + 1):
        mac = _seq(_seq(_seq(_oid(SHA1_OID), b"\x05\x00"), _octets(bytes(20))), _octets(b"s"), _int(iterations))
        with pytest.raises(MalformedPkcs12):
            read_p12(_seq(_int(3), _seq(_oid(ID_DATA), _explicit0(_octets(auth_safe))), mac), "pw")


# --- files `cryptography` writes (RSA, EC) -----------------------------------------------------------------


@cache
def _rsa_key_and_certificate():
    import datetime

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "test")])
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def test_a_file_cryptography_writes_with_3des_and_a_sha256_mac():
    key, certificate = _rsa_key_and_certificate()
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(2048)
        .key_cert_algorithm(crypto_pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC)
        .hmac_hash(hashes.SHA256())
        .build(b"pw")
    )
    data = crypto_pkcs12.serialize_key_and_certificates(b"x", key, certificate, None, encryption)
    contents = read_p12(data, "pw")
    assert contents.kind == "rsa"
    assert contents.private_key.private_numbers() == key.private_numbers()
    assert contents.certificate == certificate.public_bytes(serialization.Encoding.DER)
    with pytest.raises(WrongPassword):
        read_p12(data, "wrong")


def test_an_unencrypted_file_cryptography_writes():
    key, certificate = _rsa_key_and_certificate()
    data = crypto_pkcs12.serialize_key_and_certificates(b"x", key, certificate, None, serialization.NoEncryption())
    assert read_p12(data, "").private_key.private_numbers() == key.private_numbers()


def test_pbes2_and_ec_keys_are_unsupported():
    key, certificate = _rsa_key_and_certificate()
    data = crypto_pkcs12.serialize_key_and_certificates(
        b"x", key, certificate, None, serialization.BestAvailableEncryption(b"pw")
    )
    with pytest.raises(UnsupportedPkcs12):
        read_p12(data, "pw")
    ec_key = ec.generate_private_key(ec.SECP256R1())
    data = crypto_pkcs12.serialize_key_and_certificates(b"x", ec_key, None, None, serialization.NoEncryption())
    with pytest.raises(UnsupportedPkcs12):
        read_p12(data, "")
