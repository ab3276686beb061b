"""A test-only NCALayer stand-in: detached CMS signatures made with the NCA TEST keys (`.p12`).

Not a test file: a helper for the tests (and anything test-side that needs a real-looking NCA signature).
The department never signs: only the tests do, with the public TEST keys of `tests/fixtures/nca/`.

`sign_detached_cms(data, p12_path)` gives the DER of a CMS ContentInfo/SignedData laid out the way NCA's
Kalkan / NCALayer makes a detached CMS signature:

- SignedData version 1; digestAlgorithms { Streebog-512 `1.2.398.3.10.1.3.3` } for a GOST 2015 512-bit key
  (Streebog-256 `1.2.398.3.10.1.3.2` for a 256-bit one), { SHA-256 } for an RSA key;
- encapContentInfo: id-data without eContent (detached);
- certificates: the signer's certificate only (the issuing CA comes from the verifier's trust store);
- one SignerInfo, version 1, sid issuerAndSerialNumber, the same digest algorithm;
- signed attributes, a DER SET OF (sorted by their encodings): contentType (id-data), signingTime
  (UTCTime), messageDigest (the digest of the data), signingCertificateV2 (one ESSCertIDv2: the SHA-256 of
  the signer certificate's DER — hashAlgorithm left out, since SHA-256 is its DEFAULT in RFC 5035 and DER
  omits defaults — and issuerSerial, the certificate's issuer as a directoryName and its serial number).
  With issuerSerial the four sort in exactly that order; without it (`issuer_serial=False`) the shorter
  signingCertificateV2 sorts before a Streebog-512 messageDigest;
- signatureAlgorithm `1.2.398.3.10.1.1.2.3.2` (GOST 2015 512 with Streebog-512; `…2.3.1` for 256) or
  sha256WithRSAEncryption; the signature is over the DER of the signed attributes as a SET (tag 0x31),
  as RFC 5652 5.4 says — for GOST, r‖s little-endian (`app.nca.gost_sign.sign`), for RSA PKCS#1 v1.5;
- every AlgorithmIdentifier (digest and signature) with NULL parameters, the BouncyCastle habit that the
  NCA's own objects show: the TEST certificates and OCSP responses write `1.2.398.3.10.1.1.2.3.2` and
  sha256 with NULL (the TEST CRL leaves them out). `null_parameters=False` leaves them out (RFC 9215's
  rule for GOST, RFC 5754's preference for SHA-256), for a verifier that must take both.

Not confirmed on a real Kalkan CMS (there is none in the fixtures): the NULL parameters (above), and
whether Kalkan's ESSCertIDv2 carries issuerSerial (here it does; `issuer_serial=False` leaves it out).

`tamper` makes a broken one, each breaking one thing only:

- "content": messageDigest is the digest of the data with its last byte changed (the signature over the
  attributes is valid; the data does not match);
- "attributes": after signing, one byte of the signed attributes changes (the last digit of the
  signingTime seconds; messageDigest still matches the data; the signature no longer verifies);
- "signature": the lowest bit of the signature value's first byte is flipped (attributes intact).

`sign_raw(data, p12_path)` gives the bare signature of data: GOST r‖s little-endian over its Streebog
digest, or RSA PKCS#1 v1.5 with SHA-256.

The legacy GOST 34.310-2004 key (`rsa-test/GOSTKNCA_*.p12`) is read by `app.nca.pkcs12` but cannot sign
here (it hashes with GOST 34.311-95, not implemented): `UnsupportedSigningKey`.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from asn1crypto import cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from app.nca import gost_sign
from app.nca.pkcs12 import GostPrivateKey, Pkcs12Contents, read_p12
from app.nca.streebog import streebog256, streebog512

__all__ = [
    "DIGEST_OID_STREEBOG_256",
    "DIGEST_OID_STREEBOG_512",
    "SIGNATURE_OID_GOST_256",
    "SIGNATURE_OID_GOST_512",
    "TAMPER_MODES",
    "TEST_PASSWORD",
    "UnsupportedSigningKey",
    "read_key",
    "sign_detached_cms",
    "sign_raw",
]

DIGEST_OID_STREEBOG_512 = "1.2.398.3.10.1.3.3"
DIGEST_OID_STREEBOG_256 = "1.2.398.3.10.1.3.2"
SIGNATURE_OID_GOST_512 = "1.2.398.3.10.1.1.2.3.2"
SIGNATURE_OID_GOST_256 = "1.2.398.3.10.1.1.2.3.1"
TAMPER_MODES = ("content", "attributes", "signature")
TEST_PASSWORD = "Qwerty12"  # the public password of every NCA TEST key (tests/fixtures/nca/README.md)


class UnsupportedSigningKey(ValueError):
    """A key this stand-in cannot sign with (the legacy GOST 34.310-2004 one)."""


@lru_cache(maxsize=32)
def _read(path: str, password: str) -> Pkcs12Contents:
    return read_p12(Path(path).read_bytes(), password)


def read_key(p12_path, password: str = TEST_PASSWORD) -> Pkcs12Contents:
    """The key and certificate of a `.p12` (cached per path and password)."""
    return _read(str(Path(p12_path).resolve()), password)


def _algorithms(contents: Pkcs12Contents) -> tuple[str, str]:
    """(digest OID, signature OID) for the key of contents."""
    key = contents.private_key
    if isinstance(key, GostPrivateKey):
        if key.legacy:
            raise UnsupportedSigningKey("a GOST 34.310-2004 key signs with GOST 34.311-95, which is not implemented")
        if key.curve.bits == 512:
            return DIGEST_OID_STREEBOG_512, SIGNATURE_OID_GOST_512
        return DIGEST_OID_STREEBOG_256, SIGNATURE_OID_GOST_256
    if isinstance(key, rsa.RSAPrivateKey):
        return "2.16.840.1.101.3.4.2.1", "1.2.840.113549.1.1.11"
    raise UnsupportedSigningKey(f"cannot sign with {type(key).__name__}")  # pragma: no cover


def _digest(digest_oid: str, data: bytes) -> bytes:
    if digest_oid == DIGEST_OID_STREEBOG_512:
        return streebog512(data)
    if digest_oid == DIGEST_OID_STREEBOG_256:
        return streebog256(data)
    return hashlib.sha256(data).digest()


def _sign_bytes(contents: Pkcs12Contents, digest_oid: str, message: bytes) -> bytes:
    key = contents.private_key
    if isinstance(key, GostPrivateKey):
        return gost_sign.sign(key.curve, key.d, _digest(digest_oid, message))
    return key.sign(message, padding.PKCS1v15(), hashes.SHA256())


def sign_raw(data: bytes, p12_path, password: str = TEST_PASSWORD) -> bytes:
    """The bare signature of data with the key of p12_path (GOST: r‖s LE over Streebog; RSA: PKCS#1 v1.5)."""
    contents = read_key(p12_path, password)
    digest_oid, _ = _algorithms(contents)
    return _sign_bytes(contents, digest_oid, bytes(data))


def _signed_attributes(
    content_digest: bytes, certificate: asn1_x509.Certificate, signing_time: datetime, issuer_serial: bool
) -> cms.CMSAttributes:
    ess_cert_id = {"cert_hash": hashlib.sha256(certificate.dump()).digest()}
    if issuer_serial:
        ess_cert_id["issuer_serial"] = tsp.IssuerSerial(
            {
                "issuer": [asn1_x509.GeneralName(name="directory_name", value=certificate.issuer)],
                "serial_number": certificate.serial_number,
            }
        )
    attributes = [
        cms.CMSAttribute({"type": "content_type", "values": ["data"]}),
        cms.CMSAttribute({"type": "signing_time", "values": [cms.Time(name="utc_time", value=signing_time)]}),
        cms.CMSAttribute({"type": "message_digest", "values": [content_digest]}),
        cms.CMSAttribute(
            {
                "type": "signing_certificate_v2",
                "values": [tsp.SigningCertificateV2({"certs": [tsp.ESSCertIDv2(ess_cert_id)]})],
            }
        ),
    ]
    # DER: a SET OF is sorted by the encodings of its elements.
    return cms.CMSAttributes(sorted(attributes, key=lambda attribute: attribute.dump()))


def _utc(signing_time: datetime | None) -> datetime:
    if signing_time is None:
        signing_time = datetime.now(UTC)
    elif signing_time.tzinfo is None:
        signing_time = signing_time.replace(tzinfo=UTC)
    signing_time = signing_time.astimezone(UTC).replace(microsecond=0)
    if not 1950 <= signing_time.year <= 2049:
        raise ValueError("signingTime is a UTCTime: years 1950 to 2049")
    return signing_time


def sign_detached_cms(
    data: bytes,
    p12_path,
    password: str = TEST_PASSWORD,
    *,
    signing_time: datetime | None = None,
    tamper: str | None = None,
    issuer_serial: bool = True,
    null_parameters: bool = True,
) -> bytes:
    """A detached CMS SignedData (DER ContentInfo) over data, signed with the key of p12_path (see above)."""
    if tamper is not None and tamper not in TAMPER_MODES:
        raise ValueError(f"tamper is one of {TAMPER_MODES}, not {tamper!r}")
    data = bytes(data)
    contents = read_key(p12_path, password)
    digest_oid, signature_oid = _algorithms(contents)
    certificate = asn1_x509.Certificate.load(contents.certificate)
    when = _utc(signing_time)

    hashed = data
    if tamper == "content":
        hashed = data[:-1] + bytes([data[-1] ^ 0x01]) if data else b"\x01"
    attributes = _signed_attributes(_digest(digest_oid, hashed), certificate, when, issuer_serial)
    signature = _sign_bytes(contents, digest_oid, attributes.dump())  # the SET (0x31) encoding
    if tamper == "attributes":  # one byte: the last digit of the seconds, e.g. 58 ↔ 59, 50 ↔ 51
        attributes = _signed_attributes(
            _digest(digest_oid, hashed), certificate, when.replace(second=when.second ^ 1), issuer_serial
        )
    elif tamper == "signature":
        signature = bytes([signature[0] ^ 0x01]) + signature[1:]

    def algorithm(cls, oid: str):
        return cls({"algorithm": oid, "parameters": core.Null()} if null_parameters else {"algorithm": oid})

    signer_info = cms.SignerInfo(
        {
            "version": "v1",
            "sid": cms.SignerIdentifier(
                name="issuer_and_serial_number",
                value=cms.IssuerAndSerialNumber(
                    {"issuer": certificate.issuer, "serial_number": certificate.serial_number}
                ),
            ),
            "digest_algorithm": algorithm(cms.DigestAlgorithm, digest_oid),
            "signed_attrs": attributes,
            "signature_algorithm": algorithm(cms.SignedDigestAlgorithm, signature_oid),
            "signature": signature,
        }
    )
    signed_data = cms.SignedData(
        {
            "version": "v1",
            "digest_algorithms": [algorithm(cms.DigestAlgorithm, digest_oid)],
            "encap_content_info": {"content_type": "data"},
            "certificates": [cms.CertificateChoices(name="certificate", value=certificate)],
            "signer_infos": [signer_info],
        }
    )
    return cms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump()
