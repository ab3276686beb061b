"""GOST R 34.10-2012 signing, in the NCA RK byte conventions — for the tests only.

Used by the tests and by the test-only NCALayer stand-in (`tests/nca/signer.py`), which sign with the
NCA TEST keys to produce what a citizen's NCALayer would send. The department never signs with GOST:
the application only verifies (`app.nca.gost3410`). Hence no effort at side-channel resistance: the
scalar multiplications are `gost3410.scalar_multiply`, which is not constant time.

`sign(curve, d, digest)` follows RFC 7091, section 6.1 (= GOST R 34.10-2012, 6.1):

1. α: the digest read as an integer — the NCA way, little-endian (`gost3410.digest_to_int`);
   e = α mod q, and e = 1 if that is 0;
2. k: a random integer, 0 < k < q (`secrets`);
3. C = k·P, r = x_C mod q; back to 2 if r = 0;
4. s = (r·d + k·e) mod q; back to 2 if s = 0;
5. the signature: r‖s, each `curve.size` bytes little-endian (the layout `gost3410.decode_signature`
   reads; the full byte reversal of RFC 4491's s‖r big-endian).

`gost3410.verify(curve, d·P, digest, sign(curve, d, digest))` is then True.
"""

from __future__ import annotations

import secrets

from app.nca import gost3410

__all__ = ["encode_signature", "sign"]


def encode_signature(curve: gost3410.Curve, r: int, s: int) -> bytes:
    """The NCA signature value of (r, s): r‖s, each `curve.size` bytes little-endian."""
    n = curve.size
    return r.to_bytes(n, "little") + s.to_bytes(n, "little")


def _sign_integers(curve: gost3410.Curve, d: int, e: int, k: int) -> tuple[int, int] | None:
    """Steps 3 and 4 with a given k: (r, s), or None when r or s is 0 (pick another k)."""
    q = curve.q
    point = gost3410.scalar_multiply(curve, k)
    if point is None:
        return None
    r = point[0] % q
    if not r:
        return None
    s = (r * d + k * e) % q
    if not s:
        return None
    return r, s


def sign(curve: gost3410.Curve, private_scalar: int, digest: bytes) -> bytes:
    """Sign a Streebog digest (`curve.size` bytes, normal byte order) with d = private_scalar.

    Returns the NCA signature value r‖s (little-endian each). Raises `gost3410.MalformedInput` for a digest
    of the wrong type or length or a scalar that is not an integer in (0, q).
    """
    if not isinstance(digest, bytes | bytearray | memoryview):
        raise gost3410.MalformedInput(f"digest must be bytes, not {type(digest).__name__}")
    digest = bytes(digest)
    if len(digest) != curve.size:
        raise gost3410.MalformedInput(f"a {curve.bits}-bit GOST signature is over a {curve.size}-byte digest")
    if isinstance(private_scalar, bool) or not isinstance(private_scalar, int) or not 0 < private_scalar < curve.q:
        raise gost3410.MalformedInput("the private key is an integer in (0, q)")
    q = curve.q
    e = gost3410.digest_to_int(digest) % q or 1
    while True:
        k = secrets.randbelow(q - 1) + 1
        rs = _sign_integers(curve, private_scalar, e, k)
        if rs is not None:
            return encode_signature(curve, *rs)
