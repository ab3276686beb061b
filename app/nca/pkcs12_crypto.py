"""The password-based cryptography of PKCS#12 (RFC 7292) that `app.nca.pkcs12` reads NCA key stores with.

The PKCS#12 key derivation (RFC 7292, appendix B.2), RC2 decryption (RFC 2268) and the MAC are implemented
here (`cryptography` no longer has the 40-bit RC2 that protects the certificates of the NCA files); 3DES-CBC
comes from `cryptography`'s decrepit ciphers. Password-based encryption: the PKCS#12 PBE schemes of RFC 7292,
appendix C (`_pbe_decrypt`); the MAC: HMAC with a key from the KDF (`_verify_mac`).

The password
    As RFC 7292 B.1 says: a BMPString (UTF-16 big-endian) followed by two zero bytes; the NCA TEST keys
    use `Qwerty12`.

The errors of `app.nca.pkcs12` are defined here, because the KDF, the decryption and the MAC check raise
them; `app.nca.pkcs12` re-exports them (import them from there).
"""

from __future__ import annotations

import hashlib
import hmac
import struct
from collections.abc import Iterator
from contextlib import contextmanager

from asn1crypto import core
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, modes

__all__ = [
    "MAX_ITERATIONS",
    "MalformedPkcs12",
    "Pkcs12Error",
    "UnsupportedPkcs12",
    "WrongPassword",
    "bmp_password",
    "pkcs12_kdf",
    "rc2_cbc_decrypt",
]

MAX_ITERATIONS = 200_000  # PKCS#12 KDF iterations (about 0.3 s each derivation here); NCA files use 1024


# --- errors, and asn1crypto's errors turned into them ------------------------------------------------------


class Pkcs12Error(ValueError):
    """A PKCS#12 file that cannot be read."""


class MalformedPkcs12(Pkcs12Error):
    """Not a PKCS#12 file, or one whose structure does not hold together."""


class UnsupportedPkcs12(MalformedPkcs12):
    """A PKCS#12 file using an algorithm or a mode this module does not implement."""


class WrongPassword(Pkcs12Error):
    """The password does not open the file (its MAC does not verify, or a bag does not decrypt)."""


@contextmanager
def _der(what: str) -> Iterator[None]:
    """Turn whatever asn1crypto raises on bad DER (ValueError, TypeError, KeyError…) into MalformedPkcs12."""
    try:
        yield
    except Pkcs12Error:
        raise
    except Exception as exc:
        raise MalformedPkcs12(f"{what}: {type(exc).__name__}: {exc}") from exc


# --- the ASN.1 structures of the PBE parameters and the MAC (RFC 7292, RFC 5652) ---------------------------


class _AlgorithmIdentifier(core.Sequence):
    _fields = [("algorithm", core.ObjectIdentifier), ("parameters", core.Any, {"optional": True})]


class _PbeParams(core.Sequence):  # pkcs-12PbeParams
    _fields = [("salt", core.OctetString), ("iterations", core.Integer)]


class _DigestInfo(core.Sequence):
    _fields = [("digest_algorithm", _AlgorithmIdentifier), ("digest", core.OctetString)]


class _MacData(core.Sequence):
    _fields = [
        ("mac", _DigestInfo),
        ("mac_salt", core.OctetString),
        ("iterations", core.Integer, {"default": 1}),
    ]


# --- RFC 7292 appendix B: the PKCS#12 key derivation -------------------------------------------------------

_KDF_KEY, _KDF_IV, _KDF_MAC = 1, 2, 3


def bmp_password(password: str) -> bytes:
    """The password as RFC 7292 B.1 wants it: BMPString (UTF-16BE) and two trailing zero bytes."""
    if not isinstance(password, str):
        raise TypeError(f"the password is a str, not {type(password).__name__}")
    try:
        return password.encode("utf-16-be") + b"\x00\x00"
    except UnicodeEncodeError as exc:  # lone surrogates
        raise WrongPassword("the password cannot be written as a BMPString") from exc


def _fill(data: bytes, v: int) -> bytes:
    """data repeated to the smallest multiple of v bytes that holds it (empty stays empty)."""
    if not data:
        return b""
    length = v * ((len(data) + v - 1) // v)
    return (data * (length // len(data) + 1))[:length]


def pkcs12_kdf(password: bytes, salt: bytes, iterations: int, purpose: int, length: int, hash_name: str = "sha1"):
    """RFC 7292 B.2: `length` bytes of key material for `purpose` (1 key, 2 IV, 3 MAC key).

    password: already in the B.1 form (see `bmp_password`). hash_name: a hashlib name; u and v are its
    digest and block sizes (SHA-1: 20 and 64).
    """
    if not (isinstance(iterations, int) and 1 <= iterations <= MAX_ITERATIONS):
        raise MalformedPkcs12(f"PKCS#12 iteration count {iterations!r} out of range (1..{MAX_ITERATIONS})")
    v = hashlib.new(hash_name).block_size
    d = bytes([purpose]) * v
    i = bytearray(_fill(salt, v) + _fill(password, v))
    modulus = 1 << (8 * v)
    out = bytearray()
    while True:
        a = hashlib.new(hash_name, d + i).digest()
        for _ in range(iterations - 1):
            a = hashlib.new(hash_name, a).digest()
        out += a
        if len(out) >= length:
            return bytes(out[:length])
        b = int.from_bytes(_fill(a, v)[:v], "big") + 1  # B = A repeated to v bytes; I_j += B + 1
        for j in range(0, len(i), v):
            block = (int.from_bytes(i[j : j + v], "big") + b) % modulus
            i[j : j + v] = block.to_bytes(v, "big")


# --- RFC 2268: RC2 decryption --------------------------------------------------------------------------------

# RFC 2268 section 2: PITABLE, a permutation of 0..255 based on the digits of pi.
_PITABLE = bytes.fromhex(
    "d978f9c419ddb5ed28e9fd794aa0d89d c67e37832b76538e624c6488448bfba2"
    "179a59f587b34f1361456d8d09817d32 bd8f40eb86b77b0bf09521225c6b4e82"
    "54d66593ce60b21c7356c014a78cf1dc 1275ca1f3bbee4d1423dd430a33cb626"
    "6fbf0eda4669075727f21d9bbc944303 f811c7f690ef3ee706c3d52fc8661ed7"
    "08e8eade8052eef784aa72ac354d6a2a 961ad2715a1549744b9fd05e0418a4ec"
    "c2e0416e0f51cbcc2491af50a1f47039 997c3a8523b8b47afc02365b25559731"
    "2d5dfa98e38a92ae05df2910676cbac9 d300e6cfe19ea82c6316013f58e289a9"
    "0d38341bab33ffb0bb480c5fb9b1cd2e c5f3db47e5a59c770aa62068fe7fc1ad"
)


def _rc2_expand(key: bytes, effective_bits: int) -> tuple[int, ...]:
    """RFC 2268 section 2: the 64 16-bit key words K[0..63]."""
    t = len(key)
    if not 1 <= t <= 128:
        raise ValueError(f"an RC2 key has 1 to 128 bytes, not {t}")
    if not 1 <= effective_bits <= 1024:
        raise ValueError(f"RC2 effective key bits are 1 to 1024, not {effective_bits}")
    t8 = (effective_bits + 7) // 8
    tm = 0xFF >> (8 * t8 - effective_bits)  # 255 mod 2^(8 + T1 − 8·T8)
    lb = bytearray(128)
    lb[:t] = key
    for i in range(t, 128):
        lb[i] = _PITABLE[(lb[i - 1] + lb[i - t]) & 0xFF]
    lb[128 - t8] = _PITABLE[lb[128 - t8] & tm]
    for i in range(127 - t8, -1, -1):
        lb[i] = _PITABLE[lb[i + 1] ^ lb[i + t8]]
    return struct.unpack("<64H", lb)


def _rc2_decrypt_block(k: tuple[int, ...], block: bytes) -> bytes:
    """RFC 2268 section 4.5: five r-mixing rounds, an r-mashing round, six, a mashing round, five (inverse)."""
    r0, r1, r2, r3 = struct.unpack("<4H", block)
    j = 63
    m = 0xFFFF
    for rounds in (5, 6, 5):
        for _ in range(rounds):
            # R-Mix up R[3], R[2], R[1], R[0]: rotate right by s[i] = 5, 3, 2, 1, then subtract.
            r3 = ((((r3 >> 5) | (r3 << 11)) & m) - k[j] - (r2 & r1) - ((r2 ^ m) & r0)) & m
            r2 = ((((r2 >> 3) | (r2 << 13)) & m) - k[j - 1] - (r1 & r0) - ((r1 ^ m) & r3)) & m
            r1 = ((((r1 >> 2) | (r1 << 14)) & m) - k[j - 2] - (r0 & r3) - ((r0 ^ m) & r2)) & m
            r0 = ((((r0 >> 1) | (r0 << 15)) & m) - k[j - 3] - (r3 & r2) - ((r3 ^ m) & r1)) & m
            j -= 4
        if j > 0:  # R-Mash up R[3], R[2], R[1], R[0] after the first and the second group
            r3 = (r3 - k[r2 & 63]) & m
            r2 = (r2 - k[r1 & 63]) & m
            r1 = (r1 - k[r0 & 63]) & m
            r0 = (r0 - k[r3 & 63]) & m
    return struct.pack("<4H", r0, r1, r2, r3)


def rc2_cbc_decrypt(key: bytes, effective_bits: int, iv: bytes, data: bytes) -> bytes:
    """RC2-CBC decryption (RFC 2268; padding left in place). ValueError for wrong sizes."""
    if len(iv) != 8:
        raise ValueError("the RC2 IV has 8 bytes")
    if len(data) % 8:
        raise ValueError("RC2-CBC ciphertext is a whole number of 8-byte blocks")
    k = _rc2_expand(key, effective_bits)
    out = bytearray()
    previous = iv
    for n in range(0, len(data), 8):
        block = data[n : n + 8]
        plain = _rc2_decrypt_block(k, block)
        out += bytes(a ^ b for a, b in zip(plain, previous, strict=True))
        previous = block
    return bytes(out)


# --- PKCS#12 password-based encryption (RFC 7292 appendix C) -------------------------------------------------

# OID: (cipher, key bytes, effective RC2 bits)
_PBE_SCHEMES = {
    "1.2.840.113549.1.12.1.3": ("3des", 24, 0),  # pbeWithSHAAnd3-KeyTripleDES-CBC
    "1.2.840.113549.1.12.1.4": ("3des", 16, 0),  # pbeWithSHAAnd2-KeyTripleDES-CBC
    "1.2.840.113549.1.12.1.5": ("rc2", 16, 128),  # pbeWithSHAAnd128BitRC2-CBC
    "1.2.840.113549.1.12.1.6": ("rc2", 5, 40),  # pbeWithSHAAnd40BitRC2-CBC
}


def _unpad(data: bytes) -> bytes | None:
    """PKCS#5 padding removed, or None if the padding is not valid."""
    if not data:
        return None
    n = data[-1]
    if not 1 <= n <= 8 or n > len(data) or data[-n:] != bytes([n]) * n:
        return None
    return data[:-n]


def _pbe_decrypt(algorithm: _AlgorithmIdentifier, ciphertext: bytes, password: bytes, what: str) -> bytes:
    """Decrypt with a PKCS#12 PBE scheme and remove the padding; bad padding raises WrongPassword."""
    with _der(f"{what}: encryption algorithm"):
        oid = algorithm["algorithm"].dotted
        parameters = algorithm["parameters"]
    if oid not in _PBE_SCHEMES:
        raise UnsupportedPkcs12(f"{what}: encryption algorithm {oid} is not a PKCS#12 PBE scheme read here")
    with _der(f"{what}: PBE parameters"):
        if parameters.native is None:
            raise MalformedPkcs12(f"{what}: PBE parameters missing")
        params = _PbeParams.load(parameters.dump(), strict=True)
        salt = params["salt"].native
        iterations = params["iterations"].native
    cipher, key_size, rc2_bits = _PBE_SCHEMES[oid]
    if not ciphertext or len(ciphertext) % 8:
        raise MalformedPkcs12(f"{what}: the ciphertext is not a whole number of 8-byte blocks")
    key = pkcs12_kdf(password, salt, iterations, _KDF_KEY, key_size)
    iv = pkcs12_kdf(password, salt, iterations, _KDF_IV, 8)
    if cipher == "3des":
        if len(key) == 16:  # two-key 3DES is K1 K2 K1 (cryptography deprecates 16-byte keys)
            key += key[:8]
        decryptor = Cipher(TripleDES(key), modes.CBC(iv)).decryptor()
        plain = decryptor.update(ciphertext) + decryptor.finalize()
    else:
        plain = rc2_cbc_decrypt(key, rc2_bits, iv, ciphertext)
    unpadded = _unpad(plain)
    if unpadded is None:
        raise WrongPassword(f"{what} does not decrypt with this password (bad padding)")
    return unpadded


# --- the MAC (RFC 7292 section 4) --------------------------------------------------------------------------


def _verify_mac(mac_data: _MacData, auth_safe: bytes, password: bytes) -> None:
    with _der("MacData"):
        hash_oid = mac_data["mac"]["digest_algorithm"]["algorithm"].dotted
        expected = mac_data["mac"]["digest"].native
        salt = mac_data["mac_salt"].native
        iterations = mac_data["iterations"].native
    hash_name = _MAC_HASHES.get(hash_oid)
    if hash_name is None:
        raise UnsupportedPkcs12(f"PKCS#12 MAC with the digest {hash_oid}")
    size = hashlib.new(hash_name).digest_size
    key = pkcs12_kdf(password, salt, iterations, _KDF_MAC, size, hash_name)
    actual = hmac.new(key, auth_safe, hash_name).digest()
    if not hmac.compare_digest(actual, expected):
        raise WrongPassword("the PKCS#12 MAC does not verify: wrong password (or an altered file)")


_MAC_HASHES = {
    "1.3.14.3.2.26": "sha1",
    "2.16.840.1.101.3.4.2.4": "sha224",
    "2.16.840.1.101.3.4.2.1": "sha256",
    "2.16.840.1.101.3.4.2.2": "sha384",
    "2.16.840.1.101.3.4.2.3": "sha512",
}
