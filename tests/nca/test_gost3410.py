"""GOST R 34.10-2012 verification (app.nca.gost3410): the published examples and the real NCA RK TEST material.

- the parameter sets themselves (base point on the curve and of order q, p and q prime, the Hasse bound);
- RFC 7091 section 7 (= GOST R 34.10-2012 appendix A): the 256-bit and the 512-bit example on their own
  test curves, with d, k, e, r, s and the public key;
- vectors made with Debian's OpenSSL GOST engine (`openssl dgst -engine gost -md_gost12_256 -sign`) on
  TC26 256 paramSetA and CryptoPro A: an implementation independent of ours, for the 256-bit curves
  that no NCA material covers;
- the NCA TEST 2022 chain read from NCA_DIR: the root's self-signature, the issuing CA, the 12 leaves,
  the CRL, the two OCSP responses and their responders;
- the refusals: altered TBS / r / s / key, r or s = 0 or ≥ q, points off the curve or outside the
  subgroup, wrong types and lengths, garbage DER (hypothesis).

How the module refuses (see its docstring): a well-formed signature that does not verify gives False
(r or s out of range included); a public key that is not a valid point raises InvalidPublicKey; wrong
types / lengths / undecodable DER raise MalformedInput; unknown OIDs raise UnsupportedParameters — all of
them GostError, a ValueError.
"""

from __future__ import annotations

import glob
import os
from functools import cache
from math import isqrt
from pathlib import Path

import pytest
from asn1crypto import core
from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.nca import gost3410 as g
from app.nca.streebog import streebog256, streebog512

# The NCA RK TEST material, copied as it is (its README.md says what each file is and where it comes from).
NCA_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "nca"


def needs_nca(test):  # the fixtures are in the repository: kept as a marker of the tests that read them
    return test


# --- the parameter sets ------------------------------------------------------------------------------------


def _probably_prime(n: int) -> bool:
    if n < 2:
        return False
    small = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71)
    for b in small:
        if n % b == 0:
            return n == b
    d, r = n - 1, 0
    while d % 2 == 0:
        d, r = d // 2, r + 1
    for base in small:
        x = pow(base, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


def _isqrt_bound(curve: g.Curve) -> bool:
    return abs(curve.cofactor * curve.q - (curve.p + 1)) <= 2 * isqrt(curve.p) + 2


@pytest.mark.parametrize("curve", [g.TC26_512_A, g.TC26_256_A, g.CRYPTOPRO_A], ids=lambda c: c.name)
def test_parameter_sets_are_consistent(curve):
    assert g._on_curve(curve, curve.x, curve.y)
    assert g.scalar_multiply(curve, curve.q, (curve.x, curve.y)) is None
    assert g.scalar_multiply(curve, curve.q - 1, (curve.x, curve.y)) == (curve.x, curve.p - curve.y)
    assert _probably_prime(curve.p) and _probably_prime(curve.q)
    assert _isqrt_bound(curve)  # cofactor · q is a possible group order
    assert (curve.a + 3) % curve.p == 0 or curve is g.TC26_256_A  # a = −3 where RFC 7836 / 4357 say so


def test_curve_for_maps_the_nca_and_the_ru_oids():
    assert g.curve_for("1.2.398.3.10.1.1.2.2.1") is g.TC26_512_A
    assert g.curve_for("1.2.643.7.1.2.1.2.1") is g.TC26_512_A
    assert g.curve_for("1.2.398.3.10.1.1.2.1.1") is g.TC26_256_A
    assert g.curve_for("1.2.643.7.1.2.1.1.1") is g.TC26_256_A
    assert g.curve_for("1.2.398.3.10.1.1.1.1.1") is g.CRYPTOPRO_A
    assert g.curve_for("1.2.643.2.2.35.1") is g.CRYPTOPRO_A
    for bad in ("1.2.398.3.10.1.1.2.2.2", "", "nonsense", None, 5):
        with pytest.raises(g.UnsupportedParameters):
            g.curve_for(bad)
    assert issubclass(g.UnsupportedParameters, ValueError)


# --- RFC 7091 section 7: the examples of GOST R 34.10-2012 itself -------------------------------------------

# id-GostR3410-2001-TestParamSet: the 256-bit example's curve.
RFC_CURVE_256 = g.Curve(
    name="GOST R 34.10-2012 example 1 (256-bit)",
    p=0x8000000000000000000000000000000000000000000000000000000000000431,
    a=7,
    b=0x5FBFF498AA938CE739B8E022FBAFEF40563F6E6A3472FC2A514C0CE9DAE23B7E,
    q=0x8000000000000000000000000000000150FE8A1892976154C59CFC193ACCF5B3,
    x=2,
    y=0x08E2A8A0E65147D4BD6316030E16D19C85C97F0A9CA267122B96ABBCEA7E8FC8,
)
RFC_EXAMPLE_256 = {
    "d": 0x7A929ADE789BB9BE10ED359DD39A72C11B60961F49397EEE1D19CE9891EC3B28,
    "qx": 0x7F2B49E270DB6D90D8595BEC458B50C58585BA1D4E9B788F6689DBD8E56FD80B,
    "qy": 0x26F1B489D6701DD185C8413A977B3CBBAF64D1C593D26627DFFB101A87FF77DA,
    "e": 0x2DFBC1B372D89A1188C09C52E0EEC61FCE52032AB1022E8E67ECE6672B043EE5,
    "k": 0x77105C9B20BCD3122823C8CF6FCC7B956DE33814E95B7FE64FED924594DCEAB3,
    "r": 0x41AA28D2F1AB148280CD9ED56FEDA41974053554A42767B83AD043FD39DC0493,
    "s": 0x01456C64BA4642A1653C235A98A60249BCD6D3F746B631DF928014F6C5BF9C40,
}

RFC_CURVE_512 = g.Curve(
    name="GOST R 34.10-2012 example 2 (512-bit)",
    p=int(
        "4531ACD1FE0023C7550D267B6B2FEE80922B14B2FFB90F04D4EB7C09B5D2D15D"
        "F1D852741AF4704A0458047E80E4546D35B8336FAC224DD81664BBF528BE6373",
        16,
    ),
    a=7,
    b=int(
        "1CFF0806A31116DA29D8CFA54E57EB748BC5F377E49400FDD788B649ECA1AC43"
        "61834013B2AD7322480A89CA58E0CF74BC9E540C2ADD6897FAD0A3084F302ADC",
        16,
    ),
    q=int(
        "4531ACD1FE0023C7550D267B6B2FEE80922B14B2FFB90F04D4EB7C09B5D2D15D"
        "A82F2D7ECB1DBAC719905C5EECC423F1D86E25EDBE23C595D644AAF187E6E6DF",
        16,
    ),
    x=int(
        "24D19CC64572EE30F396BF6EBBFD7A6C5213B3B3D7057CC825F91093A68CD762"
        "FD60611262CD838DC6B60AA7EEE804E28BC849977FAC33B4B530F1B120248A9A",
        16,
    ),
    y=int(
        "2BB312A43BD2CE6E0D020613C857ACDDCFBF061E91E5F2C3F32447C259F39B2C"
        "83AB156D77F1496BF7EB3351E1EE4E43DC1A18B91B24640B6DBB92CB1ADD371E",
        16,
    ),
)
RFC_EXAMPLE_512 = {
    "d": int(
        "0BA6048AADAE241BA40936D47756D7C93091A0E8514669700EE7508E508B1020"
        "72E8123B2200A0563322DAD2827E2714A2636B7BFD18AADFC62967821FA18DD4",
        16,
    ),
    "qx": int(
        "115DC5BC96760C7B48598D8AB9E740D4C4A85A65BE33C1815B5C320C854621DD"
        "5A515856D13314AF69BC5B924C8B4DDFF75C45415C1D9DD9DD33612CD530EFE1",
        16,
    ),
    "qy": int(
        "37C7C90CD40B0F5621DC3AC1B751CFA0E2634FA0503B3D52639F5D7FB72AFD61"
        "EA199441D943FFE7F0C70A2759A3CDB84C114E1F9339FDF27F35ECA93677BEEC",
        16,
    ),
    "e": int(
        "3754F3CFACC9E0615C4F4A7C4D8DAB531B09B6F9C170C533A71D147035B0C591"
        "7184EE536593F4414339976C647C5D5A407ADEDB1D560C4FC6777D2972075B8C",
        16,
    ),
    "k": int(
        "0359E7F4B1410FEACC570456C6801496946312120B39D019D455986E364F3658"
        "86748ED7A44B3E794434006011842286212273A6D14CF70EA3AF71BB1AE679F1",
        16,
    ),
    "r": int(
        "2F86FA60A081091A23DD795E1E3C689EE512A3C82EE0DCC2643C78EEA8FCACD3"
        "5492558486B20F1C9EC197C90699850260C93BCBCD9C5C3317E19344E173AE36",
        16,
    ),
    "s": int(
        "1081B394696FFE8E6585E7A9362D26B6325F56778AADBC081C0BFBE933D52FF5"
        "823CE288E8C4F362526080DF7F70CE406A6EEB1F56919CB92A9853BDE73E5B4A",
        16,
    ),
}

RFC_EXAMPLES = [(RFC_CURVE_256, RFC_EXAMPLE_256), (RFC_CURVE_512, RFC_EXAMPLE_512)]


@pytest.mark.parametrize(("curve", "ex"), RFC_EXAMPLES, ids=["256", "512"])
def test_rfc7091_example_curve_and_key(curve, ex):
    assert g._on_curve(curve, curve.x, curve.y)
    assert g.scalar_multiply(curve, curve.q, (curve.x, curve.y)) is None
    assert g.scalar_multiply(curve, ex["d"]) == (ex["qx"], ex["qy"])
    g.check_public_key(curve, (ex["qx"], ex["qy"]))


@pytest.mark.parametrize(("curve", "ex"), RFC_EXAMPLES, ids=["256", "512"])
def test_rfc7091_example_signature_is_the_published_one(curve, ex):
    # The signing steps of RFC 7091, 6.1, with the published k: they must give the published r and s.
    q = curve.q
    e = ex["e"] % q or 1
    c = g.scalar_multiply(curve, ex["k"])
    r = c[0] % q
    s = (r * ex["d"] + ex["k"] * e) % q
    assert (r, s) == (ex["r"], ex["s"])


@pytest.mark.parametrize(("curve", "ex"), RFC_EXAMPLES, ids=["256", "512"])
def test_rfc7091_example_verifies(curve, ex):
    key = (ex["qx"], ex["qy"])
    assert g.verify_rs(curve, key, ex["e"], ex["r"], ex["s"])
    # The same through the byte API, in the NCA conventions (digest and r‖s little-endian).
    n = curve.size
    digest = ex["e"].to_bytes(n, "little")
    signature = ex["r"].to_bytes(n, "little") + ex["s"].to_bytes(n, "little")
    assert g.verify(curve, key, digest, signature)
    assert g.decode_signature(curve, signature) == (ex["r"], ex["s"])
    assert g.digest_to_int(digest) == ex["e"]
    # and not with anything changed
    assert not g.verify_rs(curve, key, ex["e"] + 1, ex["r"], ex["s"])
    assert not g.verify_rs(curve, key, ex["e"], ex["r"] ^ 1, ex["s"])
    assert not g.verify_rs(curve, key, ex["e"], ex["r"], ex["s"] ^ (1 << 100))
    assert not g.verify_rs(curve, (curve.x, curve.y), ex["e"], ex["r"], ex["s"])
    assert not g.verify(curve, key, digest, signature[::-1])


# --- 256-bit: vectors from the OpenSSL GOST engine (RFC 4491 layout, s‖r big-endian, there) ----------------

ENGINE_MESSAGE = b"GOST R 34.10-2012 256-bit test vector for app.nca.gost3410"
ENGINE_DIGEST = bytes.fromhex("1bb22acd2dda00feaffa57cb0d897a667a1f0636cf7c73773f19d1cefcb1217a")
ENGINE_VECTORS = [
    (
        g.TC26_256_A,
        # the public key's OCTET STRING contents (x‖y little-endian) and the engine's signature
        "1AE929E96AED16BC50C67DA8B7693835CBD60C61657F53605EB96FE16CB1845D"
        "43B6AB87351C195F8607F84F2B533BF416175F05F00846AFD838A4FCDA1D8FA6",
        "3c03ef8a37334ac767b9607103287af3446da166bdf3f2c0a2342ec8221ab2c3"
        "0b1870332c7bd92c68fabb99db8fff68cdc4f946e9a8f00e58da2fdc55a7877b",
    ),
    (
        g.CRYPTOPRO_A,
        "2F9691DB33D5FE7D816EEB59C5B1C5540056023FF54C3071BF7993FD06BFF0D8"
        "0F5BAB29713F444D5DFFA38E15B38098A0EF0391C498C31123B84EC5501FDA4B",
        "a7879cc33b5a95364ed8070bdf0af92ca791703fb1611c9927d3ed0eea511f08"
        "e91d933d9bd80da8c35c8f7f18964ca33400a80549dcf4c8423e10f97564941d",
    ),
]


def test_engine_digest_is_streebog256():
    assert streebog256(ENGINE_MESSAGE) == ENGINE_DIGEST


@pytest.mark.parametrize(("curve", "key_hex", "sig_hex"), ENGINE_VECTORS, ids=["tc26-256-A", "cryptopro-A"])
def test_openssl_engine_256_bit_signatures_verify(curve, key_hex, sig_hex):
    key = g.decode_public_key(curve, bytes.fromhex(key_hex))
    g.check_public_key(curve, key)
    rfc4491 = bytes.fromhex(sig_hex)
    nca = rfc4491[::-1]  # s‖r big-endian reversed = r‖s little-endian
    assert g.verify(curve, key, ENGINE_DIGEST, nca)
    assert not g.verify(curve, key, ENGINE_DIGEST, rfc4491)
    other = g.CRYPTOPRO_A if curve is g.TC26_256_A else g.TC26_256_A
    with pytest.raises(g.InvalidPublicKey):
        g.verify(other, key, ENGINE_DIGEST, nca)


# --- the NCA TEST 2022 material -----------------------------------------------------------------------------


def _read(relative: str) -> bytes:
    return (NCA_DIR / relative).read_bytes()


@cache
def _key_of(cert_relative: str) -> tuple[g.Curve, tuple[int, int]]:
    cert = asn1_x509.Certificate.load(_read(cert_relative))
    return g.public_key_from_spki(cert["tbs_certificate"]["subject_public_key_info"].dump())


def _hash_for(signature_oid: str):
    return {g.SIGNATURE_OID_512: streebog512, g.SIGNATURE_OID_256: streebog256}[signature_oid]


@cache
def _signed_certificate(relative: str) -> tuple[bytes, bytes]:
    """(digest of the TBS, signature value) of a certificate, through cryptography.x509."""
    cert = x509.load_der_x509_certificate(_read(relative))
    return _hash_for(cert.signature_algorithm_oid.dotted_string)(cert.tbs_certificate_bytes), cert.signature


def _signed_crl(relative: str) -> tuple[bytes, bytes, bytes]:
    # cryptography refuses this CRL ("Inner and outer signature algorithms do not match"): the NCA writes
    # the outer AlgorithmIdentifier with NULL parameters and the inner one without. asn1crypto reads it.
    crl = asn1_crl.CertificateList.load(_read(relative))
    tbs = crl["tbs_cert_list"].dump()
    return tbs, _hash_for(crl["signature_algorithm"]["algorithm"].dotted)(tbs), crl["signature"].native


def _signed_ocsp(relative: str) -> tuple[bytes, bytes, bytes, bytes]:
    """(tbsResponseData DER, its digest, signature value, first embedded certificate) of an OCSP response."""
    response = asn1_ocsp.OCSPResponse.load(_read(relative))
    basic = response["response_bytes"]["response"].parsed
    tbs = basic["tbs_response_data"].dump()
    digest = _hash_for(basic["signature_algorithm"]["algorithm"].dotted)(tbs)
    return tbs, digest, basic["signature"].native, basic["certs"][0].dump()


ROOT = "test-2022/root_test_gost_2022.cer"
CA = "test-2022/nca_gost2022_test.cer"
CRL = "test-2022/nca_gost2022_test.crl"
LEAVES = sorted(os.path.relpath(path, NCA_DIR) for path in glob.glob(str(NCA_DIR / "test-2022" / "certs" / "*.cer")))
OCSP = sorted(os.path.relpath(path, NCA_DIR) for path in glob.glob(str(NCA_DIR / "ocsp" / "*.bin")))
CERTIFICATES = [(ROOT, ROOT), (CA, ROOT)] + [(leaf, CA) for leaf in LEAVES] + [(f"{o}.responder.cer", CA) for o in OCSP]


@needs_nca
def test_the_material_is_all_there():
    assert len(LEAVES) == 12
    assert len(OCSP) == 2


@needs_nca
@pytest.mark.parametrize("relative", [ROOT, CA, *LEAVES], ids=os.path.basename)
def test_nca_keys_are_tc26_512_a(relative):
    curve, key = _key_of(relative)
    assert curve is g.TC26_512_A
    g.check_public_key(curve, key)


@needs_nca
@pytest.mark.parametrize(("relative", "issuer"), CERTIFICATES, ids=lambda v: os.path.basename(v))
def test_nca_certificate_signatures_verify(relative, issuer):
    cert = x509.load_der_x509_certificate(_read(relative))
    assert cert.signature_algorithm_oid.dotted_string == g.SIGNATURE_OID_512
    digest, signature = _signed_certificate(relative)
    curve, key = _key_of(issuer)
    assert g.verify(curve, key, digest, signature)


@needs_nca
def test_nca_crl_signature_verifies():
    _, digest, signature = _signed_crl(CRL)
    curve, key = _key_of(CA)
    assert g.verify(curve, key, digest, signature)
    root_curve, root_key = _key_of(ROOT)
    assert not g.verify(root_curve, root_key, digest, signature)


@needs_nca
@pytest.mark.parametrize("relative", OCSP, ids=os.path.basename)
def test_nca_ocsp_response_signatures_verify(relative):
    _, digest, signature, embedded = _signed_ocsp(relative)
    responder = f"{relative}.responder.cer"
    assert embedded == _read(responder)  # the response carries its responder certificate
    curve, key = _key_of(responder)
    assert g.verify(curve, key, digest, signature)
    ca_curve, ca_key = _key_of(CA)
    assert not g.verify(ca_curve, ca_key, digest, signature)


@needs_nca
def test_nca_conventions_are_the_only_ones_that_verify():
    """r‖s little-endian and the digest little-endian; the RFC 4491 reading (s‖r BE, digest BE) fails."""
    digest, signature = _signed_certificate(CA)
    curve, key = _key_of(ROOT)
    n = curve.size
    r, s = g.decode_signature(curve, signature)
    assert g.verify_rs(curve, key, int.from_bytes(digest, "little"), r, s)
    assert not g.verify_rs(curve, key, int.from_bytes(digest, "big"), r, s)
    sig_be = signature[::-1]  # s‖r big-endian, as RFC 4491 lays it out
    rfc_r, rfc_s = int.from_bytes(sig_be[n:], "big"), int.from_bytes(sig_be[:n], "big")
    assert (rfc_r, rfc_s) == (r, s)  # the same integers: NCA's bytes are RFC 4491's, reversed
    assert not g.verify(curve, key, digest, sig_be)
    assert not g.verify(curve, key, digest[::-1], signature)


# --- refusals on NCA material ------------------------------------------------------------------------------


def _flip(data: bytes, bit: int) -> bytes:
    out = bytearray(data)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


@cache
def _leaf_case() -> tuple[g.Curve, tuple[int, int], bytes, bytes, bytes]:
    """(curve, CA key, TBS bytes, digest, signature) of legal_valid_head.cer."""
    cert = x509.load_der_x509_certificate(_read("test-2022/certs/legal_valid_head.cer"))
    curve, key = _key_of(CA)
    tbs = cert.tbs_certificate_bytes
    return curve, key, tbs, streebog512(tbs), cert.signature


@needs_nca
@pytest.mark.parametrize("bit", [0, 7, 8 * 100 + 3, 8 * 500, -1])
def test_flipped_bit_in_the_tbs_is_refused(bit):
    curve, key, tbs, digest, signature = _leaf_case()
    assert g.verify(curve, key, digest, signature)
    altered = _flip(tbs, bit % (8 * len(tbs)))
    assert not g.verify(curve, key, streebog512(altered), signature)


@needs_nca
@pytest.mark.parametrize("bit", [0, 1, 255, 256, 511])
def test_flipped_bit_in_r_or_s_is_refused(bit):
    curve, key, _, digest, signature = _leaf_case()
    assert not g.verify(curve, key, digest, _flip(signature, bit))  # in r (bytes 0..63)
    assert not g.verify(curve, key, digest, _flip(signature, 512 + bit))  # in s (bytes 64..127)


@needs_nca
@pytest.mark.parametrize("bit", [0, 100, 511, 512, 700, 1023])
def test_flipped_bit_in_the_public_key_is_refused(bit):
    """A flipped bit leaves the curve: InvalidPublicKey, raised by the key's decoding and by verify."""
    curve, key, _, digest, signature = _leaf_case()
    spki = asn1_x509.Certificate.load(_read(CA))["tbs_certificate"]["subject_public_key_info"].dump()
    octets = spki[-128:]  # the OCTET STRING closes the SPKI
    assert g.decode_public_key(curve, octets) == key
    altered = g.decode_public_key(curve, _flip(octets, bit))
    with pytest.raises(g.InvalidPublicKey):
        g.verify(curve, altered, digest, signature)
    with pytest.raises(g.InvalidPublicKey):
        g.public_key_from_spki(spki[:-128] + _flip(octets, bit))


@needs_nca
def test_another_valid_key_is_refused():
    curve, _, _, digest, signature = _leaf_case()
    _, root_key = _key_of(ROOT)
    _, own_key = _key_of("test-2022/certs/legal_valid_head.cer")
    assert not g.verify(curve, root_key, digest, signature)
    assert not g.verify(curve, own_key, digest, signature)


def _encode(curve: g.Curve, r: int, s: int) -> bytes:
    n = curve.size
    return r.to_bytes(n, "little") + s.to_bytes(n, "little")


@needs_nca
def test_r_or_s_zero_or_not_below_q_is_refused():
    curve, key, _, digest, signature = _leaf_case()
    r, s = g.decode_signature(curve, signature)
    q = curve.q
    top = (1 << (8 * curve.size)) - 1
    for bad_r, bad_s in [(0, s), (r, 0), (0, 0), (q, s), (r, q), (q + 1, s), (top, s), (r, top)]:
        assert not g.verify(curve, key, digest, _encode(curve, bad_r, bad_s)), (bad_r, bad_s)
        assert not g.verify_rs(curve, key, g.digest_to_int(digest), bad_r, bad_s)
    # r + q has the same residue: still refused, range first
    assert not g.verify_rs(curve, key, g.digest_to_int(digest), r + q, s)
    assert not g.verify_rs(curve, key, g.digest_to_int(digest), -r, s)


def _a_point_off_the_subgroup(curve: g.Curve) -> tuple[int, int]:
    p = curve.p
    assert p % 4 == 3
    x = 1
    while True:
        rhs = (x * x * x + curve.a * x + curve.b) % p
        y = pow(rhs, (p + 1) // 4, p)
        if y * y % p == rhs and g.scalar_multiply(curve, curve.q, (x, y)) is not None:
            return x, y
        x += 1


@needs_nca
def test_points_that_are_not_keys_are_refused():
    curve, key, _, digest, signature = _leaf_case()
    x, y = key
    p = curve.p
    for bad in [(x, y + 1), (x + 1, y), (0, 0), (x, p - y + 1), (x + p, y), (x, y + p), (-x, y), (x, -y)]:
        with pytest.raises(g.InvalidPublicKey):
            g.verify(curve, bad, digest, signature)
    # The negated key is a valid key, just not this one.
    assert not g.verify(curve, (x, p - y), digest, signature)


def test_points_outside_the_subgroup_of_a_cofactor_curve_are_refused():
    curve = g.TC26_256_A
    point = _a_point_off_the_subgroup(curve)
    assert g._on_curve(curve, *point)
    with pytest.raises(g.InvalidPublicKey, match="subgroup"):
        g.check_public_key(curve, point)
    with pytest.raises(g.InvalidPublicKey):
        g.verify(curve, point, bytes(32), bytes(range(1, 65)))


@needs_nca
def test_malformed_arguments_raise_typed_errors():
    curve, key, _, digest, signature = _leaf_case()
    cases = [
        (curve, key, digest, signature[:-1]),
        (curve, key, digest, signature + b"\0"),
        (curve, key, digest, b""),
        (curve, key, digest[:32], signature),
        (curve, key, digest + b"\0", signature),
        (curve, key, digest.hex(), signature),
        (curve, key, digest, signature.hex()),
        (curve, key, None, signature),
        (curve, None, digest, signature),
        (curve, (1, 2, 3), digest, signature),
        (curve, ("1", 2), digest, signature),
        (curve, (1.0, 2), digest, signature),
        (curve, (True, 2), digest, signature),
        (g.TC26_256_A, key, digest, signature),
    ]
    for args in cases:
        with pytest.raises(g.GostError):
            g.verify(*args)
    assert issubclass(g.MalformedInput, ValueError) and issubclass(g.InvalidPublicKey, ValueError)
    # bytearray and memoryview are bytes too
    assert g.verify(curve, key, bytearray(digest), memoryview(signature))


@needs_nca
def test_spki_refusals():
    spki = asn1_x509.Certificate.load(_read(CA))["tbs_certificate"]["subject_public_key_info"].dump()
    assert g.public_key_from_spki(spki) == _key_of(CA)
    for bad in (b"", b"\x30\x00", spki[:-1], spki + b"\0", b"\x04" + spki[1:], spki[:10], bytes(200)):
        with pytest.raises(g.MalformedInput):
            g.public_key_from_spki(bad)
    with pytest.raises(g.MalformedInput):
        g.public_key_from_spki("not bytes")

    def spki_with(algorithm: str, params: str | None, octets: bytes) -> bytes:
        parameters = g._GostKeyParameters({"public_key_param_set": params}) if params else None
        info = g._SubjectPublicKeyInfo(
            {
                "algorithm": {"algorithm": algorithm, "parameters": parameters},
                "subject_public_key": core.OctetString(octets).dump(),
            }
        )
        return info.dump()

    octets = core.OctetString.load(g._SubjectPublicKeyInfo.load(spki)["subject_public_key"].native).native
    assert g.public_key_from_spki(spki_with(g.KEY_OID_512, "1.2.398.3.10.1.1.2.2.1", octets)) == _key_of(CA)
    rsa = (
        x509.load_pem_x509_certificate(_read("rsa-test/nca_rsa_test.crt"))
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    with pytest.raises(g.UnsupportedParameters):  # an RSA key
        g.public_key_from_spki(rsa)
    with pytest.raises(g.UnsupportedParameters):  # a GOST 34.310-2004 key
        g.public_key_from_spki(spki_with("1.2.398.3.10.1.1.1.1", "1.2.398.3.10.1.1.1.1.1", octets))
    with pytest.raises(g.UnsupportedParameters):  # 256-bit key algorithm on a 512-bit curve
        g.public_key_from_spki(spki_with(g.KEY_OID_256, "1.2.398.3.10.1.1.2.2.1", octets))
    with pytest.raises(g.UnsupportedParameters):
        g.public_key_from_spki(spki_with(g.KEY_OID_512, "1.2.398.3.10.1.1.2.2.9", octets))
    with pytest.raises(g.UnsupportedParameters):
        g.public_key_from_spki(spki_with(g.KEY_OID_512, None, octets))
    with pytest.raises(g.MalformedInput):
        g.public_key_from_spki(spki_with(g.KEY_OID_512, "1.2.398.3.10.1.1.2.2.1", octets[:-1]))
    # A 256-bit key in the same encoding (the OpenSSL engine's TC26 256 A vector).
    key_256 = bytes.fromhex(ENGINE_VECTORS[0][1])
    curve, point = g.public_key_from_spki(spki_with(g.KEY_OID_256, "1.2.398.3.10.1.1.2.1.1", key_256))
    assert curve is g.TC26_256_A and point == g.decode_public_key(curve, key_256)


# --- properties (hypothesis) -------------------------------------------------------------------------------


@needs_nca
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bit=st.integers(min_value=0, max_value=8 * (128 + 64) - 1))
def test_any_single_bit_flip_in_signature_or_digest_never_verifies(bit):
    curve, key, _, digest, signature = _leaf_case()
    if bit < 8 * 128:
        signature = _flip(signature, bit)
    else:
        digest = _flip(digest, bit - 8 * 128)
    assert not g.verify(curve, key, digest, signature)


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=300))
def test_garbage_spki_raises_only_typed_errors(data):
    with pytest.raises(g.GostError):
        g.public_key_from_spki(data)


@needs_nca
@settings(max_examples=150, deadline=None)
@given(position=st.integers(min_value=0, max_value=400), value=st.integers(min_value=0, max_value=255))
def test_mangled_spki_raises_only_typed_errors_or_decodes(position, value):
    spki = bytearray(asn1_x509.Certificate.load(_read(CA))["tbs_certificate"]["subject_public_key_info"].dump())
    spki[position % len(spki)] = value
    try:
        curve, key = g.public_key_from_spki(bytes(spki))
    except g.GostError:
        return
    g.check_public_key(curve, key)


@settings(max_examples=200, deadline=None)
@given(
    r=st.integers(min_value=0, max_value=(1 << 512) - 1),
    s=st.integers(min_value=0, max_value=(1 << 512) - 1),
    e=st.binary(min_size=64, max_size=64),
)
def test_random_signatures_do_not_verify(r, s, e):
    curve = RFC_CURVE_512
    key = (RFC_EXAMPLE_512["qx"], RFC_EXAMPLE_512["qy"])
    assert not g.verify(curve, key, e, _encode(curve, r, s))
