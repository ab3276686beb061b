"""The department's key store and the encrypted file store of the running app."""

from __future__ import annotations

from pathlib import Path

from cryptography import x509
from flask import current_app

from app.config import ConfigError
from app.documents.keys import KeyStore
from app.documents.storage import EncryptedStore


def _passphrase() -> bytes:
    value = current_app.config.get("PBI_KEY_PASSPHRASE")
    if not value:
        raise ConfigError(
            "PBI_KEY_PASSPHRASE is not set: the department's private keys cannot be opened. "
            "Set it in the environment or in instance/config.py."
        )
    return value.encode("utf-8")


def keystore() -> KeyStore:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    cached = app.extensions.get("pbi_keystore")
    if cached is None:
        cached = KeyStore(Path(app.instance_path) / "keys", _passphrase())
        app.extensions["pbi_keystore"] = cached
    return cached


def file_store() -> EncryptedStore:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    cached = app.extensions.get("pbi_file_store")
    if cached is None:
        cached = EncryptedStore(Path(app.instance_path) / "storage", keystore().storage_key())
        app.extensions["pbi_file_store"] = cached
    return cached


def trust_roots() -> list[x509.Certificate]:
    """Roots our documents chain to: the department's own, and that of any key installed from outside
    (an NCA RK key, ``keys import-p12``), so that documents signed with either verify."""
    store = keystore()
    return [store.root_certificate(), *store.installed_roots()]
