"""A timestamping authority for the tests: RFC 3161 tokens added to a CMS signature's unsigned attributes.

NCA's TEST material has no TSA key, so this one is made here: an RSA root and a TSA certificate (extended key
usage timeStamping), and `add_timestamp`, which adds a ``signatureTimeStampToken`` over the signer's signature
value to a CMS made by `tests.nca.signer.sign_detached_cms`, as NCA's TSA does for NCALayer and Kalkan.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from asn1crypto import algos, cms, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from app.nca.pki import NcaCertificate, parse_certificate


@dataclass(frozen=True)
class Tsa:
    root: NcaCertificate
    certificate: NcaCertificate
    key: rsa.RSAPrivateKey


def _certificate(subject: str, key, issuer: str, issuer_key, *, ca: bool, usage: list) -> x509.Certificate:
    start = datetime(2020, 1, 1, tzinfo=UTC)
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
               .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(start).not_valid_after(start + timedelta(days=3650))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if usage:
        builder = builder.add_extension(x509.ExtendedKeyUsage(usage), critical=True)
    return builder.sign(issuer_key, hashes.SHA256())


@lru_cache(maxsize=4)
def make_tsa(time_stamping: bool = True) -> Tsa:
    """A root and a TSA certificate under it (without the timeStamping usage when ``time_stamping`` is false)."""
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    root = _certificate("Test TSA Root", root_key, "Test TSA Root", root_key, ca=True, usage=[])
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    usage = [ExtendedKeyUsageOID.TIME_STAMPING] if time_stamping else [ExtendedKeyUsageOID.EMAIL_PROTECTION]
    cert = _certificate("Test TSA", key, "Test TSA Root", root_key, ca=False, usage=usage)
    der = serialization.Encoding.DER
    return Tsa(parse_certificate(root.public_bytes(der)), parse_certificate(cert.public_bytes(der)), key)


def token(tsa: Tsa, imprinted: bytes, gen_time: datetime, *, tamper: str | None = None) -> cms.ContentInfo:
    """An RFC 3161 token of ``gen_time`` over ``imprinted``; ``tamper`` "signature" flips a bit of the TSA's."""
    info = tsp.TSTInfo({
        "version": "v1", "policy": "1.2.398.3.3.2.6.2", "serial_number": 20260901,
        "message_imprint": {"hash_algorithm": {"algorithm": "sha256"},
                            "hashed_message": hashlib.sha256(imprinted).digest()},
        "gen_time": gen_time,
    })
    content = info.dump()
    attributes = cms.CMSAttributes([
        {"type": "content_type", "values": ["tst_info"]},
        {"type": "message_digest", "values": [hashlib.sha256(content).digest()]},
    ])
    signature = tsa.key.sign(attributes.dump(), padding.PKCS1v15(), hashes.SHA256())
    if tamper == "signature":
        signature = bytes([signature[0] ^ 0x01]) + signature[1:]
    cert = asn1_x509.Certificate.load(tsa.certificate.der)
    signer_info = cms.SignerInfo({
        "version": "v1",
        "sid": {"issuer_and_serial_number": {"issuer": cert.issuer, "serial_number": cert.serial_number}},
        "digest_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
        "signed_attrs": attributes,
        "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "sha256_rsa"}),
        "signature": signature,
    })
    signed = cms.SignedData({
        "version": "v3", "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
        "encap_content_info": {"content_type": "tst_info", "content": cms.ParsableOctetString(content)},
        "certificates": [cert], "signer_infos": [signer_info],
    })
    return cms.ContentInfo({"content_type": "signed_data", "content": signed})


def add_timestamp(cms_der: bytes, tsa: Tsa, gen_time: datetime, *, imprinted: bytes | None = None,
                  tamper: str | None = None) -> bytes:
    """``cms_der`` with a timestamp token over its signature value (or over ``imprinted``, to make a wrong one)."""
    info = cms.ContentInfo.load(cms_der)
    signer_info = info["content"]["signer_infos"][0]
    value = signer_info["signature"].native if imprinted is None else imprinted
    signer_info["unsigned_attrs"] = cms.CMSAttributes([
        {"type": "signature_time_stamp_token", "values": [token(tsa, value, gen_time, tamper=tamper)]},
    ])
    return info.dump(force=True)
