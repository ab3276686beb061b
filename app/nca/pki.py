"""NCA RK PKI: certificates, roles, chains, CRLs and OCSP — the public API in one place.

The code lives in `app.nca.certificates` (parsing, `role_of`), `app.nca.chains` (`verify_signed_by`,
`build_chain`), `app.nca.revocation` (`parse_crl`, `check_crl`, `revocation_status`) and `app.nca.ocsp`
(`parse_ocsp_response`, `check_ocsp`); their docstrings give the rules and the decisions (revocation time
against the time of use, certificateHold, OCSP responder authorisation). Every refusal is a `PkiError` (a
ValueError) with a stable `reason` code.

Typical use, for a signature made at a trusted time `at`:

    chain = build_chain(parse_certificate(signer_der), anchors, intermediates, at)
    crl = check_crl(parse_crl(crl_der), chain.issuer, now)
    status = revocation_status(chain.leaf, [crl], at)   # GOOD / REVOKED / ON_HOLD / UNKNOWN
    role = role_of(chain.leaf)
"""

from app.nca.certificates import (
    GostPublicKey,
    KeyAlgorithm,
    MalformedData,
    NcaCertificate,
    NcaSubject,
    PkiError,
    Role,
    UnsupportedAlgorithm,
    parse_certificate,
    role_of,
)
from app.nca.chains import (
    Chain,
    ChainError,
    ChainReason,
    Signed,
    SignedData,
    build_chain,
    issuer_matches,
    verify_signed_by,
)
from app.nca.ocsp import (
    OCSP_SIGNING,
    NcaOcspResponse,
    OcspError,
    OcspReason,
    OcspSingleResponse,
    check_ocsp,
    parse_ocsp_response,
)
from app.nca.revocation import (
    CheckedCrl,
    CrlError,
    CrlReason,
    NcaCrl,
    RevocationReason,
    RevocationState,
    RevocationStatus,
    RevokedEntry,
    check_crl,
    parse_crl,
    revocation_status,
)

__all__ = [
    "OCSP_SIGNING",
    "Chain",
    "ChainError",
    "ChainReason",
    "CheckedCrl",
    "CrlError",
    "CrlReason",
    "GostPublicKey",
    "KeyAlgorithm",
    "MalformedData",
    "NcaCertificate",
    "NcaCrl",
    "NcaOcspResponse",
    "NcaSubject",
    "OcspError",
    "OcspReason",
    "OcspSingleResponse",
    "PkiError",
    "RevocationReason",
    "RevocationState",
    "RevocationStatus",
    "RevokedEntry",
    "Role",
    "Signed",
    "SignedData",
    "UnsupportedAlgorithm",
    "build_chain",
    "check_crl",
    "check_ocsp",
    "issuer_matches",
    "parse_certificate",
    "parse_crl",
    "parse_ocsp_response",
    "revocation_status",
    "role_of",
    "verify_signed_by",
]
