"""Reading NCA RK key stores (PKCS#12 `.p12` files, RFC 7292): the private key and its certificate.

`read_p12(data, password)` returns a `Pkcs12Contents`: the private key — a `GostPrivateKey` (curve and
scalar d) for a GOST key, a `cryptography` RSA private key for an RSA one — and the certificates as DER,
the end-entity one (the key's certificate) found by its public key.

Why not `cryptography`: it cannot load the GOST private keys (OID 1.2.398.3.10.1.1.2.2) the NCA SDK and
Kalkan put in their `.p12` files, and it no longer has the 40-bit RC2 that protects their certificates.
So the container is read here, its DER parsed with `asn1crypto.core`; the password-based cryptography it
needs is in `app.nca.pkcs12_crypto`.

What it reads
    A PFX version 3 in password-integrity mode (authSafe of type id-data, HMAC with a key from the
    PKCS#12 KDF over SHA-1, SHA-224, SHA-256, SHA-384 or SHA-512). Its AuthenticatedSafe may hold
    id-data and id-encryptedData ContentInfos; bags may be keyBag, pkcs8ShroudedKeyBag, certBag
    (x509Certificate) and nested safeContentsBag; other bags (CRLs, secrets) are skipped. Password-based
    encryption: the PKCS#12 PBE schemes pbeWithSHAAnd3-KeyTripleDES-CBC, …2-KeyTripleDES-CBC,
    …128BitRC2-CBC and …40BitRC2-CBC (RFC 7292, appendix C). The NCA files use 3DES (3 keys) for the key
    bag and 40-bit RC2 for the certificates, 1024 iterations, a SHA-1 MAC. Not read (`UnsupportedPkcs12`):
    PBES2 (AES), RC4, public-key integrity or privacy mode, more than one private key, a key without a
    certificate.

GOST private keys (PKCS#8 PrivateKeyInfo, checked on every NCA TEST key: d·G is the certificate's key)
    GOST R 34.10-2015 (= 2012) 512-bit, algorithm 1.2.398.3.10.1.1.2.2 with parameters SEQUENCE {
    1.2.398.3.10.1.1.2.2.1 (the TC26 512 paramSetA curve), 1.2.398.3.10.1.3.3 (Streebog-512) }: the
    privateKey OCTET STRING holds a DER OCTET STRING of 64 bytes, the scalar d little-endian (the
    RFC 9215 layout; the same byte order as the NCA's public keys and signatures).
    Legacy GOST 34.310-2004 (`GOSTKNCA_*.p12`), algorithm 1.2.398.3.10.1.1.1.1 with parameters
    1.2.398.3.10.1.1.1.1.1 (the CryptoPro A curve): the privateKey OCTET STRING holds a DER INTEGER, d
    as an ordinary (big-endian) integer. It is read (and matched with its certificate), but nothing in
    this project signs or verifies with it: it hashes with GOST 34.311-95, which is out of scope.
    A key is refused unless 0 < d < q and its bit size matches its curve.

RSA keys are PKCS#8 too and loaded with `cryptography` (`load_der_private_key`).

Errors (all `Pkcs12Error`, a ValueError; defined in `app.nca.pkcs12_crypto`, which raises them too)
    `WrongPassword`: the MAC does not verify (a wrong password — or a file altered after it was made:
    the MAC cannot tell the two apart), or, in a file without a MAC, a bag does not decrypt.
    `MalformedPkcs12`: not DER, not a PFX, a structure that does not hold together (a key that does not
    match its certificate, bad padding after a verified MAC…), larger than `MAX_SIZE`, more than
    `MAX_ITERATIONS` iterations. `UnsupportedPkcs12` (a `MalformedPkcs12`): a well-formed PKCS#12 using
    something this module does not implement. Garbage never raises anything else.

Speed (this 2-core machine while a CI run kept both cores busy): an NCA TEST GOST file reads in 25–35 ms
(the key derivations, 1024 SHA-1 iterations per block; RC2 in pure Python over 1.4 KB of certificate; one
scalar multiplication to match the key with its certificate); an RSA file in 80–170 ms, most of it
`cryptography` checking the RSA key as it loads it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from asn1crypto import core
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from app.nca import gost3410
from app.nca.pkcs12_crypto import (
    MAX_ITERATIONS,
    MalformedPkcs12,
    Pkcs12Error,
    UnsupportedPkcs12,
    WrongPassword,
    _AlgorithmIdentifier,
    _der,
    _MacData,
    _pbe_decrypt,
    _verify_mac,
    bmp_password,
    pkcs12_kdf,
    rc2_cbc_decrypt,
)

__all__ = [
    "GOST2004_KEY_OID",
    "MAX_ITERATIONS",
    "MAX_SIZE",
    "GostPrivateKey",
    "MalformedPkcs12",
    "Pkcs12Contents",
    "Pkcs12Error",
    "UnsupportedPkcs12",
    "WrongPassword",
    "bmp_password",
    "pkcs12_kdf",
    "rc2_cbc_decrypt",
    "read_p12",
]

MAX_SIZE = 1 << 20  # bytes: a key store is a few KB; this bounds the pure-Python RC2 work
_MAX_NESTING = 4  # safeContentsBag inside safeContentsBag…

GOST2004_KEY_OID = "1.2.398.3.10.1.1.1.1"  # GOST 34.310-2004, NCA RK (legacy)
_GOST_KEY_BITS = {gost3410.KEY_OID_256: 256, gost3410.KEY_OID_512: 512, GOST2004_KEY_OID: 256}
_RSA_KEY_OID = "1.2.840.113549.1.1.1"


# --- results -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GostPrivateKey:
    """A GOST R 34.10 private key: the scalar d on its curve (d is left out of the repr)."""

    curve: gost3410.Curve
    d: int = field(repr=False)
    algorithm: str  # the key algorithm OID (gost3410.KEY_OID_512, GOST2004_KEY_OID…)
    parameters: str  # the parameter-set OID
    digest: str | None = None  # the digest parameter-set OID, when the key names one

    @property
    def legacy(self) -> bool:
        """A GOST 34.310-2004 key (hashes with GOST 34.311-95, which this project does not implement)."""
        return self.algorithm == GOST2004_KEY_OID

    def public_key(self) -> tuple[int, int]:
        """d·G, affine."""
        point = gost3410.scalar_multiply(self.curve, self.d)
        assert point is not None  # 0 < d < q
        return point


@dataclass(frozen=True)
class Pkcs12Contents:
    """What `read_p12` found: the key, its certificate (DER) and every certificate of the file (DER)."""

    private_key: GostPrivateKey | rsa.RSAPrivateKey
    certificate: bytes
    certificates: tuple[bytes, ...]
    local_key_id: bytes | None = None

    @property
    def kind(self) -> str:
        """'gost' (GOST 2015), 'gost-legacy' (GOST 34.310-2004) or 'rsa'."""
        if isinstance(self.private_key, GostPrivateKey):
            return "gost-legacy" if self.private_key.legacy else "gost"
        return "rsa"


# --- the ASN.1 structures (RFC 7292, RFC 5652, RFC 5208) ---------------------------------------------------


class _EncryptedContentInfo(core.Sequence):
    _fields = [
        ("content_type", core.ObjectIdentifier),
        ("content_encryption_algorithm", _AlgorithmIdentifier),
        ("encrypted_content", core.OctetString, {"implicit": 0, "optional": True}),
    ]


class _EncryptedData(core.Sequence):
    _fields = [
        ("version", core.Integer),
        ("encrypted_content_info", _EncryptedContentInfo),
        ("unprotected_attrs", core.Any, {"implicit": 1, "optional": True}),
    ]


_ID_DATA = "1.2.840.113549.1.7.1"
_ID_ENCRYPTED_DATA = "1.2.840.113549.1.7.6"


class _ContentType(core.ObjectIdentifier):
    _map = {_ID_DATA: "data", _ID_ENCRYPTED_DATA: "encrypted_data"}


class _ContentInfo(core.Sequence):
    _fields = [("content_type", _ContentType), ("content", core.Any, {"explicit": 0, "optional": True})]
    _oid_pair = ("content_type", "content")
    _oid_specs = {"data": core.OctetString, "encrypted_data": _EncryptedData}


class _AuthenticatedSafe(core.SequenceOf):
    _child_spec = _ContentInfo


class _Pfx(core.Sequence):
    _fields = [("version", core.Integer), ("auth_safe", _ContentInfo), ("mac_data", _MacData, {"optional": True})]


class _AttributeValues(core.SetOf):
    _child_spec = core.Any


class _Attribute(core.Sequence):
    _fields = [("type", core.ObjectIdentifier), ("values", _AttributeValues)]


class _Attributes(core.SetOf):
    _child_spec = _Attribute


class _PrivateKeyInfo(core.Sequence):  # RFC 5208 / RFC 5958 (v2 may carry the public key)
    _fields = [
        ("version", core.Integer),
        ("private_key_algorithm", _AlgorithmIdentifier),
        ("private_key", core.OctetString),
        ("attributes", core.Any, {"implicit": 0, "optional": True}),
        ("public_key", core.Any, {"implicit": 1, "optional": True}),
    ]


class _EncryptedPrivateKeyInfo(core.Sequence):
    _fields = [("encryption_algorithm", _AlgorithmIdentifier), ("encrypted_data", core.OctetString)]


_X509_CERTIFICATE = "1.2.840.113549.1.9.22.1"


class _CertBag(core.Sequence):
    _fields = [("cert_id", core.ObjectIdentifier), ("cert_value", core.OctetString, {"explicit": 0})]


_KEY_BAG = "1.2.840.113549.1.12.10.1.1"
_SHROUDED_KEY_BAG = "1.2.840.113549.1.12.10.1.2"
_CERT_BAG = "1.2.840.113549.1.12.10.1.3"
_SAFE_CONTENTS_BAG = "1.2.840.113549.1.12.10.1.6"
_LOCAL_KEY_ID = "1.2.840.113549.1.9.21"


class _BagId(core.ObjectIdentifier):
    _map = {
        _KEY_BAG: "key_bag",
        _SHROUDED_KEY_BAG: "pkcs8_shrouded_key_bag",
        _CERT_BAG: "cert_bag",
        _SAFE_CONTENTS_BAG: "safe_contents",
    }


class _SafeBag(core.Sequence):
    _fields = [
        ("bag_id", _BagId),
        ("bag_value", core.Any, {"explicit": 0}),
        ("bag_attributes", _Attributes, {"optional": True}),
    ]
    _oid_pair = ("bag_id", "bag_value")
    _oid_specs = {}  # filled in below (safe_contents refers to _SafeContents)


class _SafeContents(core.SequenceOf):
    _child_spec = _SafeBag


_SafeBag._oid_specs = {
    "key_bag": _PrivateKeyInfo,
    "pkcs8_shrouded_key_bag": _EncryptedPrivateKeyInfo,
    "cert_bag": _CertBag,
    "safe_contents": _SafeContents,
}


class _GostParameters(core.Sequence):
    _fields = [
        ("public_key_param_set", core.ObjectIdentifier),
        ("digest_param_set", core.ObjectIdentifier, {"optional": True}),
        ("encryption_param_set", core.ObjectIdentifier, {"optional": True}),
    ]


class _GostAlgorithm(core.Sequence):
    _fields = [("algorithm", core.ObjectIdentifier), ("parameters", _GostParameters)]


class _GostSpki(core.Sequence):
    _fields = [("algorithm", _GostAlgorithm), ("subject_public_key", core.OctetBitString)]


# --- reading -----------------------------------------------------------------------------------------------


@dataclass
class _Bag:
    kind: str  # "key" (PrivateKeyInfo DER) or "cert" (certificate DER)
    der: bytes
    local_key_id: bytes | None


def _local_key_id(bag: _SafeBag) -> bytes | None:
    with _der("bag attributes"):
        attributes = bag["bag_attributes"]
        if attributes.native is None:
            return None
        for attribute in attributes:
            if attribute["type"].dotted == _LOCAL_KEY_ID:
                values = attribute["values"]
                if len(values) != 1:
                    raise MalformedPkcs12("localKeyId with other than one value")
                return core.OctetString.load(values[0].dump(), strict=True).native
    return None


def _read_safe_contents(der: bytes, password: bytes, depth: int) -> list[_Bag]:
    if depth > _MAX_NESTING:
        raise UnsupportedPkcs12("safeContentsBag nested too deep")
    bags: list[_Bag] = []
    with _der("SafeContents"):
        contents = _SafeContents.load(der, strict=True)
        count = len(contents)
    for n in range(count):
        with _der(f"SafeBag {n}"):
            bag = contents[n]
            bag_id = bag["bag_id"].dotted
            value = bag["bag_value"]
        local_key_id = _local_key_id(bag)
        if bag_id == _KEY_BAG:
            with _der("keyBag"):
                bags.append(_Bag("key", value.untag().dump(), local_key_id))
        elif bag_id == _SHROUDED_KEY_BAG:
            with _der("pkcs8ShroudedKeyBag"):
                algorithm = value["encryption_algorithm"]
                ciphertext = value["encrypted_data"].native
            plain = _pbe_decrypt(algorithm, ciphertext, password, "the private key bag")
            bags.append(_Bag("key", plain, local_key_id))
        elif bag_id == _CERT_BAG:
            with _der("certBag"):
                cert_id = value["cert_id"].dotted
                cert_der = value["cert_value"].native
            if cert_id != _X509_CERTIFICATE:
                continue  # an SDSI certificate: nothing of ours
            bags.append(_Bag("cert", cert_der, local_key_id))
        elif bag_id == _SAFE_CONTENTS_BAG:
            with _der("safeContentsBag"):
                nested = value.untag().dump()
            bags += _read_safe_contents(nested, password, depth + 1)
        # CRL, secret and unknown bags: skipped
    return bags


def _decode_private_key(der: bytes) -> GostPrivateKey | rsa.RSAPrivateKey:
    with _der("PrivateKeyInfo"):
        info = _PrivateKeyInfo.load(der, strict=True)
        algorithm = info["private_key_algorithm"]["algorithm"].dotted
        parameters = info["private_key_algorithm"]["parameters"]
        private_key = info["private_key"].native
    if algorithm in _GOST_KEY_BITS:
        return _decode_gost_key(algorithm, parameters, private_key)
    if algorithm == _RSA_KEY_OID:
        try:
            key = serialization.load_der_private_key(der, password=None)
        except (ValueError, TypeError) as exc:
            raise MalformedPkcs12(f"RSA PrivateKeyInfo: {exc}") from exc
        if not isinstance(key, rsa.RSAPrivateKey):  # pragma: no cover - cryptography keeps the OID's type
            raise MalformedPkcs12("RSA PrivateKeyInfo that is not an RSA key")
        return key
    raise UnsupportedPkcs12(f"private key algorithm {algorithm}")


def _decode_gost_key(algorithm: str, parameters: core.Any, private_key: bytes) -> GostPrivateKey:
    with _der("GOST key parameters"):
        if parameters.native is None:
            raise UnsupportedPkcs12("GOST private key without its parameter set")
        params = _GostParameters.load(parameters.dump(), strict=True)
        params_oid = params["public_key_param_set"].dotted
        digest_oid = params["digest_param_set"].dotted if params["digest_param_set"].native is not None else None
    try:
        curve = gost3410.curve_for(params_oid)
    except gost3410.UnsupportedParameters as exc:
        raise UnsupportedPkcs12(str(exc)) from exc
    if curve.bits != _GOST_KEY_BITS[algorithm]:
        raise MalformedPkcs12(f"{algorithm} is a {_GOST_KEY_BITS[algorithm]}-bit key, {curve.name} is not")
    with _der("GOST private key"):
        inner = core.load(private_key, strict=True)
        if isinstance(inner, core.OctetString):  # GOST 2015: d little-endian, curve.size bytes
            if len(inner.native) != curve.size:
                raise MalformedPkcs12(f"a {curve.bits}-bit GOST private key has {curve.size} bytes")
            d = int.from_bytes(inner.native, "little")
        elif isinstance(inner, core.Integer):  # GOST 34.310-2004 (and CryptoPro): an INTEGER
            d = inner.native
        else:
            raise MalformedPkcs12(f"GOST private key as {type(inner).__name__}")
    if not 0 < d < curve.q:
        raise MalformedPkcs12("GOST private key out of range")
    return GostPrivateKey(curve=curve, d=d, algorithm=algorithm, parameters=params_oid, digest=digest_oid)


def _certificate_public_key(cert_der: bytes) -> tuple[str, object]:
    """The certificate's key algorithm and key: ('gost', (curve, (x, y))), ('rsa', numbers) or (oid, None)."""
    with _der("certificate"):
        cert = asn1_x509.Certificate.load(cert_der, strict=True)
        spki = cert["tbs_certificate"]["subject_public_key_info"]
        algorithm = spki["algorithm"]["algorithm"].dotted
        spki_der = spki.dump()
    if algorithm in _GOST_KEY_BITS:
        with _der("GOST SubjectPublicKeyInfo"):
            parsed = _GostSpki.load(spki_der, strict=True)
            params_oid = parsed["algorithm"]["parameters"]["public_key_param_set"].dotted
            octets = core.OctetString.load(parsed["subject_public_key"].native, strict=True).native
        try:
            curve = gost3410.curve_for(params_oid)
            return "gost", (curve, gost3410.decode_public_key(curve, octets))
        except gost3410.GostError as exc:
            raise MalformedPkcs12(f"certificate GOST key: {exc}") from exc
    if algorithm == _RSA_KEY_OID:
        try:
            public = serialization.load_der_public_key(spki_der)
        except (ValueError, TypeError) as exc:
            raise MalformedPkcs12(f"certificate RSA key: {exc}") from exc
        if isinstance(public, rsa.RSAPublicKey):
            return "rsa", public.public_numbers()
    return algorithm, None


def _matches(key: GostPrivateKey | rsa.RSAPrivateKey, cert_der: bytes, public: list) -> bool:
    kind, value = _certificate_public_key(cert_der)
    if isinstance(key, GostPrivateKey):
        if kind != "gost":
            return False
        curve, point = value
        if curve != key.curve:
            return False
        if not public:
            public.append(key.public_key())
        return point == public[0]
    return kind == "rsa" and value == key.public_key().public_numbers()


def read_p12(data: bytes, password: str) -> Pkcs12Contents:
    """Read an NCA (or any password-mode, PKCS#12-PBE) `.p12`: the key, its certificate and the others.

    Raises `WrongPassword`, `MalformedPkcs12` or `UnsupportedPkcs12` (all `Pkcs12Error`, a ValueError);
    TypeError if data is not bytes or the password not a str.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"PKCS#12 data is bytes, not {type(data).__name__}")
    data = bytes(data)
    pw = bmp_password(password)
    if len(data) > MAX_SIZE:
        raise MalformedPkcs12(f"{len(data)} bytes: larger than a key store ({MAX_SIZE})")
    with _der("not a DER PFX"):
        pfx = _Pfx.load(data, strict=True)
        version = pfx["version"].native
        auth_safe_type = pfx["auth_safe"]["content_type"].dotted
    if version != 3:
        raise UnsupportedPkcs12(f"PFX version {version}, not 3")
    if auth_safe_type != _ID_DATA:
        raise UnsupportedPkcs12(f"authSafe of type {auth_safe_type}: public-key integrity mode")
    with _der("authSafe"):
        auth_safe = pfx["auth_safe"]["content"].native
        mac_data = pfx["mac_data"]
        has_mac = mac_data.native is not None
        if not isinstance(auth_safe, bytes):
            raise MalformedPkcs12("authSafe without content")
    if has_mac:
        _verify_mac(mac_data, auth_safe, pw)
    with _der("AuthenticatedSafe"):
        safe = _AuthenticatedSafe.load(auth_safe, strict=True)
        count = len(safe)
    bags: list[_Bag] = []
    for n in range(count):
        with _der(f"AuthenticatedSafe item {n}"):
            info = safe[n]
            content_type = info["content_type"].dotted
            if content_type not in (_ID_DATA, _ID_ENCRYPTED_DATA):
                raise UnsupportedPkcs12(f"AuthenticatedSafe item of type {content_type}")
            content = info["content"]
            if content_type == _ID_DATA:
                plain = content.native
                algorithm = ciphertext = None
            else:
                encrypted = content["encrypted_content_info"]
                if encrypted["content_type"].dotted != _ID_DATA:
                    raise MalformedPkcs12("EncryptedData of something else than id-data")
                algorithm = encrypted["content_encryption_algorithm"]
                ciphertext = encrypted["encrypted_content"].native
            if content_type == _ID_ENCRYPTED_DATA and ciphertext is None:
                raise MalformedPkcs12("EncryptedData without its content")
        if algorithm is not None:
            plain = _pbe_decrypt(algorithm, ciphertext, pw, "the certificate bag")
        if not isinstance(plain, bytes):
            raise MalformedPkcs12("id-data item without content")
        try:
            bags += _read_safe_contents(plain, pw, 0)
        except MalformedPkcs12 as exc:
            if algorithm is not None and not has_mac and not isinstance(exc, UnsupportedPkcs12):
                raise WrongPassword(f"the decrypted bag is not DER: wrong password? ({exc})") from exc
            raise
    keys = [bag for bag in bags if bag.kind == "key"]
    certificates = [bag for bag in bags if bag.kind == "cert"]
    if not keys:
        raise UnsupportedPkcs12("no private key in the PKCS#12 file")
    if len(keys) > 1:
        raise UnsupportedPkcs12(f"{len(keys)} private keys in the PKCS#12 file")
    (key_bag,) = keys
    try:
        key = _decode_private_key(key_bag.der)
    except MalformedPkcs12 as exc:
        if not has_mac and not isinstance(exc, UnsupportedPkcs12):
            raise WrongPassword(f"the decrypted key is not DER: wrong password? ({exc})") from exc
        raise
    # The key's certificate: those with its localKeyId first, and it must carry the key's public key.
    ordered = sorted(
        certificates, key=lambda bag: not (key_bag.local_key_id and bag.local_key_id == key_bag.local_key_id)
    )
    public: list = []
    for bag in ordered:
        if _matches(key, bag.der, public):
            return Pkcs12Contents(
                private_key=key,
                certificate=bag.der,
                certificates=tuple(b.der for b in certificates),
                local_key_id=key_bag.local_key_id,
            )
        if key_bag.local_key_id and bag.local_key_id == key_bag.local_key_id:
            raise MalformedPkcs12("the certificate with the key's localKeyId does not carry its public key")
    raise UnsupportedPkcs12("no certificate in the PKCS#12 file carries the private key's public key")
