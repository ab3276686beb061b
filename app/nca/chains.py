"""NCA RK certificate signatures and chains: `verify_signed_by` and `build_chain`.

Pure functions, no database, no Flask, no network, over the certificates `app.nca.certificates` parses
(this module builds on it; `app.nca.pki` re-exports both). `verify_signed_by` checks any signed structure
(a certificate, a CRL, an OCSP response, a `SignedData`) against an issuer's key; `build_chain` finds a
valid path from a leaf to a trust anchor.

Chains (`build_chain`): RFC 5280 name chaining (the issuer DN of the child equals the subject DN of the issuer,
compared after asn1crypto's RFC 4518 preparation), narrowed by the key identifiers when both certificates
carry them (AKI of the child = SKI of the issuer). Anchors end a path: a self-signed anchor (a root) has its
own signature checked, an anchor that is an intermediate CA is trusted as it is. Every issuer must be a CA
(basicConstraints cA, keyCertSign if it has a keyUsage; pathLenConstraint honoured) and every certificate of
the path must be valid at `at`. Not checked here: certificate policies, name constraints, unknown critical
extensions (NCA marks none critical besides basicConstraints and keyUsage), revocation (see `revocation`, `ocsp`).
`at` must be a time the caller trusts (its own clock, a timestamp token) and timezone-aware.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from app.nca import gost3410
from app.nca.certificates import GostPublicKey, KeyAlgorithm, NcaCertificate, PkiError, UnsupportedAlgorithm
from app.nca.streebog import streebog256, streebog512

__all__ = [
    "Chain",
    "ChainError",
    "ChainReason",
    "Signed",
    "SignedData",
    "build_chain",
    "issuer_matches",
    "verify_signed_by",
]


# --- errors --------------------------------------------------------------------------------------------------


class ChainReason(StrEnum):
    UNTRUSTED = "untrusted"  # no path from the leaf to an anchor
    EXPIRED = "expired"  # a certificate of the path has notAfter < at
    NOT_YET_VALID = "not_yet_valid"  # a certificate of the path has notBefore > at
    BAD_SIGNATURE = "bad_signature"  # a signature of the path (or a root's self-signature) does not verify
    NOT_A_CA = "not_a_ca"  # an issuer without basicConstraints cA (or without keyCertSign)
    PATH_TOO_LONG = "path_too_long"  # an issuer's pathLenConstraint is exceeded
    UNSUPPORTED_ALGORITHM = "unsupported_algorithm"  # a signature of the path we cannot verify


class ChainError(PkiError):
    """`build_chain` refused: `reason` a `ChainReason`, `certificate` the certificate concerned (if one)."""

    def __init__(self, reason: ChainReason, detail: str = "", certificate: NcaCertificate | None = None) -> None:
        super().__init__(reason, detail)
        self.reason = reason
        self.certificate = certificate


# --- signatures ----------------------------------------------------------------------------------------------


class Signed(Protocol):
    """Anything signed: a certificate, a CRL, an OCSP response, or a `SignedData`."""

    @property
    def tbs(self) -> bytes: ...

    @property
    def signature(self) -> bytes: ...

    @property
    def signature_algorithm(self) -> str: ...


@dataclass(frozen=True)
class SignedData:
    tbs: bytes
    signature: bytes
    signature_algorithm: str  # OID


_GOST_SIGNATURES = {
    gost3410.SIGNATURE_OID_512: (KeyAlgorithm.GOST2015_512, streebog512),
    gost3410.SIGNATURE_OID_256: (KeyAlgorithm.GOST2015_256, streebog256),
}
_RSA_SIGNATURES = {
    "1.2.840.113549.1.1.5": hashes.SHA1,
    "1.2.840.113549.1.1.11": hashes.SHA256,
    "1.2.840.113549.1.1.12": hashes.SHA384,
    "1.2.840.113549.1.1.13": hashes.SHA512,
}


def verify_signed_by(signed: Signed, issuer: NcaCertificate) -> bool:
    """Whether `issuer`'s key made `signed`'s signature over its TBS bytes.

    GOST 2015 (NCA OIDs; Streebog of the TBS, gost3410's byte conventions) and RSA PKCS#1 v1.5 with
    SHA-1/256/384/512. False when the signature does not verify, including a signature of the wrong length
    or an issuer key of another type; `UnsupportedAlgorithm` for any other signature algorithm.
    """
    algorithm = signed.signature_algorithm
    if algorithm not in _GOST_SIGNATURES and algorithm not in _RSA_SIGNATURES:
        raise UnsupportedAlgorithm(f"signature algorithm {algorithm}")
    return _verify(algorithm, bytes(signed.tbs), bytes(signed.signature), issuer)


@lru_cache(maxsize=1024)
def _verify(algorithm: str, tbs: bytes, signature: bytes, issuer: NcaCertificate) -> bool:
    key = issuer.public_key
    if algorithm in _GOST_SIGNATURES:
        key_algorithm, digest = _GOST_SIGNATURES[algorithm]
        if issuer.key_algorithm is not key_algorithm or not isinstance(key, GostPublicKey):
            return False
        try:
            return gost3410.verify(key.curve, key.point, digest(tbs), signature)
        except gost3410.GostError:
            return False
    if not isinstance(key, rsa.RSAPublicKey):
        return False
    try:
        key.verify(signature, tbs, padding.PKCS1v15(), _RSA_SIGNATURES[algorithm]())
    except (InvalidSignature, ValueError):
        return False
    return True


# --- chains --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Chain:
    certificates: tuple[NcaCertificate, ...]  # the leaf first, the anchor last
    at: datetime

    @property
    def leaf(self) -> NcaCertificate:
        return self.certificates[0]

    @property
    def anchor(self) -> NcaCertificate:
        return self.certificates[-1]

    @property
    def issuer(self) -> NcaCertificate | None:
        """The leaf's issuer (None for a chain of the anchor alone)."""
        return self.certificates[1] if len(self.certificates) > 1 else None


def issuer_matches(child: NcaCertificate, issuer: NcaCertificate) -> bool:
    """Name chaining (child's issuer DN = issuer's subject DN), and AKI = SKI when both are present."""
    if child.issuer_match != issuer.subject_match:
        return False
    if child.authority_key_id is None or issuer.subject_key_id is None:
        return True
    return child.authority_key_id == issuer.subject_key_id


def require_aware(at: datetime) -> datetime:
    if not isinstance(at, datetime) or at.tzinfo is None:
        raise TypeError("`at` must be a timezone-aware datetime")
    return at.astimezone(UTC)


def build_chain(
    leaf: NcaCertificate,
    anchors: Iterable[NcaCertificate],
    intermediates: Iterable[NcaCertificate],
    at: datetime,
    *,
    max_length: int = 8,
) -> Chain:
    """A path leaf → … → an anchor, valid at `at`; `ChainError` (a `ChainReason`) if there is none.

    Candidate issuers are the anchors first, then the intermediates. Every path that reaches an anchor is
    checked; the first valid one is returned. If none is valid, the error of the first path that reached an
    anchor is raised (so an expired leaf gives ``expired``, not ``untrusted``); ``untrusted`` if none did.
    """
    at = require_aware(at)
    anchor_list = list(dict.fromkeys(anchors))
    anchor_set = set(anchor_list)
    pool = anchor_list + [c for c in dict.fromkeys(intermediates) if c not in anchor_set]
    failures: list[ChainError] = []

    def extend(path: list[NcaCertificate]) -> Chain | None:
        current = path[-1]
        if current in anchor_set:
            try:
                _check_path(path, at)
            except ChainError as error:
                failures.append(error)
                return None
            return Chain(tuple(path), at)
        if len(path) >= max_length:
            return None
        for candidate in pool:
            if candidate not in path and issuer_matches(current, candidate):
                found = extend([*path, candidate])
                if found is not None:
                    return found
        return None

    chain = extend([leaf])
    if chain is not None:
        return chain
    if failures:
        raise failures[0]
    raise ChainError(ChainReason.UNTRUSTED, f"no path from {leaf.subject_dn!r} to a trust anchor", leaf)


def _signature_holds(child: NcaCertificate, issuer: NcaCertificate) -> None:
    try:
        good = verify_signed_by(child, issuer)
    except UnsupportedAlgorithm as exc:
        raise ChainError(ChainReason.UNSUPPORTED_ALGORITHM, exc.detail, child) from exc
    if not good:
        detail = f"{child.subject_dn!r} is not signed by {issuer.subject_dn!r}"
        raise ChainError(ChainReason.BAD_SIGNATURE, detail, child)


def _check_path(path: list[NcaCertificate], at: datetime) -> None:
    for depth, (child, issuer) in enumerate(itertools.pairwise(path)):
        if not issuer.is_ca or (issuer.key_usage and "key_cert_sign" not in issuer.key_usage):
            raise ChainError(ChainReason.NOT_A_CA, f"{issuer.subject_dn!r} may not issue certificates", issuer)
        # CAs between this issuer and the leaf, not counting self-issued ones (RFC 5280, 6.1.4 (l)).
        below = sum(1 for cert in path[1 : depth + 1] if not cert.self_issued)
        if issuer.path_length is not None and below > issuer.path_length:
            raise ChainError(ChainReason.PATH_TOO_LONG, f"{issuer.subject_dn!r} allows {issuer.path_length}", issuer)
        _signature_holds(child, issuer)
    anchor = path[-1]
    if anchor.self_issued:
        _signature_holds(anchor, anchor)  # a root: its self-signature, once
    for cert in path:
        if at < cert.not_before:
            raise ChainError(ChainReason.NOT_YET_VALID, f"{cert.subject_dn!r} is valid from {cert.not_before}", cert)
        if at > cert.not_after:
            raise ChainError(ChainReason.EXPIRED, f"{cert.subject_dn!r} expired {cert.not_after}", cert)
