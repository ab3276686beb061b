"""The department's small PKI: a root CA, rotating document-signing certificates, a storage key.

Layout of the key store directory (0700; every file 0600, written atomically)::

    root.key.pem                 root CA private key, PEM, encrypted with the passphrase
    root.cert.pem                root CA certificate
    signing/NNNN-<fp16>.key.pem  each signing key ever issued (encrypted), NNNN = issue order
    signing/NNNN-<fp16>.cert.pem its certificate
    signing/NNNN-<fp16>.chain.pem for a key installed from outside (an NCA RK key, ``keys import-p12``):
                                 its issuers up to their root, which verification then trusts too
    current                      stem ("NNNN-<fp16>") of the current signing certificate
    storage.key                  AES-256 key for documents at rest, sealed with a scrypt-derived key

``current`` is written last, so a store whose ``current`` file exists is complete.

A :class:`KeyStore` keeps what it has read and decrypted (the current signer, the root
certificate) in memory, each keyed by the identity of the files it came from (inode, size,
modification time) and, for the signer, by the stem in ``current``. Every call still looks
at those files — a read of ``current`` and a few ``stat`` calls, no parsing, no decryption —
so a rotation made by another process (``flask keys rotate`` beside a running server), or
any replaced file, is picked up by the next call.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import os
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from app.documents.storage import atomic_write

ROOT_VALIDITY = dt.timedelta(days=3652)  # ~10 years
SIGNING_VALIDITY = dt.timedelta(days=730)  # ~2 years
CLOCK_SKEW = dt.timedelta(minutes=5)  # notBefore is back-dated by this much

ORGANIZATION = "Қазақстан Республикасының Сыбайлас жемқорлыққа қарсы іс-қимыл агенттігі"
UNIT = "Түркістан облысы бойынша Департамент / Департамент по Туркестанской области"
ROOT_COMMON_NAME = "PBI Root CA — Түркістан / Туркестан"

_STORAGE_KEY_MAGIC = b"PBISK1"
_STORAGE_KEY_AAD = b"pbi-registry storage key v1"
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**15, 8, 1
_STEM_RE = re.compile(r"^(\d{4,})-([0-9a-f]{16})$")

T = TypeVar("T")
# What tells one version of a file from another: device, inode, size, modification time (ns).
# Files are only ever replaced by rename (atomic_write), which gives the path a new inode.
FileIdentity = tuple[int, int, int, int]


def _parse_stem(stem: str) -> tuple[int, str]:
    """``"0003-<16 hex>"`` → (3, the fingerprint prefix); KeyStoreError if malformed."""
    match = _STEM_RE.match(stem)
    if match is None:
        raise KeyStoreError(f"malformed signing certificate name {stem!r}")
    return int(match.group(1)), match.group(2)


def fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 of the certificate's DER encoding, lowercase hex."""
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


@dataclass(frozen=True)
class SigningMaterial:
    """What a signer needs: the key, its certificate and the issuer chain up to the root."""

    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    cert: x509.Certificate
    chain: tuple[x509.Certificate, ...]


class KeyStoreError(Exception):
    """The key store is missing, incomplete, corrupt, or the passphrase is wrong."""


def _utc(now: dt.datetime | None) -> dt.datetime:
    if now is None:
        now = dt.datetime.now(dt.UTC)
    elif now.tzinfo is None:
        now = now.replace(tzinfo=dt.UTC)
    return now.astimezone(dt.UTC).replace(microsecond=0)


def _department_name(common_name: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANIZATION),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, UNIT),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


def _key_usage(**granted: bool) -> x509.KeyUsage:
    usages = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
              "key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only")
    return x509.KeyUsage(**{usage: granted.get(usage, False) for usage in usages})


def _make_root(now: dt.datetime) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = _department_name(ROOT_COMMON_NAME)
    not_before = now - CLOCK_SKEW
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_before + ROOT_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _make_signing_cert(
    now: dt.datetime, root_key: ec.EllipticCurvePrivateKey, root: x509.Certificate
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    not_before = now - CLOCK_SKEW
    not_after = min(not_before + SIGNING_VALIDITY, root.not_valid_after_utc)
    if not_after <= now:
        raise KeyStoreError("the root certificate has expired; a new root is needed")
    key = ec.generate_private_key(ec.SECP256R1())
    root_ski = root.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (
        x509.CertificateBuilder()
        .subject_name(_department_name(f"PBI Document Signing {now:%Y-%m-%d}"))
        .issuer_name(root.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(digital_signature=True, content_commitment=True), critical=True)
        # Document Signing (Microsoft's OID) states the purpose, and Adobe accepts it; NSS, which
        # pdfsig uses, checks signers for the e-mail-signer usage, which needs emailProtection
        # whenever an EKU is present. Non-critical, so other verifiers may ignore it.
        .add_extension(
            x509.ExtendedKeyUsage([
                x509.ObjectIdentifier("1.3.6.1.4.1.311.10.3.12"),
                ExtendedKeyUsageOID.EMAIL_PROTECTION,
            ]),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(root_ski), critical=False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256())
    )
    return key, cert


def _derive_wrapping_key(passphrase: bytes, salt: bytes) -> bytes:
    return Scrypt(salt=salt, length=32, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P).derive(passphrase)


class KeyStore:
    """The department's keys in ``directory``, private parts encrypted with ``passphrase``."""

    def __init__(self, directory: Path, passphrase: bytes) -> None:
        if not passphrase:
            raise ValueError("the key store passphrase must not be empty")
        self.directory = Path(directory)
        self._passphrase = bytes(passphrase)
        self._signing_dir = self.directory / "signing"
        self._root_key_path = self.directory / "root.key.pem"
        self._root_cert_path = self.directory / "root.cert.pem"
        self._current_path = self.directory / "current"
        self._storage_key_path = self.directory / "storage.key"
        # (what it was read from, the value): see the module docstring.
        self._cache: dict[str, tuple[object, object]] = {}
        self._cache_lock = threading.Lock()

    # -- public API ------------------------------------------------------------------------
    def exists(self) -> bool:
        """True once :meth:`initialize` has completed in this directory."""
        return self._current_path.is_file() and self._root_cert_path.is_file()

    def initialize(self, *, now: dt.datetime | None = None) -> bool:
        """Create the root, a first signing certificate and the storage key.

        Returns False and changes nothing if the store already exists. ``now`` (default: the
        current time; naive values are taken as UTC) sets the certificates' validity start.
        """
        now = _utc(now)
        self._make_dir(self.directory)
        with self._locked():
            if self.exists():
                return False
            # Leftovers of an initialisation that crashed before writing 'current' were never
            # used; drop them so that every listed signing certificate comes from this root.
            for stale in self._signing_dir.glob("*.pem"):
                stale.unlink()
            root_key, root = _make_root(now)
            self._write_key(self._root_key_path, root_key)
            atomic_write(self._root_cert_path, root.public_bytes(serialization.Encoding.PEM))
            self._write_storage_key(os.urandom(32))
            self._issue_signing_cert(now, root_key, root)
        return True

    def rotate(self, *, now: dt.datetime | None = None) -> x509.Certificate:
        """Issue a new signing key and certificate and make it current; older ones are kept."""
        now = _utc(now)
        with self._locked():
            self._require_initialized()
            root_key, root = self._load_key(self._root_key_path), self.root_certificate()
            if root_key.public_key() != root.public_key():
                raise KeyStoreError("the root key does not belong to the root certificate")
            return self._issue_signing_cert(now, root_key, root)

    def install_signing_key(
        self, key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, cert: x509.Certificate,
        chain: tuple[x509.Certificate, ...],
    ) -> str:
        """Make a key issued elsewhere (with its issuers up to their root) the current signing key.

        The caller checks what the key may sign for (:mod:`app.documents.nca_key`). Older keys and the
        department's own root stay, so every document signed before still verifies. Returns the stem.
        """
        if key.public_key() != cert.public_key():
            raise KeyStoreError("the private key does not belong to the certificate")
        if not chain or chain[-1].issuer != chain[-1].subject:
            raise KeyStoreError("the chain must end with a self-issued root")
        with self._locked():
            self._require_initialized()
            stems = self._stems()
            number = _parse_stem(stems[-1])[0] + 1 if stems else 1
            stem = f"{number:04d}-{fingerprint(cert)[:16]}"
            self._write_key(self._signing_dir / f"{stem}.key.pem", key)
            atomic_write(self._signing_dir / f"{stem}.cert.pem", cert.public_bytes(serialization.Encoding.PEM))
            atomic_write(self._signing_dir / f"{stem}.chain.pem",
                         b"".join(issuer.public_bytes(serialization.Encoding.PEM) for issuer in chain))
            atomic_write(self._current_path, stem.encode("ascii") + b"\n")
        return stem

    def installed_roots(self) -> list[x509.Certificate]:
        """The roots of the keys installed from outside (each chain's last certificate), oldest first."""
        roots: dict[str, x509.Certificate] = {}
        for path in sorted(self._signing_dir.glob("*.chain.pem")):
            try:
                chain = x509.load_pem_x509_certificates(self._read(path))
            except ValueError:
                raise KeyStoreError(f"certificate chain file {path.name} is corrupt") from None
            roots.setdefault(fingerprint(chain[-1]), chain[-1])
        return list(roots.values())

    def current_signer(self) -> SigningMaterial:
        """The current signing key, its certificate and the chain (the root).

        Decrypted once and kept in memory; a new ``current`` (a rotation, also by another
        process) or any change to the files it came from makes the next call load it anew.
        """
        self._require_initialized()
        stem = self._read_current_stem()
        cert_path = self._signing_dir / f"{stem}.cert.pem"
        key_path = self._signing_dir / f"{stem}.key.pem"
        source = (stem, self._identity(cert_path), self._identity(key_path), self._identity(self._root_cert_path))
        return self._cached("signer", source, lambda: self._load_signer(stem, cert_path, key_path))

    def _load_signer(self, stem: str, cert_path: Path, key_path: Path) -> SigningMaterial:
        cert = self._load_cert(cert_path)
        if not fingerprint(cert).startswith(_parse_stem(stem)[1]):
            raise KeyStoreError(f"signing certificate {stem} does not match its file name")
        key = self._load_key(key_path)
        if key.public_key() != cert.public_key():
            raise KeyStoreError(f"signing key {stem} does not belong to its certificate")
        chain_path = self._signing_dir / f"{stem}.chain.pem"
        if chain_path.is_file():  # a key installed from outside: its own issuers
            try:
                chain = tuple(x509.load_pem_x509_certificates(self._read(chain_path)))
            except ValueError:
                raise KeyStoreError(f"certificate chain file {chain_path.name} is corrupt") from None
            return SigningMaterial(key=key, cert=cert, chain=chain)
        return SigningMaterial(key=key, cert=cert, chain=(self.root_certificate(),))

    def root_certificate(self) -> x509.Certificate:
        """The root CA certificate (parsed once; read again when the file changes)."""
        path = self._root_cert_path
        return self._cached("root", self._identity(path), lambda: self._load_cert(path))

    def signing_certificates(self) -> list[x509.Certificate]:
        """Every signing certificate ever issued, oldest first."""
        return [self._load_cert(self._signing_dir / f"{stem}.cert.pem") for stem in self._stems()]

    def storage_key(self) -> bytes:
        """The 32-byte AES-256-GCM key for documents at rest."""
        self._require_initialized()
        blob = self._read(self._storage_key_path)
        header = len(_STORAGE_KEY_MAGIC)
        if len(blob) != header + 16 + 12 + 32 + 16 or not blob.startswith(_STORAGE_KEY_MAGIC):
            raise KeyStoreError("storage key file is corrupt")
        salt, nonce = blob[header : header + 16], blob[header + 16 : header + 28]
        wrapping = _derive_wrapping_key(self._passphrase, salt)
        try:
            return AESGCM(wrapping).decrypt(nonce, blob[header + 28 :], _STORAGE_KEY_AAD)
        except InvalidTag:
            raise KeyStoreError("cannot unseal the storage key: wrong passphrase or corrupt file") from None

    # -- internals -------------------------------------------------------------------------
    @staticmethod
    def _make_dir(path: Path) -> None:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(path, 0o700)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """Serialise writers (several app processes may start at once)."""
        with open(self.directory / ".lock", "a+b") as handle:
            os.chmod(handle.fileno(), 0o600)
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def _cached(self, name: str, source: object, load: Callable[[], T]) -> T:
        """The value cached under ``name`` if it was made from ``source``, else ``load()``'s."""
        entry = self._cache.get(name)
        if entry is not None and entry[0] == source:
            return entry[1]  # type: ignore[return-value]
        value = load()  # raises for a wrong passphrase or a broken file: nothing is cached
        with self._cache_lock:
            self._cache[name] = (source, value)
        return value

    @staticmethod
    def _identity(path: Path) -> FileIdentity:
        try:
            info = path.stat()
        except FileNotFoundError:
            raise KeyStoreError(f"key store file {path.name} is missing") from None
        except OSError as exc:
            raise KeyStoreError(f"cannot read key store file {path.name}: {exc.strerror}") from None
        return info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns

    def _require_initialized(self) -> None:
        if not self.exists():
            raise KeyStoreError(f"key store {self.directory} is not initialised")

    def _stems(self) -> list[str]:
        """Names ("NNNN-<fp16>") of the signing certificates on disk, in issue order."""
        names = (path.name.removesuffix(".cert.pem") for path in self._signing_dir.glob("*.cert.pem"))
        return sorted((name for name in names if _STEM_RE.match(name)), key=lambda n: _parse_stem(n)[0])

    def _read_current_stem(self) -> str:
        stem = self._read(self._current_path).decode("ascii", "replace").strip()
        _parse_stem(stem)
        return stem

    def _issue_signing_cert(
        self, now: dt.datetime, root_key: ec.EllipticCurvePrivateKey, root: x509.Certificate
    ) -> x509.Certificate:
        key, cert = _make_signing_cert(now, root_key, root)
        self._make_dir(self._signing_dir)
        stems = self._stems()
        number = _parse_stem(stems[-1])[0] + 1 if stems else 1
        stem = f"{number:04d}-{fingerprint(cert)[:16]}"
        self._write_key(self._signing_dir / f"{stem}.key.pem", key)
        atomic_write(self._signing_dir / f"{stem}.cert.pem", cert.public_bytes(serialization.Encoding.PEM))
        atomic_write(self._current_path, stem.encode("ascii") + b"\n")
        return cert

    def _write_key(self, path: Path, key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> None:
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(self._passphrase),
        )
        atomic_write(path, pem)

    def _write_storage_key(self, storage_key: bytes) -> None:
        salt, nonce = os.urandom(16), os.urandom(12)
        sealed = AESGCM(_derive_wrapping_key(self._passphrase, salt)).encrypt(
            nonce, storage_key, _STORAGE_KEY_AAD
        )
        atomic_write(self._storage_key_path, _STORAGE_KEY_MAGIC + salt + nonce + sealed)

    @staticmethod
    def _read(path: Path) -> bytes:
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise KeyStoreError(f"key store file {path.name} is missing") from None
        except OSError as exc:
            raise KeyStoreError(f"cannot read key store file {path.name}: {exc.strerror}") from None

    def _load_cert(self, path: Path) -> x509.Certificate:
        try:
            return x509.load_pem_x509_certificate(self._read(path))
        except ValueError:
            raise KeyStoreError(f"certificate file {path.name} is corrupt") from None

    def _load_key(self, path: Path) -> ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey:
        data = self._read(path)
        try:
            key = serialization.load_pem_private_key(data, password=self._passphrase)
        except (ValueError, TypeError):
            raise KeyStoreError(
                f"cannot decrypt private key {path.name}: wrong passphrase or corrupt file"
            ) from None
        if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
            raise KeyStoreError(f"private key {path.name} is neither an EC nor an RSA key")
        return key
