"""RFC 3161 timestamp tokens carried by a CMS signature (the ``signatureTimeStampToken`` unsigned attribute).

NCA's TSA (and NCALayer with a ``tsaProfile``, Kalkan with its TSP option) put a token in the signer's
unsigned attributes: a CMS SignedData whose content is a TSTInfo, signed by a timestamping authority, whose
messageImprint is the hash of the signer's signature value (RFC 3161, appendix A). A sound token proves the
signature existed at its genTime, so the signer's certificate is judged at that time instead of at receipt.

`verify_token(token, signature_value, anchors=…, intermediates=…, now=…)` checks, and raises `TimestampError`
(``reason`` "timestamp_invalid" or "timestamp_untrusted") at the first that fails:

1. a DER SignedData of content type id-ct-TSTInfo carrying its content, with one SignerInfo with signed
   attributes (contentType = id-ct-TSTInfo, messageDigest = the content's hash);
2. the TSTInfo's messageImprint is the hash (SHA-256/384/512, Streebog) of ``signature_value``;
3. the TSA's signature over the signed attributes (RSA PKCS#1 v1.5 or GOST 2015, `chains.verify_signed_by`);
4. the TSA certificate (found by the sid among the token's certificates) has the timeStamping extended key
   usage, and chains to `anchors` at genTime (``timestamp_untrusted`` otherwise);
5. genTime is not after ``now`` (plus a minute of clock skew).

The TSA's revocation is not checked (its CRL is not among those an admin imports today): written down as a
limit in the README.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from asn1crypto import cms

from app.nca.certificates import NcaCertificate, UnsupportedAlgorithm, parse_certificate
from app.nca.chains import ChainError, SignedData, build_chain, verify_signed_by
from app.nca.der import named_certificate, signed_attributes_set
from app.nca.streebog import streebog256, streebog512

TIME_STAMPING = "1.3.6.1.5.5.7.3.8"
TST_INFO = "1.2.840.113549.1.9.16.1.4"
CLOCK_SKEW = timedelta(minutes=1)
_HASHES = {
    "2.16.840.1.101.3.4.2.1": lambda data: hashlib.sha256(data).digest(),
    "2.16.840.1.101.3.4.2.2": lambda data: hashlib.sha384(data).digest(),
    "2.16.840.1.101.3.4.2.3": lambda data: hashlib.sha512(data).digest(),
    "1.2.398.3.10.1.3.3": streebog512,
    "1.2.398.3.10.1.3.2": streebog256,
}
_RSA_ENCRYPTION = "1.2.840.113549.1.1.1"
_RSA_WITH = {"2.16.840.1.101.3.4.2.1": "1.2.840.113549.1.1.11", "2.16.840.1.101.3.4.2.2": "1.2.840.113549.1.1.12",
             "2.16.840.1.101.3.4.2.3": "1.2.840.113549.1.1.13"}


class TimestampError(ValueError):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Timestamp:
    gen_time: datetime  # aware, UTC
    tsa: str  # the TSA certificate's subject
    tsa_serial_hex: str
    serial_number: int  # the token's


def _invalid(detail: str) -> TimestampError:
    return TimestampError("timestamp_invalid", detail)


def _hash(algorithm: str, data: bytes) -> bytes:
    function = _HASHES.get(algorithm)
    if function is None:
        raise _invalid(f"hash algorithm {algorithm}")
    return function(data)


def _single(attributes, name: str):
    found = [attribute for attribute in attributes if attribute["type"].native == name]
    if len(found) != 1 or len(found[0]["values"]) != 1:
        raise _invalid(f"the {name} attribute must occur once with one value")
    return found[0]["values"][0]


def verify_token(token: cms.ContentInfo, signature_value: bytes, *, anchors: list[NcaCertificate],
                 intermediates: list[NcaCertificate], now: datetime) -> Timestamp:
    """The time ``token`` vouches for ``signature_value`` (see the module docstring); `TimestampError` if not."""
    try:
        return _verify(token, bytes(signature_value), anchors, intermediates, now)
    except TimestampError:
        raise
    except Exception as exc:  # anything that does not decode
        raise _invalid(f"the token does not decode: {type(exc).__name__}") from exc


def _verify(token, signature_value: bytes, anchors, intermediates, now: datetime) -> Timestamp:
    if token["content_type"].dotted != "1.2.840.113549.1.7.2":
        raise _invalid("not a SignedData")
    signed = token["content"]
    encap = signed["encap_content_info"]
    if encap["content_type"].dotted != TST_INFO or encap["content"].native is None:
        raise _invalid("not a TSTInfo token")
    content = encap["content"].contents  # the TSTInfo DER, as hashed
    tst_info = encap["content"].parsed
    if len(signed["signer_infos"]) != 1:
        raise _invalid("not exactly one SignerInfo")
    signer_info = signed["signer_infos"][0]
    attributes = signer_info["signed_attrs"]
    if attributes.native is None:
        raise _invalid("no signed attributes")
    if _single(attributes, "content_type").dotted != TST_INFO:
        raise _invalid("the contentType attribute is not id-ct-TSTInfo")
    digest_algorithm = signer_info["digest_algorithm"]["algorithm"].dotted
    if _single(attributes, "message_digest").native != _hash(digest_algorithm, content):
        raise _invalid("messageDigest is not the hash of the TSTInfo")
    imprint = tst_info["message_imprint"]
    if imprint["hashed_message"].native != _hash(imprint["hash_algorithm"]["algorithm"].dotted, signature_value):
        raise _invalid("the token is not over this signature")
    carried = [parse_certificate(choice.chosen.dump()) for choice in signed["certificates"] or ()
               if choice.name == "certificate"]
    tsa = _signer(signer_info, signed)
    algorithm = signer_info["signature_algorithm"]["algorithm"].dotted
    if algorithm == _RSA_ENCRYPTION:
        algorithm = _RSA_WITH.get(digest_algorithm, algorithm)
    signed_set = signed_attributes_set(attributes)
    try:
        good = verify_signed_by(SignedData(signed_set, signer_info["signature"].native, algorithm), tsa)
    except UnsupportedAlgorithm as exc:
        raise _invalid(exc.detail) from exc
    if not good:
        raise _invalid("the TSA's signature does not verify")
    gen_time = tst_info["gen_time"].native
    if gen_time > now + CLOCK_SKEW:
        raise _invalid(f"genTime {gen_time} is in the future")
    if TIME_STAMPING not in tsa.extended_key_usage:
        raise TimestampError("timestamp_untrusted", "the token's signer is not a timestamping authority")
    try:
        build_chain(tsa, anchors, [*intermediates, *carried], gen_time)
    except ChainError as exc:
        raise TimestampError("timestamp_untrusted", f"the TSA does not chain to a trusted root: {exc.reason}") from exc
    return Timestamp(gen_time=gen_time, tsa=tsa.subject_dn, tsa_serial_hex=tsa.serial_hex,
                     serial_number=tst_info["serial_number"].native)


def _signer(signer_info, signed) -> NcaCertificate:
    cert = named_certificate(signed, signer_info)
    if cert is None:
        raise _invalid("the token does not carry its TSA's certificate")
    return parse_certificate(cert.dump())
