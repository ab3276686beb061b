"""Restoring a backup (see :mod:`app.backup.services` for its layout).

Everything is checked before anything is changed: the manifest is well formed, names only
safe relative paths, and every listed file is there with its size and SHA-256 and nothing
else is; the database copy is of the configured backend; the configured passphrase opens
the backup's keys; the target holds nothing (unless ``force``). Then, with the app
stopped, the database is put in place (SQLite: written to a temporary name and renamed;
PostgreSQL: ``pg_restore`` in one transaction), then the keys and the stored files (each
folder built beside its target and renamed over it).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sqlite3
import subprocess
from pathlib import Path, PurePosixPath

from flask import current_app
from sqlalchemy import text

from app.backup.services import (
    DATABASE_FILES,
    FORMAT,
    MANIFEST,
    PARTS,
    BackupError,
    Entry,
    Manifest,
    _copy_file,
    _fsync,
    _hash_file,
    _libpq_target,
    _sqlite_path,
    _tool,
    backend,
    instance_dir,
)
from app.documents.keys import KeyStore, KeyStoreError
from app.extensions import db

_HEX64 = frozenset("0123456789abcdef")


def _damaged(reason: str) -> BackupError:
    return BackupError(f"the backup is damaged or incomplete: {reason}; nothing was restored")


def _safe_path(value: object) -> str:
    if not isinstance(value, str) or not value or "\\" in value or "\x00" in value:
        raise _damaged(f"bad file name {value!r} in the manifest")
    path = PurePosixPath(value)
    if path.is_absolute() or any(part in ("", ".", "..") for part in value.split("/")) \
            or path.parts[0] not in PARTS:
        raise _damaged(f"file name {value!r} in the manifest is outside the backup's folders")
    return value


def _entry(raw: object) -> Entry:
    if not isinstance(raw, dict) or set(raw) != {"path", "size", "sha256"}:
        raise _damaged("a file entry of the manifest is malformed")
    size, digest = raw["size"], raw["sha256"]
    if isinstance(size, bool) or not isinstance(size, int) or size < 0 \
            or not isinstance(digest, str) or len(digest) != 64 or not set(digest) <= _HEX64:
        raise _damaged(f"the entry of {raw.get('path')!r} is malformed")
    return Entry(_safe_path(raw["path"]), size, digest)


def read_manifest(source: Path) -> Manifest:
    try:
        raw = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _damaged(f"no {MANIFEST} (a backup that did not finish has none)") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise _damaged(f"{MANIFEST} cannot be read ({type(exc).__name__})") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT or not isinstance(raw.get("files"), list):
        raise _damaged(f"{MANIFEST} is not a {FORMAT} manifest")
    kind = raw.get("backend")
    if kind not in DATABASE_FILES:
        raise _damaged(f"unknown database backend {kind!r}")
    files = tuple(_entry(item) for item in raw["files"])
    if len({entry.path for entry in files}) != len(files):
        raise _damaged("a file is listed twice")
    if DATABASE_FILES[kind] not in {entry.path for entry in files}:
        raise _damaged("the database copy is not listed")
    return Manifest(created_at=str(raw.get("created_at")), backend=kind,
                    migration_head=raw.get("migration_head"), database_revision=raw.get("database_revision"),
                    files=files)


def verify_backup(source: Path) -> Manifest:
    """The manifest of ``source`` after checking every file against it; BackupError if anything differs."""
    source = Path(source)
    if not source.is_dir():
        raise BackupError(f"{source} is not a directory")
    manifest = read_manifest(source)
    listed = {entry.path for entry in manifest.files}
    for folder, _directories, names in os.walk(source):
        for name in names:
            relative = (Path(folder) / name).relative_to(source).as_posix()
            if relative != MANIFEST and relative not in listed:
                raise _damaged(f"{relative} is not in the manifest")
    for entry in manifest.files:
        path = source / entry.path
        if path.is_symlink() or not path.is_file():
            raise _damaged(f"{entry.path} is missing")
        size, digest = _hash_file(path)
        if size != entry.size or digest != entry.sha256:
            raise _damaged(f"{entry.path} does not match its SHA-256 in the manifest")
    return manifest


def _check_keys(source: Path) -> None:
    passphrase = current_app.config.get("PBI_KEY_PASSPHRASE")
    if not passphrase:
        raise BackupError("PBI_KEY_PASSPHRASE is not set: the backup's keys could not be opened after restoring")
    store = KeyStore(source / "keys", passphrase.encode("utf-8"))
    try:
        store.storage_key()
        store.current_signer()
    except KeyStoreError as exc:
        raise BackupError(f"the configured PBI_KEY_PASSPHRASE does not open the backup's keys ({exc})") from None


def occupied_parts() -> list[str]:
    """Which of database, storage, keys of the configured instance already hold something."""
    occupied = [part for part in ("storage", "keys")
                if (instance_dir() / part).is_dir() and any(p.is_file() for p in (instance_dir() / part).rglob("*")
                                                            if p.name != ".lock")]
    if backend() == "sqlite":
        path = _sqlite_path()
        if path.is_file() and path.stat().st_size > 0:
            with sqlite3.connect(path) as connection:
                tables = connection.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
            if tables:
                occupied.insert(0, "database")
    else:
        tables = db.session.execute(text(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()")).scalar()
        db.session.rollback()
        if tables:
            occupied.insert(0, "database")
    return occupied


def _replace_folder(source: Path, part: str, entries: list[Entry]) -> None:
    """Build instance/<part> from the backup beside it (hashes checked again), then swap it in."""
    target = instance_dir() / part
    staging = instance_dir() / f".restore-{part}-{secrets.token_hex(4)}"
    staging.mkdir(mode=0o700)
    try:
        for entry in entries:
            size, digest = _copy_file(source / entry.path, staging / entry.path.split("/", 1)[1])
            if (size, digest) != (entry.size, entry.sha256):
                raise _damaged(f"{entry.path} changed while it was restored")
        for folder, _directories, _names in os.walk(staging):
            os.chmod(folder, 0o700)
        old = instance_dir() / f".restore-old-{part}-{secrets.token_hex(4)}"
        if target.exists():
            os.replace(target, old)
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _restore_sqlite(copy: Path, entry: Entry) -> None:
    target = _sqlite_path()
    db.session.remove()
    db.engine.dispose()  # no connection of ours keeps the old file open
    temporary = target.with_name(f".{target.name}.restore-{secrets.token_hex(4)}")
    try:
        size, digest = _copy_file(copy, temporary)
        if (size, digest) != (entry.size, entry.sha256):
            raise _damaged(f"{entry.path} changed while it was restored")
        for suffix in ("-wal", "-shm", "-journal"):  # the old file's journal must not meet the new file
            target.with_name(target.name + suffix).unlink(missing_ok=True)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _fsync(target.parent)


def _restore_postgresql(copy: Path, *, clean: bool) -> None:
    url, env = _libpq_target()
    db.session.remove()
    db.engine.dispose()  # our own connection must not hold locks that --clean waits for
    command = [_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
               *(["--clean", "--if-exists"] if clean else []), f"--dbname={url}", str(copy)]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False,  # noqa: S603
                            timeout=24 * 3600)
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed (the database was left as it was): {result.stderr.strip()[-500:]}")


def restore_backup(source: Path, *, force: bool = False) -> Manifest:
    """Verify ``source`` and restore it into the configured instance; BackupError (nothing changed) if refused."""
    source = Path(source).absolute()
    manifest = verify_backup(source)
    kind = backend()
    if manifest.backend != kind:
        raise BackupError(f"the backup holds a {manifest.backend} database but the app is configured for {kind}")
    _check_keys(source)
    occupied = occupied_parts()
    if occupied and not force:
        raise BackupError(f"the target instance is not empty ({', '.join(occupied)}): "
                          "restore with --force to replace it")
    instance_dir().mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(instance_dir(), 0o700)
    # The database first: pg_restore is what most likely fails (in one transaction: then nothing changed).
    entry = next(e for e in manifest.files if e.path == DATABASE_FILES[kind])
    if kind == "sqlite":
        _restore_sqlite(source / entry.path, entry)
    else:
        _restore_postgresql(source / entry.path, clean="database" in occupied)
    for part in ("keys", "storage"):
        _replace_folder(source, part, [e for e in manifest.files if e.path.startswith(part + "/")])
    current_app.extensions.pop("pbi_keystore", None)  # the keys on disk are new
    current_app.extensions.pop("pbi_file_store", None)
    return manifest


__all__ = ["occupied_parts", "read_manifest", "restore_backup", "verify_backup"]
