"""Database engine behaviour that the ORM does not set by itself: the transaction model.

**Reads never take the write lock.** On SQLite (the embedded default, WAL journal) a
transaction starts as a plain deferred ``BEGIN``: a read sees one snapshot and blocks
nobody. The first statement that writes (INSERT, UPDATE, DELETE, SAVEPOINT ...) turns
it into a write transaction: the read snapshot is ended and ``BEGIN IMMEDIATE`` takes
the write lock, waiting up to ``busy_timeout`` for another writer and retrying once.
So a write transaction is short: it begins when the request first writes and ends at
its commit. Starting the write with ``BEGIN IMMEDIATE`` (not by upgrading the read
snapshot) means a writer never fails with "database is locked" on a stale snapshot.

What the request read before it began to write may have changed since; the rules that
depend on it are enforced where they are written: row versions on complaints and
agreements (``version_id_col``: a lost update is refused, :class:`ConcurrentChange`),
unique constraints (:func:`add_unique`), the counter upsert of :mod:`app.numbering` and
the audit head's UPDATE, both of which run inside the write transaction. Code that must
read and then write consistently calls :func:`begin_write` first. PostgreSQL
(``DATABASE_URL``) behaves the same way under READ COMMITTED with row locks.

Other engine settings: enforced foreign keys and a Unicode-aware ``lower()`` on SQLite.
Commits happen in one place, :mod:`app.transactions`.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass

from sqlalchemy import event, func, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from app.extensions import db

# How long a writer waits for another writer's lock, per attempt (two attempts).
BUSY_TIMEOUT_MS = 10_000
_WRITE_ATTEMPTS = 2
_READ_ONLY = re.compile(r"^\s*(SELECT|PRAGMA|EXPLAIN|VALUES)\b", re.IGNORECASE)
_WRITE_WORD = re.compile(r"\b(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)
_STATE = "pbi_transaction"  # connection.info key: None (none), "read" or "write"


class DatabaseBusy(RuntimeError):
    """Another writer held the database longer than a writer waits: answered as 503, not 500."""


def _is_sqlite(dbapi_connection) -> bool:
    return type(dbapi_connection).__module__.startswith("sqlite3")


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, connection_record) -> None:
    if not _is_sqlite(dbapi_connection):
        return
    # Let SQLAlchemy's "begin" event below emit BEGIN instead of the sqlite3 module.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()
    # SQLite's own lower() folds ASCII only; names here are Cyrillic.
    dbapi_connection.create_function(
        "lower", 1, lambda s: s.lower() if isinstance(s, str) else s, deterministic=True
    )


def _writes(statement: str) -> bool:
    if statement.lstrip().upper().startswith("WITH"):
        return bool(_WRITE_WORD.search(statement))
    return not _READ_ONLY.match(statement)


@event.listens_for(Engine, "begin")
def _sqlite_begin_deferred(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN")
        connection.info[_STATE] = "read"


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _transaction_ended(connection: Connection) -> None:
    connection.info.pop(_STATE, None)


def _take_write_lock(connection: Connection) -> None:
    """End the read snapshot of ``connection`` and start a write transaction in its place."""
    raw = connection.connection.driver_connection
    try:
        raw.execute("COMMIT")  # nothing was written: this only ends the read snapshot
    except sqlite3.OperationalError:
        # A statement is still reading; let SQLite upgrade in place (it waits for the lock).
        connection.info[_STATE] = "write"
        return
    for attempt in range(1, _WRITE_ATTEMPTS + 1):
        try:
            raw.execute("BEGIN IMMEDIATE")
            break
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            if attempt == _WRITE_ATTEMPTS:
                raw.execute("BEGIN")  # keep the connection's state what SQLAlchemy expects
                raise DatabaseBusy(str(exc)) from exc
    connection.info[_STATE] = "write"


@event.listens_for(Engine, "before_cursor_execute")
def _sqlite_write_on_first_write(connection: Connection, cursor, statement: str, parameters, context,
                                 executemany) -> None:
    if connection.info.get(_STATE) == "read" and _writes(statement):
        _take_write_lock(connection)


def begin_write() -> None:
    """Make the current transaction a write transaction now (before a read that must not go stale).

    On SQLite this takes the write lock (see the module docstring); on PostgreSQL, where
    rows are locked by the statements themselves, it only starts the transaction.
    """
    connection = db.session.connection()
    if connection.info.get(_STATE) == "read":
        _take_write_lock(connection)


def writing(session) -> bool:
    """Whether ``session``'s SQLite transaction has begun to write (unknown, False, elsewhere)."""
    if not session.in_transaction():
        return False
    return session.connection().info.get(_STATE) == "write"


def is_busy_error(error: BaseException) -> bool:
    """A lock wait that ran out (SQLite busy, PostgreSQL lock timeout or deadlock)."""
    if isinstance(error, DatabaseBusy):
        return True
    if isinstance(error, OperationalError):
        text = str(error.orig).lower()
        return "database is locked" in text or "database is busy" in text or "deadlock detected" in text \
            or "lock timeout" in text
    return False


def like_pattern(query: str) -> str:
    """A case-folded ``LIKE`` pattern matching ``query`` anywhere, wildcards escaped (ESCAPE '\\')."""
    escaped = query.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def add_unique(record) -> bool:
    """Add and flush ``record`` in a savepoint; ``False`` if a unique constraint refused it.

    The check-then-insert of the services is not enough under concurrency: the
    database's constraint decides, and losing the race is an answer, not an error page.
    """
    try:
        with db.session.begin_nested():
            db.session.add(record)
    except IntegrityError:
        return False
    return True


def one_of(column: str, values) -> str:
    """SQL for a CHECK constraint: ``column`` takes one of ``values`` (enum members or strings)."""
    listed = ", ".join(f"'{getattr(value, 'value', value)}'" for value in values)
    return f"{column} IN ({listed})"


# Lists count at most this many rows; beyond it a page says "more than 10,000".
COUNT_CAP = 10_000


@dataclass(frozen=True)
class PageWindow:
    """Which slice of a list a page shows; an out-of-range page number is clamped, not an error.

    ``total`` is exact unless ``capped``: then there are more than ``total`` rows and the
    pages go as far as the cap.
    """

    page: int
    pages: int
    total: int
    per_page: int
    capped: bool = False

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def page_window(statement, page: int, per_page: int, *, total: int | None = None,
                cap: int = COUNT_CAP) -> PageWindow:
    """Place ``page`` among the rows of ``statement``, counting at most ``cap`` + 1 of them.

    ``total``, when the caller knows it exactly (e.g. from a maintained count), is used
    instead of counting. Counting stops at the cap, so a page never counts a whole table.
    """
    if per_page < 1:
        raise ValueError("per_page must be positive")
    if total is None:
        limited = statement.limit(cap + 1).subquery()
        total = db.session.scalar(select(func.count()).select_from(limited)) or 0
    capped = total > cap
    shown = min(total, cap)
    pages = max(1, -(-shown // per_page))
    return PageWindow(min(max(1, page), pages), pages, shown if capped else total, per_page, capped)
