"""Backups of one instance: the database, the encrypted file store and the department's keys.

A backup is a directory (0700; every file 0600)::

    database/app.sqlite    SQLite: an online copy made with SQLite's backup API (one snapshot)
    database/app.pgdump    PostgreSQL: ``pg_dump --format=custom`` (one snapshot)
    storage/…              the encrypted files of instance/storage/ (evidence and signed PDFs)
    keys/…                 instance/keys/ (private keys stay encrypted with PBI_KEY_PASSPHRASE)
    manifest.json          written last: every file's path, size and SHA-256, the migration
                           head of the code and of the database, the creation time

The copy is made while the app keeps serving. The database is copied first, then the
files: stored files are content-addressed and never change once written (a write is a
rename of a complete temporary file), and a filing stores its files before it commits, so
every file the database snapshot refers to is already on disk when the files are copied.
A file stored after the snapshot is copied too, harmlessly. Key files are copied with
``current`` first, so the signing certificate it names is always in the copy.

Neither ``instance/config.py`` (the secret key, in development the key passphrase) nor
the passphrase is in a backup: keep them apart from it. Restoring checks, before anything
is changed, that the manifest matches every file and that the configured passphrase opens
the backup's keys.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from app.documents.storage import atomic_write
from app.extensions import db
from app.timeutil import utcnow

FORMAT = "pbi-backup-1"
MANIFEST = "manifest.json"
DATABASE_FILES = {"sqlite": "database/app.sqlite", "postgresql": "database/app.pgdump"}
PARTS = ("database", "storage", "keys")
_TEMPORARY = re.compile(r"^\..+\.tmp$")  # atomic_write's temporary names: never a finished file
_CHUNK = 1 << 20


class BackupError(Exception):
    """A backup cannot be made or restored; the message says why (nothing was changed)."""


@dataclass(frozen=True)
class Entry:
    path: str  # relative, POSIX separators
    size: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    created_at: str
    backend: str
    migration_head: str | None
    database_revision: str | None
    files: tuple[Entry, ...]

    @property
    def total_bytes(self) -> int:
        return sum(entry.size for entry in self.files)


# --- where things are ----------------------------------------------------------------------

def backend() -> str:
    name = db.engine.dialect.name
    if name not in DATABASE_FILES:
        raise BackupError(f"backups support SQLite and PostgreSQL, not {name}")
    return name


def instance_dir() -> Path:
    return Path(current_app.instance_path)


def _sqlite_path() -> Path:
    path = db.engine.url.database
    if not path or path == ":memory:" or path.startswith("file:"):
        raise BackupError("the SQLite database must be a file to be backed up or restored")
    return Path(path)


def _libpq_target() -> tuple[str, dict[str, str]]:
    """A libpq URL without the password, and the environment that carries the password."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name)
                      if p.parent.name.isdigit() else 0, reverse=True)  # Debian's, newest first
    path = shutil.which(name) or shutil.which(name, path=os.pathsep.join(str(p) for p in versions))
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return path


def app_version() -> str | None:
    """The release (``version`` in pyproject.toml), if the source tree has it."""
    import tomllib

    from app import PROJECT_ROOT

    try:
        with open(Path(PROJECT_ROOT) / "pyproject.toml", "rb") as handle:
            return str(tomllib.load(handle)["project"]["version"])
    except (OSError, KeyError, ValueError):
        return None


def migration_head() -> str | None:
    """The newest migration of this code (what ``flask db upgrade`` brings a database to)."""
    from alembic.script import ScriptDirectory

    directory = current_app.extensions["migrate"].directory
    heads = ScriptDirectory(directory).get_heads()
    return heads[0] if len(heads) == 1 else None


def database_revision() -> str | None:
    """The migration the database says it is at (``None``: made without Alembic, e.g. in tests)."""
    if not inspect(db.engine).has_table("alembic_version"):
        return None
    return db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()


@contextlib.contextmanager
def maintenance_lock() -> Iterator[None]:
    """One backup or retention run per instance at a time (so no file is removed mid-copy)."""
    folder = instance_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    with open(folder / ".maintenance.lock", "a+b") as handle:
        os.fchmod(handle.fileno(), 0o600)
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BackupError("another backup, restore or retention run is in progress") from None
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


# --- files ---------------------------------------------------------------------------------

def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _hash_file(path: Path) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _copy_file(source: Path, target: Path) -> tuple[int, str]:
    """Copy ``source`` to a new 0600 file ``target`` (fsynced); the size and SHA-256 of what was written."""
    for folder in reversed(target.parents):  # (mkdir's parents=True ignores the mode)
        if not folder.exists():
            folder.mkdir(mode=0o700)
    digest, size = hashlib.sha256(), 0
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with open(source, "rb") as reader, os.fdopen(fd, "wb") as writer:
        while chunk := reader.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            writer.write(chunk)
        writer.flush()
        os.fsync(writer.fileno())
    return size, digest.hexdigest()


def _files_under(root: Path, *, first: str | None = None) -> list[Path]:
    """Regular files under ``root`` (relative), sorted, ``first`` before the others; no temporaries."""
    if not root.is_dir():
        return []
    found = []
    for folder, directories, names in os.walk(root):
        directories.sort()
        for name in sorted(names):
            path = Path(folder) / name
            if _TEMPORARY.match(name) or name == ".lock" or not path.is_file() or path.is_symlink():
                continue
            found.append(path.relative_to(root))
    return sorted(found, key=lambda p: (str(p) != first, str(p)))


# --- create --------------------------------------------------------------------------------

def prepare_target(target: Path) -> Path:
    """``target`` made (0700) or found empty; BackupError if it holds anything."""
    target = Path(target).absolute()
    if target.resolve().is_relative_to(instance_dir().resolve()):
        raise BackupError(f"{target} is inside the instance folder: a backup must be kept apart from what it copies")
    if target.exists():
        if not target.is_dir() or any(target.iterdir()):
            raise BackupError(f"{target} exists and is not an empty directory")
    else:
        if not target.parent.is_dir():
            raise BackupError(f"{target.parent} does not exist")
        target.mkdir(mode=0o700)
    os.chmod(target, 0o700)
    return target


def discard(target: Path) -> None:
    """Remove what an unfinished :func:`create_backup` wrote into ``target`` (empty before)."""
    for child in Path(target).iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


def _dump_sqlite(target: Path) -> None:
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    source = sqlite3.connect(_sqlite_path(), timeout=30)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # one read snapshot: writers in WAL mode go on meanwhile
        copy.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
        result = copy.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        copy.close()
        source.close()
    if result != "ok":
        raise BackupError(f"the copy of the database fails SQLite's integrity check: {result}")
    _fsync(target)


def _dump_postgresql(target: Path) -> None:
    url, env = _libpq_target()
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    result = subprocess.run(  # noqa: S603 (pg_dump with our own configuration)
        [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={target}",
         f"--dbname={url}"], env=env, capture_output=True, text=True, check=False, timeout=24 * 3600)
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.strip()[-500:]}")
    _fsync(target)


def create_backup(target: Path) -> Manifest:
    """Copy the database, the stored files and the keys into the empty directory ``target``.

    The caller has committed its own writes (the audit of this backup) before: the
    database copy is a snapshot taken now. ``manifest.json`` is written last, so a backup
    without it is incomplete.
    """
    kind = backend()
    revision = database_revision()
    db.session.rollback()  # end this session's read: the copy takes its own snapshot
    entries: list[Entry] = []
    database_file = target / DATABASE_FILES[kind]
    database_file.parent.mkdir(mode=0o700)
    (_dump_sqlite if kind == "sqlite" else _dump_postgresql)(database_file)
    entries.append(Entry(DATABASE_FILES[kind], *_hash_file(database_file)))
    for part, first in (("storage", None), ("keys", "current")):
        source = instance_dir() / part
        for relative in _files_under(source, first=first):
            size, digest = _copy_file(source / relative, target / part / relative)
            entries.append(Entry(f"{part}/{relative.as_posix()}", size, digest))
    manifest = Manifest(created_at=utcnow().isoformat(timespec="seconds") + "Z", backend=kind,
                        migration_head=migration_head(), database_revision=revision, files=tuple(entries))
    atomic_write(target / MANIFEST, _manifest_json(manifest).encode("utf-8"))
    return manifest


def _manifest_json(manifest: Manifest) -> str:
    return json.dumps({
        "format": FORMAT, "created_at": manifest.created_at, "app_version": app_version(),
        "backend": manifest.backend,
        "migration_head": manifest.migration_head, "database_revision": manifest.database_revision,
        "files": [{"path": e.path, "size": e.size, "sha256": e.sha256} for e in manifest.files],
    }, indent=1, ensure_ascii=False) + "\n"
