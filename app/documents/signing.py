"""PAdES signatures with pyHanko, made entirely offline.

Each issued document carries one certification (author) signature:

* SubFilter ``ETSI.CAdES.detached`` (PAdES baseline B-B), SHA-256, ECDSA P-256;
* the signing certificate and its chain up to the root embedded in the CMS;
* an invisible signature field, with ``/Reason``, ``/Location`` and ``/M`` (signing time);
* DocMDP "no changes allowed": the department's documents are final, so a viewer such
  as Adobe Reader flags any later change to the file as breaking the certification.

No timestamp authority, OCSP or CRL is contacted.

pyHanko signs once. Left to itself it signs twice: a dry run to size the ``/Contents``
placeholder, then the real signature, and it reserves 50% more room than the dry run
needed. Here a signer is prepared once per :class:`SigningMaterial` (the key store hands
out the same object until the key changes): the pyHanko signer, and the reservation —
the exact size of this signer's CMS container (its certificates and signed attributes,
measured by one dry run) with the signature value counted at the largest size the key's
algorithm can produce. A signature that still does not fit is never written: pyHanko
refuses it and :func:`sign_pdf` raises :class:`ReservationTooSmall`.

The signed attributes are PAdES's: content type, message digest, and the
signing-certificate-v2 attribute, which depends on the certificate only. pyHanko rebuilds
that one from the certificate for every signature, through asn1crypto, which is most of
the time of a signature; the prepared signer encodes it once and hands pyHanko a fresh,
unparsed copy each time. The attributes are byte for byte those pyHanko makes itself
(``tests/documents/test_fast_issuance.py`` compares them).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import threading
from dataclasses import dataclass

from asn1crypto import cms, tsp
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields, signers
from pyhanko.sign.attributes import CMSAttributeProvider
from pyhanko.sign.general import SigningError, as_signing_certificate_v2
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes, SignedAttributeProviderSpec
from pyhanko_certvalidator.registry import SimpleCertificateStore

from app import asyncsafe
from app.documents.keys import SigningMaterial

DIGEST_ALGORITHM = "sha256"
# Added to the measured container: DER length octets that grow when a length crosses 128 or
# 256 (a few nested structures, one byte each at most) and a margin of a few bytes.
_RESERVE_SLACK = 32
_MAX_PREPARED = 8  # signers kept; the key store makes one per key and process


class SigningFailed(Exception):
    """The PDF could not be signed (unreadable, encrypted or already certified input)."""


class ReservationTooSmall(SigningFailed):
    """The signature did not fit the room reserved for it (a sizing bug); nothing was written."""


def _asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _pyhanko_signer(material: SigningMaterial) -> signers.SimpleSigner:
    key_der = material.key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return signers.SimpleSigner(
        signing_cert=_asn1_cert(material.cert),
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore.from_certs([_asn1_cert(c) for c in material.chain]),
        embed_roots=True,
    )


class _EncodedSigningCertificateV2(CMSAttributeProvider):
    """The signing-certificate-v2 attribute, encoded once; a fresh, unparsed copy each time.

    (asn1crypto copies a parsed value child by child wherever it is placed; an unparsed
    one is copied as its bytes.)
    """

    attribute_type = "signing_certificate_v2"

    def __init__(self, encoded: bytes) -> None:
        self._encoded = encoded

    async def build_attr_value(self, dry_run: bool = False) -> tsp.SigningCertificateV2:
        return tsp.SigningCertificateV2.load(self._encoded)


class _PadesSignedAttributes(SignedAttributeProviderSpec):
    """What pyHanko's CAdES spec provides for a PAdES signature without extra CAdES
    attributes, a signing time (PAdES forbids it) or a content timestamp — the only kind
    :func:`sign_pdf` makes: the signing-certificate-v2 attribute (content type and message
    digest are added by pyHanko itself)."""

    def __init__(self, signing_cert: asn1_x509.Certificate) -> None:
        self._attribute = _EncodedSigningCertificateV2(as_signing_certificate_v2(signing_cert).dump())

    def signed_attr_providers(self, data_digest: bytes, digest_algorithm: str):
        yield self._attribute


def max_signature_size(key: object) -> int:
    """The largest signature value, in bytes, that ``key``'s algorithm produces."""
    if isinstance(key, ec.EllipticCurvePrivateKey):
        # DER Ecdsa-Sig-Value: SEQUENCE { INTEGER r, INTEGER s }, each integer at most the
        # order's length plus a leading zero byte, with a 2-byte header.
        integer = (key.curve.key_size + 7) // 8 + 1 + 2
        body = 2 * integer
        return body + (2 if body < 128 else 3)
    if isinstance(key, rsa.RSAPrivateKey):
        return (key.key_size + 7) // 8
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return 64
    if isinstance(key, ed448.Ed448PrivateKey):
        return 114
    raise SigningFailed(f"unsupported signing key type {type(key).__name__}")


async def _dry_run_container(signer: signers.SimpleSigner) -> cms.ContentInfo:
    """A CMS container as :func:`sign_pdf` makes it, over a dummy digest."""
    return await signer.async_sign(
        hashlib.sha256(b"").digest(), DIGEST_ALGORITHM, dry_run=True, use_pades=True,
        signed_attr_settings=PdfCMSSignedAttributes(signing_time=dt.datetime.now(dt.UTC)),
    )


def reservation_for(material: SigningMaterial) -> int:
    """``bytes_reserved`` for ``material``: room for its CMS container, as hex digits (even).

    Sized from the signer's certificate chain and signed attributes (measured by one dry
    run) and its signature algorithm (the value counted at its maximum size).
    """
    return _reservation(_prepared_signer(material), material)


def _reservation(signer: signers.SimpleSigner, material: SigningMaterial) -> int:
    try:
        container = asyncsafe.run(_dry_run_container(signer))
    except (SigningError, ValueError) as exc:
        raise SigningFailed(f"cannot make a signature with this key: {exc}") from exc
    measured_signature = len(container["content"]["signer_infos"][0]["signature"].native)
    der_bytes = len(container.dump()) - measured_signature + max_signature_size(material.key)
    return 2 * (der_bytes + _RESERVE_SLACK)


def _prepared_signer(material: SigningMaterial) -> signers.SimpleSigner:
    signer = _pyhanko_signer(material)
    signer.signed_attr_prov_spec = _PadesSignedAttributes(signer.signing_cert)
    return signer


@dataclass(frozen=True)
class _Prepared:
    material: SigningMaterial  # held so that id(material) is not reused while cached
    signer: signers.SimpleSigner
    bytes_reserved: int


_prepared: dict[int, _Prepared] = {}
_prepared_lock = threading.Lock()


def _prepare(material: SigningMaterial) -> _Prepared:
    cached = _prepared.get(id(material))
    if cached is not None and cached.material is material:
        return cached
    signer = _prepared_signer(material)
    prepared = _Prepared(material, signer, _reservation(signer, material))
    with _prepared_lock:
        if len(_prepared) >= _MAX_PREPARED:
            _prepared.clear()
        _prepared[id(material)] = prepared
    return prepared


def sign_pdf(
    pdf: bytes,
    signer: SigningMaterial,
    *,
    reason: str,
    location: str,
    field_name: str = "PBI-Department-Signature",
) -> bytes:
    """Return ``pdf`` with an appended PAdES certification signature by ``signer``.

    The signature covers the whole returned file. Raises :class:`SigningFailed` for input
    that is not a readable PDF, is encrypted, or is already certified, and
    :class:`ReservationTooSmall` if the signature outgrew its reserved room. Synchronous
    (pyHanko runs its own event loop; from inside a running loop it runs in a worker thread).
    """
    prepared = _prepare(signer)
    metadata = signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm=DIGEST_ALGORITHM,
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
        certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
        embed_validation_info=False,
        use_pades_lta=False,
    )
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        if writer.security_handler is not None:
            raise SigningFailed("encrypted PDFs are not signed")
        pdf_signer = signers.PdfSigner(metadata, signer=prepared.signer)
        output = asyncsafe.call(pdf_signer.sign_pdf, writer, bytes_reserved=prepared.bytes_reserved)
    except SigningError as exc:
        if "larger than expected" in str(exc):  # pyHanko's refusal to overflow the placeholder
            raise ReservationTooSmall(
                f"the signature does not fit the {prepared.bytes_reserved} hex digits reserved: {exc}"
            ) from exc
        raise SigningFailed(f"cannot sign the PDF: {exc}") from exc
    except (PdfError, ValueError) as exc:
        raise SigningFailed(f"cannot sign the PDF: {exc}") from exc
    return output.getvalue()
