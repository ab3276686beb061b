"""NCA RK X.509 certificates: parsing and the role a certificate carries.

Pure functions over bytes, no database, no Flask, no network. Signature checks and chain building, which
work on what this module parses, live in `app.nca.chains`; CRLs in `app.nca.revocation`, OCSP in
`app.nca.ocsp`. `app.nca.pki` re-exports all four.

Parsing (`parse_certificate`): DER, or PEM (the first ``-----BEGIN CERTIFICATE-----`` block, text around it
allowed, as ``openssl pkcs12 -nokeys`` prints it). asn1crypto reads the structure; GOST 2015 keys go through
`gost3410.public_key_from_spki` (checked to be a point of the curve's subgroup), RSA keys through
`cryptography`. Other keys (the legacy GOST 34.310-2004 ones, EC…) parse with ``public_key = None``; a
signature made with them raises `UnsupportedAlgorithm` (in `app.nca.chains`). Everything is read eagerly, so
the later functions never meet a lazily-decoded field: anything that does not decode raises `MalformedData`.

Subject (`NcaSubject`): what NCA puts in the DN. ``serialNumber`` is ``IIN`` + 12 digits, ``OU`` is ``BIN`` +
12 digits for legal entities (returned without the prefix; ``None`` when absent or not of that form). NCA's
``CN`` is "SURNAME NAME", ``SN`` the surname, ``GN`` (givenName) the patronymic. The TEST keys carry the
placeholder numbers 123456789011/012 and 123456789021, which fail the real IIN/BIN checksum: no checksum is
checked here.

Role (`role_of`): from the extended key usage only (NCA's role OIDs, see `Role`); the file names of the TEST
material do not count (``legal_valid_infosystem`` is a treasury client, ``legal_valid_treasury_client`` an
information system).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from asn1crypto import core
from asn1crypto import x509 as asn1_x509
from cryptography.exceptions import UnsupportedAlgorithm as _CryptographyUnsupported
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from app.nca import gost3410

__all__ = [
    "GostPublicKey",
    "KeyAlgorithm",
    "MalformedData",
    "NcaCertificate",
    "NcaSubject",
    "PkiError",
    "Role",
    "UnsupportedAlgorithm",
    "parse_certificate",
    "role_of",
]


# --- errors --------------------------------------------------------------------------------------------------


class PkiError(ValueError):
    """Base of the typed errors of this package: `reason` is a stable code, `detail` a human explanation."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else str(reason))
        self.reason = str(reason)
        self.detail = detail


class MalformedData(PkiError):
    """Bytes that do not decode as the structure asked for (reason ``malformed``)."""

    def __init__(self, detail: str = "") -> None:
        super().__init__("malformed", detail)


class UnsupportedAlgorithm(PkiError):
    """A signature algorithm this package does not verify (reason ``unsupported_algorithm``)."""

    def __init__(self, detail: str = "") -> None:
        super().__init__("unsupported_algorithm", detail)


# --- the parsed certificate ----------------------------------------------------------------------------------


class KeyAlgorithm(StrEnum):
    GOST2015_512 = "gost2015-512"
    GOST2015_256 = "gost2015-256"
    RSA = "rsa"
    GOST2004 = "gost2004"  # GOST 34.310-2004 (previous NCA generation): parsed, not verified
    UNKNOWN = "unknown"


_KEY_ALGORITHMS = {
    gost3410.KEY_OID_512: KeyAlgorithm.GOST2015_512,
    gost3410.KEY_OID_256: KeyAlgorithm.GOST2015_256,
    "1.2.840.113549.1.1.1": KeyAlgorithm.RSA,
    "1.2.398.3.10.1.1.1.1": KeyAlgorithm.GOST2004,
}


@dataclass(frozen=True)
class GostPublicKey:
    curve: gost3410.Curve
    point: tuple[int, int]


class Role(StrEnum):
    FIRST_HEAD = "first_head"  # 1.2.398.3.3.4.1.2.1
    SIGNING_EMPLOYEE = "signing_employee"  # 1.2.398.3.3.4.1.2.2: employee with the right to sign
    EMPLOYEE_WITHOUT_SIGNING_RIGHT = "employee_without_signing_right"  # 1.2.398.3.3.4.1.2.5
    INFORMATION_SYSTEM = "information_system"  # 1.2.398.3.3.4.1.2.6
    TREASURY_CLIENT = "treasury_client"  # 1.2.398.5.19.1.2.2.1
    INDIVIDUAL = "individual"  # 1.2.398.3.3.4.1.1
    UNKNOWN = "unknown"


# In order of precedence: a certificate carrying several role OIDs gets the first one listed here.
_ROLE_OIDS = (
    ("1.2.398.3.3.4.1.2.1", Role.FIRST_HEAD),
    ("1.2.398.3.3.4.1.2.2", Role.SIGNING_EMPLOYEE),
    ("1.2.398.3.3.4.1.2.5", Role.EMPLOYEE_WITHOUT_SIGNING_RIGHT),
    ("1.2.398.3.3.4.1.2.6", Role.INFORMATION_SYSTEM),
    ("1.2.398.5.19.1.2.2.1", Role.TREASURY_CLIENT),
    ("1.2.398.3.3.4.1.1", Role.INDIVIDUAL),
)


@dataclass(frozen=True)
class NcaSubject:
    common_name: str | None
    surname: str | None
    given_name: str | None  # NCA puts the patronymic here
    iin: str | None  # 12 digits, from serialNumber "IIN…"
    bin: str | None  # 12 digits, from OU "BIN…"
    organization: str | None
    country: str | None
    email: str | None
    attributes: tuple[tuple[str, str], ...]  # every (short name or OID, value), in the certificate's order


@dataclass(frozen=True, eq=False)
class NcaCertificate:
    """A parsed certificate. Equal (and hashed) by its DER bytes."""

    der: bytes
    version: int
    serial: int
    subject: NcaSubject
    subject_dn: str  # readable, in the certificate's RDN order ("CN=…, C=KZ"); for display, not for matching
    issuer_dn: str
    subject_name_der: bytes
    issuer_name_der: bytes
    not_before: datetime  # aware, UTC
    not_after: datetime
    key_algorithm: KeyAlgorithm
    key_algorithm_oid: str
    public_key: GostPublicKey | rsa.RSAPublicKey | None
    public_key_bits: bytes  # the subjectPublicKey BIT STRING value (what OCSP's issuerKeyHash hashes)
    signature_algorithm: str  # OID
    tbs: bytes
    signature: bytes
    extended_key_usage: tuple[str, ...]  # OIDs
    key_usage: frozenset[str]  # asn1crypto names: "digital_signature", "key_cert_sign", "crl_sign"…
    subject_key_id: bytes | None
    authority_key_id: bytes | None
    is_ca: bool
    path_length: int | None
    crl_urls: tuple[str, ...]
    delta_crl_urls: tuple[str, ...]  # freshestCRL
    ocsp_urls: tuple[str, ...]
    ca_issuer_urls: tuple[str, ...]
    critical_extensions: tuple[str, ...]  # OIDs
    subject_match: str  # normalised subject / issuer names, what chaining compares
    issuer_match: str

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NcaCertificate) and other.der == self.der

    def __hash__(self) -> int:
        return hash(self.der)

    def __repr__(self) -> str:
        return f"NcaCertificate(serial={self.serial_hex}, subject={self.subject_dn!r})"

    @property
    def serial_hex(self) -> str:
        text = format(self.serial, "x")
        return text if len(text) % 2 == 0 else "0" + text

    @property
    def self_issued(self) -> bool:
        return self.subject_match == self.issuer_match and (
            self.authority_key_id is None or self.subject_key_id is None or self.authority_key_id == self.subject_key_id
        )

    def valid_at(self, at: datetime) -> bool:
        return self.not_before <= at <= self.not_after


# --- parsing helpers -----------------------------------------------------------------------------------------


def der_from(data: bytes, label: str) -> bytes:
    """DER bytes of `data`: DER as it is, or the first PEM block with that label (text around it allowed)."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise MalformedData(f"expected bytes, not {type(data).__name__}")
    data = bytes(data)
    if data[:1] == b"\x30":
        return data
    marker = label.encode()
    match = re.search(rb"-----BEGIN " + marker + rb"-----([A-Za-z0-9+/=\s]*)-----END " + marker + rb"-----", data)
    if not match:
        raise MalformedData(f"neither DER nor PEM {label}")
    try:
        return base64.b64decode(b"".join(match.group(1).split()), validate=True)
    except ValueError as exc:
        raise MalformedData(f"bad base64 in PEM {label}") from exc


_SHORT_NAMES = {
    "2.5.4.3": "CN",
    "2.5.4.4": "SN",
    "2.5.4.5": "serialNumber",
    "2.5.4.6": "C",
    "2.5.4.7": "L",
    "2.5.4.8": "ST",
    "2.5.4.10": "O",
    "2.5.4.11": "OU",
    "2.5.4.12": "T",
    "2.5.4.15": "businessCategory",
    "2.5.4.42": "GN",
    "0.9.2342.19200300.100.1.1": "UID",
    "0.9.2342.19200300.100.1.25": "DC",
    "1.2.840.113549.1.9.1": "E",
}


def _text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return "#" + value.hex()
    return str(value)


def _escape(value: str) -> str:
    return re.sub(r"([\\,+=])", r"\\\1", value)


def name_parts(name: asn1_x509.Name) -> tuple[tuple[tuple[str, str], ...], ...]:
    """((short name or OID, value), …) per RDN, in order."""
    return tuple(
        tuple((_SHORT_NAMES.get(atv["type"].dotted, atv["type"].dotted), _text(atv["value"].native)) for atv in rdn)
        for rdn in name.chosen
    )


def readable_name(parts: tuple[tuple[tuple[str, str], ...], ...]) -> str:
    return ", ".join("+".join(f"{key}={_escape(value)}" for key, value in rdn) for rdn in parts)


def name_match_key(name: asn1_x509.Name) -> str:
    """The name after RFC 4518 preparation (case, spaces, string types); its DER when that cannot be prepared."""
    try:
        return "prep:" + name.hashable
    except Exception:  # asn1crypto's stringprep refuses some characters
        return "der:" + name.dump().hex()


def utc(value: object, what: str) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise MalformedData(f"{what} is not a date")
    return value.astimezone(UTC)


def _uris(general_names: Iterable[asn1_x509.GeneralName] | None) -> list[str]:
    return [gn.native for gn in general_names or () if gn.name == "uniform_resource_identifier"]


def _distribution_urls(points: asn1_x509.CRLDistributionPoints | None) -> tuple[str, ...]:
    urls: list[str] = []
    for point in points or ():
        name = point["distribution_point"]
        if name.name == "full_name":
            urls += _uris(name.chosen)
    return tuple(dict.fromkeys(urls))


def _subject(parts: tuple[tuple[tuple[str, str], ...], ...]) -> NcaSubject:
    flat = tuple(pair for rdn in parts for pair in rdn)

    def first(key: str) -> str | None:
        return next((value for k, value in flat if k == key), None)

    def prefixed(key: str, prefix: str) -> str | None:
        for k, value in flat:
            if k == key and re.fullmatch(prefix + r"\d{12}", value):
                return value[len(prefix) :]
        return None

    return NcaSubject(
        common_name=first("CN"),
        surname=first("SN"),
        given_name=first("GN"),
        iin=prefixed("serialNumber", "IIN"),
        bin=prefixed("OU", "BIN"),
        organization=first("O"),
        country=first("C"),
        email=first("E"),
        attributes=flat,
    )


def _public_key(algorithm: KeyAlgorithm, spki_der: bytes) -> GostPublicKey | rsa.RSAPublicKey | None:
    if algorithm in (KeyAlgorithm.GOST2015_512, KeyAlgorithm.GOST2015_256):
        try:
            curve, point = gost3410.public_key_from_spki(spki_der)
        except gost3410.GostError as exc:
            raise MalformedData(f"GOST public key: {exc}") from exc
        return GostPublicKey(curve, point)
    if algorithm is KeyAlgorithm.RSA:
        try:
            key = serialization.load_der_public_key(spki_der)
        except (ValueError, _CryptographyUnsupported) as exc:
            raise MalformedData(f"RSA public key: {exc}") from exc
        if not isinstance(key, rsa.RSAPublicKey):
            raise MalformedData("not an RSA public key")
        return key
    return None


_VERSIONS = {"v1": 1, "v2": 2, "v3": 3}


def parse_certificate(data: bytes) -> NcaCertificate:
    """An `NcaCertificate` from DER or PEM bytes; `MalformedData` for anything else."""
    der = der_from(data, "CERTIFICATE")
    try:
        return _parse_certificate(der)
    except PkiError:
        raise
    except Exception as exc:  # asn1crypto raises ValueError, TypeError, KeyError… on damaged DER
        raise MalformedData(f"not a DER certificate: {type(exc).__name__}: {exc}") from exc


def _parse_certificate(der: bytes) -> NcaCertificate:
    cert = asn1_x509.Certificate.load(der, strict=True)
    tbs = cert["tbs_certificate"]
    signature_algorithm = cert["signature_algorithm"]["algorithm"].dotted
    if tbs["signature"]["algorithm"].dotted != signature_algorithm:
        raise MalformedData("inner and outer signature algorithms differ")
    signature = cert["signature_value"].native
    subject_parts = name_parts(tbs["subject"])
    issuer_parts = name_parts(tbs["issuer"])
    spki = tbs["subject_public_key_info"]
    spki_der = spki.dump()
    key_oid = spki["algorithm"]["algorithm"].dotted
    key_algorithm = _KEY_ALGORITHMS.get(key_oid, KeyAlgorithm.UNKNOWN)
    bits = core.Sequence.load(spki_der, strict=True)[1]
    if not isinstance(bits, core.BitString) or bits.contents[:1] != b"\x00":
        raise MalformedData("subjectPublicKey is not a whole-byte BIT STRING")

    extensions = tbs["extensions"]
    critical = tuple(ext["extn_id"].dotted for ext in extensions if ext["critical"].native)
    for ext in extensions:
        _ = ext["extn_value"].parsed  # decode every extension now, not later
    eku = cert.extended_key_usage_value
    ski = cert.key_identifier_value
    aki = cert.authority_key_identifier_value
    constraints = cert.basic_constraints_value
    key_usage = cert.key_usage_value
    aia = cert.authority_information_access_value
    aia_urls: dict[str, list[str]] = {"ocsp": [], "ca_issuers": []}
    for description in aia or ():
        method = description["access_method"].native
        if method in aia_urls:
            aia_urls[method] += _uris([description["access_location"]])
    path_length = constraints["path_len_constraint"].native if constraints else None
    if tbs["version"].native not in _VERSIONS:
        raise MalformedData("unknown certificate version")
    return NcaCertificate(
        der=der,
        version=_VERSIONS[tbs["version"].native],
        serial=tbs["serial_number"].native,
        subject=_subject(subject_parts),
        subject_dn=readable_name(subject_parts),
        issuer_dn=readable_name(issuer_parts),
        subject_name_der=tbs["subject"].dump(),
        issuer_name_der=tbs["issuer"].dump(),
        not_before=utc(tbs["validity"]["not_before"].native, "notBefore"),
        not_after=utc(tbs["validity"]["not_after"].native, "notAfter"),
        key_algorithm=key_algorithm,
        key_algorithm_oid=key_oid,
        public_key=_public_key(key_algorithm, spki_der),
        public_key_bits=bits.contents[1:],
        signature_algorithm=signature_algorithm,
        tbs=tbs.dump(),
        signature=bytes(signature),
        extended_key_usage=tuple(purpose.dotted for purpose in eku or ()),
        key_usage=frozenset(key_usage.native if key_usage else ()),
        subject_key_id=ski.native if ski else None,
        authority_key_id=aki["key_identifier"].native if aki else None,
        is_ca=bool(constraints and constraints["ca"].native),
        path_length=path_length if isinstance(path_length, int) else None,
        crl_urls=_distribution_urls(cert.crl_distribution_points_value),
        delta_crl_urls=_distribution_urls(cert.freshest_crl_value),
        ocsp_urls=tuple(dict.fromkeys(aia_urls["ocsp"])),
        ca_issuer_urls=tuple(dict.fromkeys(aia_urls["ca_issuers"])),
        critical_extensions=critical,
        subject_match=name_match_key(tbs["subject"]),
        issuer_match=name_match_key(tbs["issuer"]),
    )


def role_of(cert: NcaCertificate) -> Role:
    """The NCA role by the extended key usage (the first of `_ROLE_OIDS` present); UNKNOWN if none."""
    purposes = set(cert.extended_key_usage)
    return next((role for oid, role in _ROLE_OIDS if oid in purposes), Role.UNKNOWN)
