"""PAdES signatures with pyHanko, made entirely offline.

Each issued document carries one certification (author) signature:

* SubFilter ``ETSI.CAdES.detached`` (PAdES baseline B-B), SHA-256, ECDSA P-256;
* the signing certificate and its chain up to the root embedded in the CMS;
* an invisible signature field, with ``/Reason``, ``/Location`` and ``/M`` (signing time);
* DocMDP "no changes allowed": the department's documents are final, so a viewer such
  as Adobe Reader flags any later change to the file as breaking the certification.

No timestamp authority, OCSP or CRL is contacted.
"""

from __future__ import annotations

import io

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko_certvalidator.registry import SimpleCertificateStore

from app import asyncsafe
from app.documents.keys import SigningMaterial

DIGEST_ALGORITHM = "sha256"


class SigningFailed(Exception):
    """The PDF could not be signed (unreadable, encrypted or already certified input)."""


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
    that is not a readable PDF, is encrypted, or is already certified. Synchronous (pyHanko
    runs its own event loop): do not call it from inside a running asyncio loop.
    """
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
        output = asyncsafe.call(signers.PdfSigner(metadata, signer=_pyhanko_signer(signer)).sign_pdf, writer)
    except (PdfError, SigningError, ValueError) as exc:
        raise SigningFailed(f"cannot sign the PDF: {exc}") from exc
    return output.getvalue()
