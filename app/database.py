"""Database engine behaviour that the ORM does not set by itself.

SQLite (the embedded default): WAL journal, enforced foreign keys, a Unicode-aware
``lower()``, and every transaction started with ``BEGIN IMMEDIATE``. The last one takes
the write lock at the start, so two transactions never both read and then fail to write
(SQLite's "database is locked" on lock upgrade): writers queue for up to
``busy_timeout``. It serialises transactions, which is what a small embedded database
should do; PostgreSQL (``DATABASE_URL``) is the path for concurrency at scale.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from app.extensions import db


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
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()
    # SQLite's own lower() folds ASCII only; names here are Cyrillic.
    dbapi_connection.create_function(
        "lower", 1, lambda s: s.lower() if isinstance(s, str) else s, deterministic=True
    )


@event.listens_for(Engine, "begin")
def _sqlite_begin_immediate(connection) -> None:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")


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


@dataclass(frozen=True)
class PageWindow:
    """Which slice of a list a page shows; an out-of-range page number is clamped, not an error."""

    page: int
    pages: int
    total: int
    per_page: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def page_window(statement, page: int, per_page: int) -> PageWindow:
    """Count the rows of ``statement`` and place ``page`` among them."""
    if per_page < 1:
        raise ValueError("per_page must be positive")
    total = db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    pages = max(1, -(-total // per_page))
    return PageWindow(min(max(1, page), pages), pages, total, per_page)
