"""GOST R 34.10-2012 signature verification (256- and 512-bit), as the NCA RK (pki.gov.kz) uses it.

Pure Python, written from the standard (GOST R 34.10-2012, as published in RFC 7091, section 6.2) and
the parameter sets of RFC 7836 (TC26) and RFC 4357 (CryptoPro). Only verification: nothing here signs.

Byte conventions (NCA RK / Kalkan; all the conversions live in `decode_public_key`,
`decode_signature` and `digest_to_int`, nowhere else):

- public key: the SubjectPublicKeyInfo BIT STRING holds a DER OCTET STRING of 2·n bytes, x‖y, each
  coordinate little-endian (n = 64 for the 512-bit curves, 32 for the 256-bit ones), as in RFC 4491;
- signature value (certificates, CRLs, OCSP, CMS): 2·n bytes r‖s, each little-endian, i.e. the full
  byte reversal of the RFC 4491 layout s‖r big-endian (which does not verify on NCA material);
- digest: the Streebog output in its normal byte order (as `openssl dgst -md_gost12_512` prints it),
  read as a little-endian integer α; then e = α mod q, and e = 1 if that is 0 (RFC 7091, 6.2 step 3).

Curves (`curve_for` maps parameter OIDs to them):

- `TC26_512_A`  id-tc26-gost-3410-12-512-paramSetA (RFC 7836, A.1; cofactor 1):
  NCA `1.2.398.3.10.1.1.2.2.1` (key algorithm `1.2.398.3.10.1.1.2.2`, signature `1.2.398.3.10.1.1.2.3.2`,
  Streebog-512). Confirmed: every NCA TEST 2022 object verifies on it.
- `TC26_256_A`  id-tc26-gost-3410-2012-256-paramSetA (RFC 7836, A.2, the Weierstrass form; cofactor 4):
  NCA `1.2.398.3.10.1.1.2.1.1` (key `1.2.398.3.10.1.1.2.1`, signature `1.2.398.3.10.1.1.2.3.1`,
  Streebog-256). NOT confirmed on NCA material (none of it has a 256-bit GOST 2015 key): the OID →
  curve mapping is the one third-party notes on Kalkan give. The arithmetic on this curve (and on
  CryptoPro A) is checked in the tests against signatures made by OpenSSL's GOST engine.
- `CRYPTOPRO_A` id-GostR3410-2001-CryptoPro-A-ParamSet (RFC 4357, 11.4; cofactor 1): RU OIDs, and NCA
  `1.2.398.3.10.1.1.1.1.1`, the parameters of the legacy GOST 34.310-2004 keys (the NCA SDK's legacy key
  lies on this curve). Those keys sign with GOST 34.311-95, not Streebog: hashing them is out of scope.
  Accepted for a 256-bit GOST 2015 key too, in case NCA issues one with these parameters.

The RU (TC26 / CryptoPro) OIDs of the same curves are accepted by `curve_for` as aliases.

Errors: malformed input raises `GostError` (a ValueError) or a subclass: `MalformedInput` (wrong type or
length, undecodable DER), `InvalidPublicKey` (coordinates out of range, not on the curve, the point at
infinity, or outside the subgroup of order q), `UnsupportedParameters` (an OID we do not know). A
well-formed signature that does not verify — including r or s equal to 0 or ≥ q — gives False.

Arithmetic: Jacobian coordinates (the a = −3 doubling for the curves that have it), mixed
Jacobian + affine additions, and u1·P + u2·Q by interleaved wNAF (width 7 over a cached table of odd
multiples of the base point, width 5 over a table of Q built per call and normalised with one inversion).
Not constant time, which verification does not need (nothing secret goes in).

Speed (CPython 3.11, this project's 2-core machine while a CI run kept both cores busy; the Streebog hash
excluded): one 512-bit verification, median of 20, 8–13 ms across runs (the first call on a curve adds about
1 ms to build its base-point table); 256-bit: about 3 ms on CryptoPro A, 4–6 ms on TC26 256 A (which adds
the check that the key lies in the subgroup of order q, the curve having cofactor 4).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from asn1crypto import core

__all__ = [
    "CRYPTOPRO_A",
    "KEY_OID_256",
    "KEY_OID_512",
    "SIGNATURE_OID_256",
    "SIGNATURE_OID_512",
    "TC26_256_A",
    "TC26_512_A",
    "Curve",
    "GostError",
    "InvalidPublicKey",
    "MalformedInput",
    "UnsupportedParameters",
    "check_public_key",
    "curve_for",
    "decode_public_key",
    "decode_signature",
    "digest_to_int",
    "public_key_from_spki",
    "scalar_multiply",
    "verify",
    "verify_rs",
]


class GostError(ValueError):
    """Malformed input to GOST R 34.10 verification."""


class MalformedInput(GostError):
    """Wrong type or length of a digest, signature or key, or DER that does not decode."""


class InvalidPublicKey(GostError):
    """The public key is not a point of the curve's subgroup of order q (or is the point at infinity)."""


class UnsupportedParameters(GostError):
    """An algorithm or parameter-set OID this module does not know."""


@dataclass(frozen=True)
class Curve:
    """A short Weierstrass curve y² = x³ + a·x + b over GF(p), base point (x, y) of prime order q."""

    name: str
    p: int
    a: int
    b: int
    q: int
    x: int
    y: int
    cofactor: int = 1

    @property
    def size(self) -> int:
        """Bytes per coordinate, and per r and s, in the encodings (32 or 64)."""
        return (self.p.bit_length() + 7) // 8

    @property
    def bits(self) -> int:
        """256 or 512: the size class of GOST R 34.10-2012 this curve belongs to."""
        return 512 if self.size > 32 else 256

    def __repr__(self) -> str:
        return f"Curve({self.name})"


# RFC 7836, appendix A.1: id-tc26-gost-3410-12-512-paramSetA.
TC26_512_A = Curve(
    name="id-tc26-gost-3410-12-512-paramSetA",
    p=(1 << 512) - 569,
    a=(1 << 512) - 572,  # p − 3
    b=int(
        "E8C2505DEDFC86DDC1BD0B2B6667F1DA34B82574761CB0E879BD081CFD0B6265"
        "EE3CB090F30D27614CB4574010DA90DD862EF9D4EBEE4761503190785A71C760",
        16,
    ),
    q=int(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
        "27E69532F48D89116FF22B8D4E0560609B4B38ABFAD2B85DCACDB1411F10B275",
        16,
    ),
    x=3,
    y=int(
        "7503CFE87A836AE3A61B8816E25450E6CE5E1C93ACF1ABC1778064FDCBEFA921"
        "DF1626BE4FD036E93D75E6A50E3A41E98028FE5FC235F5B889A589CB5215F2A4",
        16,
    ),
)

# RFC 7836, appendix A.2: id-tc26-gost-3410-2012-256-paramSetA, in its Weierstrass form.
TC26_256_A = Curve(
    name="id-tc26-gost-3410-2012-256-paramSetA",
    p=(1 << 256) - 617,
    a=int("C2173F1513981673AF4892C23035A27CE25E2013BF95AA33B22C656F277E7335", 16),
    b=int("295F9BAE7428ED9CCC20E7C359A9D41A22FCCD9108E17BF7BA9337A6F8AE9513", 16),
    q=int("400000000000000000000000000000000FD8CDDFC87B6635C115AF556C360C67", 16),
    x=int("91E38443A5E82C0D880923425712B2BB658B9196932E02C78B2582FE742DAA28", 16),
    y=int("32879423AB1A0375895786C4BB46E9565FDE0B5344766740AF268ADB32322E5C", 16),
    cofactor=4,
)

# RFC 4357, section 11.4: id-GostR3410-2001-CryptoPro-A-ParamSet.
CRYPTOPRO_A = Curve(
    name="id-GostR3410-2001-CryptoPro-A-ParamSet",
    p=(1 << 256) - 617,
    a=(1 << 256) - 620,  # p − 3
    b=166,
    q=int("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF6C611070995AD10045841B09B761B893", 16),
    x=1,
    y=int("8D91E471E0989CDA27DF505A453F2B7635294F2DDF23E3B122ACC99C9E9F1E14", 16),
)

KEY_OID_256 = "1.2.398.3.10.1.1.2.1"  # GOST R 34.10-2015 (= 2012) 256-bit key, NCA RK
KEY_OID_512 = "1.2.398.3.10.1.1.2.2"  # GOST R 34.10-2015 (= 2012) 512-bit key, NCA RK
SIGNATURE_OID_256 = "1.2.398.3.10.1.1.2.3.1"  # with GOST R 34.11-2015 (Streebog) 256
SIGNATURE_OID_512 = "1.2.398.3.10.1.1.2.3.2"  # with GOST R 34.11-2015 (Streebog) 512

_CURVES_BY_OID: dict[str, Curve] = {
    "1.2.398.3.10.1.1.2.2.1": TC26_512_A,  # NCA RK, Gost3410-2015-512 ParamSet A
    "1.2.643.7.1.2.1.2.1": TC26_512_A,  # id-tc26-gost-3410-12-512-paramSetA
    "1.2.398.3.10.1.1.2.1.1": TC26_256_A,  # NCA RK, Gost3410-2015-256 ParamSet A (unconfirmed)
    "1.2.643.7.1.2.1.1.1": TC26_256_A,  # id-tc26-gost-3410-2012-256-paramSetA
    "1.2.398.3.10.1.1.1.1.1": CRYPTOPRO_A,  # NCA RK, GOST 34.310-2004 parameters
    "1.2.643.2.2.35.1": CRYPTOPRO_A,  # id-GostR3410-2001-CryptoPro-A-ParamSet
    "1.2.643.2.2.36.0": CRYPTOPRO_A,  # id-GostR3410-2001-CryptoPro-XchA-ParamSet (the same curve)
}

_KEY_OID_BITS = {KEY_OID_256: 256, KEY_OID_512: 512}


def curve_for(parameters_oid: str) -> Curve:
    """The curve of a public-key parameter-set OID (dotted string); `UnsupportedParameters` if unknown."""
    try:
        return _CURVES_BY_OID[parameters_oid]
    except (KeyError, TypeError):
        raise UnsupportedParameters(f"unknown GOST R 34.10 parameter set {parameters_oid!r}") from None


# --- the byte conventions (the one place) ------------------------------------------------------------------


def _as_bytes(value: object, what: str) -> bytes:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    raise MalformedInput(f"{what} must be bytes, not {type(value).__name__}")


def digest_to_int(digest: bytes) -> int:
    """α of GOST R 34.10: the Streebog output (normal byte order) read as a little-endian integer."""
    return int.from_bytes(_as_bytes(digest, "digest"), "little")


def decode_signature(curve: Curve, signature: bytes) -> tuple[int, int]:
    """(r, s) from the NCA signature value: r‖s, each `curve.size` bytes little-endian."""
    data = _as_bytes(signature, "signature")
    n = curve.size
    if len(data) != 2 * n:
        raise MalformedInput(f"a {curve.bits}-bit GOST signature has {2 * n} bytes, not {len(data)}")
    return int.from_bytes(data[:n], "little"), int.from_bytes(data[n:], "little")


def decode_public_key(curve: Curve, octets: bytes) -> tuple[int, int]:
    """(x, y) from the public key's OCTET STRING contents: x‖y, each `curve.size` bytes little-endian."""
    data = _as_bytes(octets, "public key")
    n = curve.size
    if len(data) != 2 * n:
        raise MalformedInput(f"a {curve.bits}-bit GOST public key has {2 * n} bytes, not {len(data)}")
    return int.from_bytes(data[:n], "little"), int.from_bytes(data[n:], "little")


# --- SubjectPublicKeyInfo ----------------------------------------------------------------------------------


class _GostKeyParameters(core.Sequence):
    # GostR3410-2012-PublicKeyParameters (RFC 9215, 4.2.2; RFC 4491): the NCA sends both OIDs.
    _fields = [
        ("public_key_param_set", core.ObjectIdentifier),
        ("digest_param_set", core.ObjectIdentifier, {"optional": True}),
        ("encryption_param_set", core.ObjectIdentifier, {"optional": True}),
    ]


class _AlgorithmIdentifier(core.Sequence):
    _fields = [
        ("algorithm", core.ObjectIdentifier),
        ("parameters", _GostKeyParameters, {"optional": True}),
    ]


class _SubjectPublicKeyInfo(core.Sequence):
    _fields = [
        ("algorithm", _AlgorithmIdentifier),
        ("subject_public_key", core.OctetBitString),
    ]


def public_key_from_spki(spki_der: bytes) -> tuple[Curve, tuple[int, int]]:
    """The curve and the checked public key (x, y) of an NCA GOST 2015 SubjectPublicKeyInfo (DER).

    Raises `MalformedInput` for DER that does not decode, `UnsupportedParameters` for another algorithm or
    parameter set, `InvalidPublicKey` for a point that is not a valid key on its curve.
    """
    data = _as_bytes(spki_der, "SubjectPublicKeyInfo")
    try:
        spki = _SubjectPublicKeyInfo.load(data, strict=True)
        algorithm = spki["algorithm"]["algorithm"].dotted
    except Exception as exc:  # asn1crypto raises ValueError, TypeError, KeyError… on garbage
        raise MalformedInput(f"not a DER SubjectPublicKeyInfo: {exc}") from exc
    if algorithm not in _KEY_OID_BITS:
        raise UnsupportedParameters(f"not an NCA GOST 2015 public key algorithm: {algorithm}")
    try:
        parameters = spki["algorithm"]["parameters"]
        params_oid = None if parameters.native is None else parameters["public_key_param_set"].dotted
        bits = spki["subject_public_key"].native
        octets = None if bits is None else core.OctetString.load(bits, strict=True).native
    except Exception as exc:
        raise MalformedInput(f"not a DER GOST SubjectPublicKeyInfo: {exc}") from exc
    if params_oid is None:
        raise UnsupportedParameters("GOST public key without its parameter set")
    curve = curve_for(params_oid)
    if curve.bits != _KEY_OID_BITS[algorithm]:
        raise UnsupportedParameters(f"{algorithm} is a {_KEY_OID_BITS[algorithm]}-bit key, {curve.name} is not")
    if octets is None:
        raise MalformedInput("GOST public key without its OCTET STRING")
    point = decode_public_key(curve, octets)
    check_public_key(curve, point)
    return curve, point


# --- point arithmetic: Jacobian (X, Y, Z) ↔ affine (X/Z², Y/Z³); Z == 0 is the point at infinity -------


def _double(x1: int, y1: int, z1: int, p: int, a: int, a_minus3: bool) -> tuple[int, int, int]:
    if not z1 or not y1:
        return 0, 1, 0
    yy = y1 * y1 % p
    s = 4 * x1 * yy % p
    zz = z1 * z1 % p
    m = 3 * (x1 - zz) * (x1 + zz) % p if a_minus3 else (3 * x1 * x1 + a * zz * zz) % p
    x3 = (m * m - 2 * s) % p
    return x3, (m * (s - x3) - 8 * yy * yy) % p, 2 * y1 * z1 % p


def _add_affine(x1: int, y1: int, z1: int, x2: int, y2: int, p: int, a: int, a_minus3: bool) -> tuple[int, int, int]:
    """(x1, y1, z1) + (x2, y2) with the second point affine and not the point at infinity."""
    if not z1:
        return x2, y2, 1
    zz = z1 * z1 % p
    h = (x2 * zz - x1) % p
    r = (y2 * z1 * zz - y1) % p
    if not h:
        return _double(x1, y1, z1, p, a, a_minus3) if not r else (0, 1, 0)
    hh = h * h % p
    hhh = h * hh % p
    v = x1 * hh % p
    x3 = (r * r - hhh - 2 * v) % p
    return x3, (r * (v - x3) - y1 * hhh) % p, z1 * h % p


def _normalize_all(points: list[tuple[int, int, int]], p: int) -> list[tuple[int, int]]:
    """Affine forms of Jacobian points, none at infinity, with one inversion (Montgomery's trick)."""
    prefix = []
    acc = 1
    for _, _, z in points:
        prefix.append(acc)
        acc = acc * z % p
    inv = pow(acc, -1, p)
    out: list[tuple[int, int]] = [(0, 0)] * len(points)
    for i in range(len(points) - 1, -1, -1):
        x, y, z = points[i]
        zi = inv * prefix[i] % p  # 1 / z
        inv = inv * z % p
        zi2 = zi * zi % p
        out[i] = (x * zi2 % p, y * zi2 * zi % p)
    return out


def _odd_multiples(curve: Curve, x: int, y: int, count: int) -> tuple[list[tuple[int, int]], ...]:
    """[P, 3P, 5P, …] (count of them) and their negatives, affine. P of odd order > 2·count."""
    p, a = curve.p, curve.a
    a_minus3 = a == p - 3
    ((x2, y2),) = _normalize_all([_double(x, y, 1, p, a, a_minus3)], p)
    jac = [(x, y, 1)]
    for _ in range(count - 1):
        jac.append(_add_affine(*jac[-1], x2, y2, p, a, a_minus3))
    pos = _normalize_all(jac, p)
    return pos, [(px, p - py) for px, py in pos]


def _wnaf(k: int, width: int) -> list[int]:
    """Width-w NAF digits of k ≥ 0, least significant first (odd digits in (−2^(w−1), 2^(w−1)))."""
    digits = []
    full = 1 << width
    half = full >> 1
    mask = full - 1
    while k:
        if k & 1:
            d = k & mask
            if d >= half:
                d -= full
            k -= d
            digits.append(d)
        else:
            digits.append(0)
        k >>= 1
    return digits


_BASE_WIDTH = 7
_KEY_WIDTH = 5


@lru_cache(maxsize=16)
def _base_table(curve: Curve) -> tuple[list[tuple[int, int]], ...]:
    return _odd_multiples(curve, curve.x, curve.y, 1 << (_BASE_WIDTH - 2))


def _wnaf_sum(curve: Curve, terms: list[tuple[list[int], list[tuple[int, int]], list[tuple[int, int]]]]):
    """Σ kᵢ·Pᵢ, Jacobian, from each kᵢ's wNAF digits and Pᵢ's odd-multiple tables (Shamir's trick)."""
    p, a = curve.p, curve.a
    a_minus3 = a == p - 3
    length = max(len(digits) for digits, _, _ in terms)
    for digits, _, _ in terms:
        digits += [0] * (length - len(digits))
    x, y, z = 0, 1, 0
    for i in range(length - 1, -1, -1):
        if z:
            x, y, z = _double(x, y, z, p, a, a_minus3)
        for digits, pos, neg in terms:
            d = digits[i]
            if d:
                px, py = pos[d >> 1] if d > 0 else neg[-d >> 1]
                x, y, z = _add_affine(x, y, z, px, py, p, a, a_minus3)
    return x, y, z


def _double_multiply(curve: Curve, u1: int, u2: int, qx: int, qy: int) -> tuple[int, int, int]:
    """u1·P + u2·Q (P the base point, u1, u2 > 0), Jacobian, by interleaved wNAF."""
    g_pos, g_neg = _base_table(curve)
    q_pos, q_neg = _odd_multiples(curve, qx, qy, 1 << (_KEY_WIDTH - 2))
    return _wnaf_sum(curve, [(_wnaf(u1, _BASE_WIDTH), g_pos, g_neg), (_wnaf(u2, _KEY_WIDTH), q_pos, q_neg)])


def _to_affine(curve: Curve, x: int, y: int, z: int) -> tuple[int, int] | None:
    if not z:
        return None
    p = curve.p
    zi = pow(z, -1, p)
    zi2 = zi * zi % p
    return x * zi2 % p, y * zi2 * zi % p


def scalar_multiply(curve: Curve, k: int, point: tuple[int, int] | None = None) -> tuple[int, int] | None:
    """k·point (the base point if None), affine; None for the point at infinity. Not constant time.

    The point must be on the curve (see `check_public_key`); k any integer.
    """
    if point is None:
        k %= curve.q
        if not k:
            return None
        g_pos, g_neg = _base_table(curve)
        return _to_affine(curve, *_wnaf_sum(curve, [(_wnaf(k, _BASE_WIDTH), g_pos, g_neg)]))
    px, py = point
    if k < 0:
        k, py = -k, (curve.p - py) % curve.p
    if not k:
        return None
    if not py:  # a point of order 2: its odd multiples are itself
        return point if k & 1 else None
    # Chained doublings: correct for any point of the curve, whatever its order.
    p, a = curve.p, curve.a
    a_minus3 = a == p - 3
    x, y, z = 0, 1, 0
    for bit in bin(k)[2:]:
        x, y, z = _double(x, y, z, p, a, a_minus3)
        if bit == "1":
            x, y, z = _add_affine(x, y, z, px, py, p, a, a_minus3)
    return _to_affine(curve, x, y, z)


def _on_curve(curve: Curve, x: int, y: int) -> bool:
    p = curve.p
    return (y * y - (x * x * x + curve.a * x + curve.b)) % p == 0


def check_public_key(curve: Curve, public_key: tuple[int, int]) -> None:
    """Raise `InvalidPublicKey` unless public_key is an affine point of order q on curve."""
    try:
        x, y = public_key
    except (TypeError, ValueError):
        raise MalformedInput("a public key is a pair of integers (x, y)") from None
    if not (isinstance(x, int) and isinstance(y, int)) or isinstance(x, bool) or isinstance(y, bool):
        raise MalformedInput("a public key is a pair of integers (x, y)")
    if not (0 <= x < curve.p and 0 <= y < curve.p):
        raise InvalidPublicKey("public key coordinates out of range")
    if not _on_curve(curve, x, y):
        raise InvalidPublicKey(f"public key is not on {curve.name}")
    if curve.cofactor != 1 and scalar_multiply(curve, curve.q, (x, y)) is not None:
        raise InvalidPublicKey(f"public key is not in the subgroup of order q of {curve.name}")


def verify_rs(curve: Curve, public_key: tuple[int, int], e: int, r: int, s: int) -> bool:
    """The verification of RFC 7091, 6.2 on integers: α (`e`, reduced here), r, s.

    Raises `InvalidPublicKey` / `MalformedInput` for a bad key; False for r, s outside (0, q) or a
    signature that does not verify.
    """
    check_public_key(curve, public_key)
    q = curve.q
    if not (isinstance(r, int) and isinstance(s, int) and isinstance(e, int)):
        raise MalformedInput("e, r and s are integers")
    if not (0 < r < q and 0 < s < q):
        return False
    e %= q
    if not e:
        e = 1
    v = pow(e, -1, q)
    z1 = s * v % q
    z2 = (q - r) * v % q
    c = _to_affine(curve, *_double_multiply(curve, z1, z2, *public_key))
    return c is not None and c[0] % q == r


def verify(curve: Curve, public_key: tuple[int, int], digest: bytes, signature: bytes) -> bool:
    """Verify an NCA GOST R 34.10-2012 signature over a Streebog digest (the NCA byte conventions above).

    digest: the Streebog-512 (512-bit curves) or Streebog-256 output, `curve.size` bytes, normal order.
    signature: the signature value as it stands in the certificate, CRL, OCSP response or CMS: r‖s LE.
    True if it verifies, False if not; `GostError` (ValueError) for input of the wrong type or length or
    an invalid public key.
    """
    data = _as_bytes(digest, "digest")
    if len(data) != curve.size:
        raise MalformedInput(f"a {curve.bits}-bit GOST signature is over a {curve.size}-byte digest, not {len(data)}")
    r, s = decode_signature(curve, signature)
    return verify_rs(curve, public_key, digest_to_int(data), r, s)
