"""Encrypted, content-addressed, atomically written file store for issued documents.

Each blob is sealed with AES-256-GCM under a fresh 96-bit nonce; the SHA-256 of the
plaintext (its address) is the associated data, so a file copied or renamed to another
address fails authentication. File names are HMAC-SHA256(key, digest) so that someone
with disk access but without the key cannot test whether a known document is stored.

On disk: ``<root>/<name[:2]>/<name>`` holding ``nonce (12 bytes) || ciphertext+tag``.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import re
import tempfile
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_DIGEST_RE = re.compile(r"[0-9a-f]{64}")
_NONCE_BYTES = 12
_TAG_BYTES = 16
_NAME_CONTEXT = b"pbi-registry document file name v1\x00"


class StorageError(Exception):
    """Base class of the store's errors."""


class StoredFileMissing(StorageError):
    """No file is stored under this digest."""


class StoredFileCorrupted(StorageError):
    """The stored file fails authentication or does not hash to its digest."""


def atomic_write(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    """Write ``data`` to ``path`` so that readers see either the old file or the whole new one.

    The bytes go to a temporary file in the same directory, are flushed and fsynced, and
    the temporary file is renamed over ``path``; on any failure it is removed.
    """
    path = Path(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), mode)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    _fsync_directory(path.parent)


def _fsync_directory(directory: Path) -> None:
    """Make a rename durable; not every file system lets a directory be fsynced."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _check_digest(digest: str) -> str:
    if not isinstance(digest, str) or _DIGEST_RE.fullmatch(digest) is None:
        raise ValueError("a digest must be 64 lowercase hexadecimal characters")
    return digest


class EncryptedStore:
    """Blobs under ``root``, encrypted with the 32-byte ``key`` and addressed by SHA-256."""

    def __init__(self, root: Path, key: bytes) -> None:
        if not isinstance(key, bytes) or len(key) != 32:
            raise ValueError("the storage key must be 32 bytes (AES-256)")
        self.root = Path(root)
        self._aead = AESGCM(key)
        # A separate sub-key for file names, so the same key never serves two purposes.
        self._name_key = hmac.new(key, _NAME_CONTEXT, hashlib.sha256).digest()

    def _path(self, digest: str) -> Path:
        name = hmac.new(self._name_key, _check_digest(digest).encode("ascii"), hashlib.sha256).hexdigest()
        return self.root / name[:2] / name

    def put(self, data: bytes) -> str:
        """Store ``data``; return the SHA-256 hex of it. Storing the same bytes again is a no-op."""
        digest = hashlib.sha256(data).hexdigest()
        path = self._path(digest)
        if path.is_file():
            try:
                self.get(digest)
            except StoredFileCorrupted:
                pass  # replace the damaged copy with a good one
            else:
                return digest
        for directory in (self.root, path.parent):
            directory.mkdir(mode=0o700, exist_ok=True)
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, data, digest.encode("ascii"))
        atomic_write(path, nonce + sealed)
        return digest

    def get(self, digest: str) -> bytes:
        """The plaintext stored under ``digest``, authenticated and hash-checked."""
        path = self._path(digest)
        try:
            blob = path.read_bytes()
        except FileNotFoundError:
            raise StoredFileMissing(f"no stored file for {digest}") from None
        except IsADirectoryError:
            raise StoredFileCorrupted(f"stored file for {digest} is not a regular file") from None
        if len(blob) < _NONCE_BYTES + _TAG_BYTES:
            raise StoredFileCorrupted(f"stored file for {digest} is truncated")
        try:
            data = self._aead.decrypt(blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], digest.encode("ascii"))
        except InvalidTag:
            raise StoredFileCorrupted(f"stored file for {digest} fails authentication") from None
        if not hmac.compare_digest(hashlib.sha256(data).hexdigest(), digest):
            raise StoredFileCorrupted(f"stored file for {digest} does not match its digest")
        return data

    def exists(self, digest: str) -> bool:
        """Whether a file is stored under ``digest`` (not whether it is intact)."""
        return self._path(digest).is_file()
