"""Rate-limit counters shared by every worker of one server, in a small SQLite file.

Flask-Limiter's ``memory://`` storage counts per process: with gunicorn's workers, each
worker keeps its own counts, so "5 failed sign-ins per account" becomes 5 per worker.
The shipped default is therefore :class:`SQLiteStorage`, registered with ``limits`` under
the URI scheme ``pbi-sqlite`` (``pbi-sqlite:///absolute/path/ratelimits.sqlite``) and
pointed by :func:`app.config.finalize` at ``instance/ratelimits.sqlite``. It needs no
extra service and counts across all processes that share the file, i.e. all workers of
one server. Several servers share ``redis://…`` instead (README "Production").

Decisions:

- **Its own file**, never the application's database: a rate-limit write must not wait
  for (or hold up) the application's write lock, and the file can be deleted at any time
  (all it loses is the current windows).
- **WAL, short transactions, a busy timeout.** Every increment is one ``BEGIN IMMEDIATE``
  transaction of one UPSERT (plus, at most once a minute per process, a purge of expired
  rows), so the write lock is held for microseconds and concurrent writers wait for it
  instead of failing. ``synchronous=NORMAL``: a power cut may lose the last counts, which
  only reopens a window early.
- **Fixed window, as in Redis**: a key's window starts at its first hit and lasts the
  limit's period; the counter and its expiry are kept in one row, and an expired row
  counts as absent (reads never need to delete). Only the storage methods of the
  fixed-window strategy (the app's ``RATELIMIT_STRATEGY``) are implemented, so choosing
  another strategy with this storage fails at start, not silently.
- **One connection per thread and process**, reopened after a fork, so a connection is
  never shared across threads or inherited by a gunicorn worker.
- Time is the wall clock (``time.time()``), which all processes of one server share;
  expiries are absolute timestamps, as ``limits`` expects from ``get_expiry``.

Importing this module registers the scheme (``limits`` discovers storages by their
``STORAGE_SCHEME`` attribute); it imports nothing from ``app``.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import urllib.parse

from limits.errors import ConfigurationError
from limits.storage import Storage

SCHEME = "pbi-sqlite"
DEFAULT_FILE_NAME = "ratelimits.sqlite"
DEFAULT_BUSY_TIMEOUT_SECONDS = 10.0
PURGE_INTERVAL_SECONDS = 60.0
# Threads of one process open their connections one at a time (see _connection).
_SETUP_LOCK = threading.Lock()

_SCHEMA = """
CREATE TABLE IF NOT EXISTS rate_limit_counters (
    key TEXT PRIMARY KEY,
    value INTEGER NOT NULL,
    expires_at REAL NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ix_rate_limit_counters_expires_at
    ON rate_limit_counters (expires_at);
"""

# One statement: a live row is incremented, an expired or missing one starts a new window.
_INCREMENT = """
INSERT INTO rate_limit_counters (key, value, expires_at) VALUES (:key, :amount, :expires_at)
ON CONFLICT (key) DO UPDATE SET
    value = CASE WHEN expires_at > :now THEN value + excluded.value ELSE excluded.value END,
    expires_at = CASE WHEN expires_at > :now THEN expires_at ELSE excluded.expires_at END
RETURNING value
"""


def storage_uri(path: str) -> str:
    """The ``RATELIMIT_STORAGE_URI`` of a counters file at ``path`` (made absolute)."""
    return f"{SCHEME}://" + urllib.parse.quote(os.path.abspath(path))


def default_storage_uri(instance_path: str) -> str:
    """The shipped default: ``ratelimits.sqlite`` in the instance folder."""
    return storage_uri(os.path.join(instance_path, DEFAULT_FILE_NAME))


def path_from_uri(uri: str) -> str:
    """The file of a ``pbi-sqlite:///absolute/path`` URI; anything else is refused."""
    parsed = urllib.parse.urlparse(uri)
    path = urllib.parse.unquote(parsed.path)
    if parsed.scheme != SCHEME or parsed.netloc or not os.path.isabs(path) or path.endswith("/"):
        raise ConfigurationError(
            f"rate-limit storage URI must look like {SCHEME}:///absolute/path/{DEFAULT_FILE_NAME},"
            f" not {uri!r}"
        )
    return path


class SQLiteStorage(Storage):
    """``limits`` storage for the fixed-window strategy, atomic across processes."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(
        self,
        uri: str,
        wrap_exceptions: bool = False,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT_SECONDS,
        **options: float | str | bool,
    ) -> None:
        self.path = path_from_uri(uri)
        self.busy_timeout = float(busy_timeout)
        self._local = threading.local()
        self._last_purge = 0.0
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return sqlite3.Error

    def _connection(self) -> sqlite3.Connection:
        """This thread's connection, opened (and the schema created) on first use.

        The file is opened lazily, so that building the app never touches it (e.g. before
        ``init`` has created the instance folder); a connection inherited through a fork
        is never used. The file is created private (0600): its keys name accounts (the
        sign-in limit counts per e-mail address); SQLite gives its -wal and -shm files
        the same mode.
        """
        local = self._local
        if getattr(local, "pid", None) == os.getpid():
            return local.connection
        with _SETUP_LOCK:
            if not os.path.exists(self.path):
                # Only while no connection of this process has the file open: closing any
                # descriptor of a file drops every POSIX lock SQLite holds on it here.
                os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
            connection = sqlite3.connect(
                self.path, timeout=self.busy_timeout, isolation_level=None, check_same_thread=True
            )
            connection.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
            self._use_wal(connection)
            connection.execute("PRAGMA synchronous = NORMAL")
            connection.executescript(_SCHEMA)
        local.connection, local.pid = connection, os.getpid()
        return connection

    def _use_wal(self, connection: sqlite3.Connection) -> None:
        """Switch the file to WAL (kept by the file once done), waiting out other openers.

        SQLite does not call the busy handler for this switch: when another process is
        opening the same new file at that moment it answers "database is locked" at
        once, so the switch is retried here up to the busy timeout.
        """
        deadline = time.monotonic() + self.busy_timeout
        while True:
            try:
                (mode,) = connection.execute("PRAGMA journal_mode").fetchone()
                if mode.lower() != "wal":
                    connection.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() >= deadline:
                    raise
                time.sleep(0.01)

    def incr(self, key: str, expiry: int | float, amount: int = 1) -> int:
        """Add ``amount`` to ``key``'s window (starting one of ``expiry`` s if none is live).

        Returns the count after the increment; one write transaction, so two processes
        never both see the same count.
        """
        now = time.time()
        connection = self._connection()
        connection.execute("BEGIN IMMEDIATE")
        try:
            (value,) = connection.execute(
                _INCREMENT, {"key": key, "amount": amount, "now": now, "expires_at": now + expiry}
            ).fetchone()
            if now - self._last_purge >= PURGE_INTERVAL_SECONDS:
                connection.execute("DELETE FROM rate_limit_counters WHERE expires_at <= ?", (now,))
                self._last_purge = now
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:  # some errors have rolled back already
                connection.execute("ROLLBACK")
            raise
        return int(value)

    def get(self, key: str) -> int:
        """The count of ``key``'s live window; 0 when it has none."""
        row = self._connection().execute(
            "SELECT value FROM rate_limit_counters WHERE key = ? AND expires_at > ?",
            (key, time.time()),
        ).fetchone()
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        """When ``key``'s live window ends (a timestamp); now when it has none."""
        now = time.time()
        row = self._connection().execute(
            "SELECT expires_at FROM rate_limit_counters WHERE key = ? AND expires_at > ?",
            (key, now),
        ).fetchone()
        return float(row[0]) if row else now

    def check(self) -> bool:
        """Healthy when the file can be opened and read."""
        try:
            self._connection().execute("SELECT 1 FROM rate_limit_counters LIMIT 1").fetchall()
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        """Drop every counter; returns how many keys had one (live or not yet purged)."""
        cursor = self._connection().execute("DELETE FROM rate_limit_counters")
        return cursor.rowcount

    def clear(self, key: str) -> None:
        """Drop ``key``'s counter."""
        self._connection().execute("DELETE FROM rate_limit_counters WHERE key = ?", (key,))
