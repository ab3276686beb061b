"""Bulk writing of the generated rows: SQLite through ``executemany``, PostgreSQL through ``COPY``.

The whole load is one transaction on one raw DBAPI connection of the app's engine, so
it is all or nothing; it holds the write lock (SQLite) or locks the tables it writes
(PostgreSQL) from the first read of the ids, counters and audit head to the commit.

The database ends as if every row had been inserted one by one:

- ``complaint_status_counts``: the insert trigger is off during the load (dropped on
  SQLite, disabled on PostgreSQL) and the counts are moved by what was inserted.
- The statistics rollup (app.reporting.rollup): its insert trigger is off too, and the
  rollup is rebuilt from every complaint at the end (one grouped read per table: seconds
  at a million, where the trigger would have doubled the load's time).
- The search index: on SQLite the insert trigger of ``complaints_fts`` is dropped during
  the load and each batch of new complaints is indexed by one ``INSERT … SELECT`` (the
  same entries the trigger would have made, ten times faster); PostgreSQL's GIN index is
  built again after the load (below).
- ``counters`` are set to the last number given in each (series, year); ``audit_head``
  names the last row of the chain (its forward-only trigger allows one row per update,
  so it is off for that one update).
- Every trigger taken off is put back exactly as it was (SQLite: its own ``CREATE``
  statement from ``sqlite_master``), inside the same transaction.
- PostgreSQL id sequences are moved past the ids given here.
- PostgreSQL: when the load at least doubles the data, the plain (non-unique) indexes of
  the big tables (the GIN search index among them) are dropped first and built again at
  the end from their own definitions in ``pg_indexes``. (On SQLite that was slower: its
  indexes are kept, and kept up to date while the next rows are being generated.)
- At the end: statistics refreshed (``ANALYZE``; ``PRAGMA optimize`` and the FTS5 index merged
  into one b-tree on SQLite; ``VACUUM (ANALYZE)`` on PostgreSQL, which also sets the
  visibility map).

SQLite runs with ``synchronous=OFF`` and a large page cache during the load (the
connection's own settings, restored before it goes back to the pool); the journal stays
WAL, so readers keep reading the old snapshot meanwhile.
"""

from __future__ import annotations

import contextlib

from sqlalchemy.engine import Engine

from app.audit.models import GENESIS_HASH
from app.demo_scale.rows import ID_TABLES, TABLES, Start, Summary
from app.reporting import rollup

LOCKED_TABLES = (*TABLES, "counters", "audit_head", "complaint_status_counts", *rollup.TABLES)


class LoadError(RuntimeError):
    pass


class Loader:
    """One write transaction on a raw connection; subclasses know their database."""

    def defer_indexes(self, complaints_to_add: int) -> None:
        """Take indexes off for the load where that pays (SQLite); a no-op elsewhere."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.raw = engine.raw_connection()
        self.connection = self.raw.driver_connection
        self.start: Start | None = None

    # -- reading what is there --------------------------------------------------------------
    def _scalar(self, sql: str, params=()):
        row = self.connection.execute(sql, params).fetchone()
        return row[0] if row else None

    def read_start(self) -> Start:
        ids = {table: self._scalar(f"SELECT max(id) FROM {table}") or 0 for table in ID_TABLES}  # noqa: S608
        counters = {(series, year): value for series, year, value in
                    self.connection.execute("SELECT series, year, value FROM counters").fetchall()}
        head = self.connection.execute("SELECT last_id, last_hash FROM audit_head WHERE id = 1").fetchone()
        if head is None:
            if ids["audit_log"]:
                raise LoadError(f"audit_head is missing but audit_log has rows up to {ids['audit_log']}; "
                                "run `flask audit verify`")
            head = (0, GENESIS_HASH)
            self.head_missing = True
        else:
            self.head_missing = False
        if head[0] != ids["audit_log"]:
            raise LoadError(f"audit_head names row {head[0]} but the last audit row is {ids['audit_log']}; "
                            "run `flask audit verify`")
        taken = {row[0] for row in self.connection.execute(
            "SELECT number FROM businesses UNION SELECT bin FROM associations").fetchall()}
        self.start = Start(ids=ids, counters=counters, audit_last_id=head[0], audit_last_hash=head[1],
                           taken_numbers=taken)
        return self.start

    # -- the end of the load ------------------------------------------------------------------
    def _counters_and_head(self, summary: Summary, placeholder: str) -> None:
        p = placeholder
        for (series, year), value in sorted(summary.counters.items()):
            if self.start.counters.get((series, year)) != value:
                self.connection.execute(
                    f"INSERT INTO counters (series, year, value) VALUES ({p}, {p}, {p}) "  # noqa: S608
                    "ON CONFLICT (series, year) DO UPDATE SET value = excluded.value", (series, year, value))
        insert = f"INSERT INTO audit_head (id, last_id, last_hash) VALUES (1, {p}, {p})"  # noqa: S608
        update = f"UPDATE audit_head SET last_id = {p}, last_hash = {p} WHERE id = 1"  # noqa: S608
        head = insert if self.head_missing else update
        self.connection.execute(head, (summary.audit_last_id, summary.audit_last_hash))

    def close(self) -> None:
        with contextlib.suppress(Exception):  # closing after a failure must not hide it
            self.raw.close()


# PostgreSQL: tables whose plain (non-unique) indexes are rebuilt after a load that is most of their data.
BIG_TABLES = ("complaints", "complaint_events", "documents", "audit_log", "evidence", "case_messages")


class SqliteLoader(Loader):
    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        c = self.connection
        self._saved = {name: c.execute(f"PRAGMA {name}").fetchone()[0]
                       for name in ("synchronous", "cache_size", "foreign_keys", "temp_store")}
        c.execute("PRAGMA foreign_keys=OFF")  # the rows reference each other correctly; checked by the tests
        c.execute("PRAGMA synchronous=OFF")
        c.execute("PRAGMA cache_size=-1000000")  # 1 GB of page cache for the indexes
        c.execute("PRAGMA temp_store=MEMORY")
        c.execute("BEGIN IMMEDIATE")
        self._sql = {table: f"INSERT INTO {table} ({', '.join(columns)}) VALUES "  # noqa: S608
                            f"({', '.join('?' * len(columns))})" for table, columns in TABLES.items()}
        self._triggers = dict(c.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN "
            "('complaints_fts_insert', 'complaint_counts_insert', 'audit_head_forward_only', "
            "'statistics_rollup_insert')").fetchall())
        for name in self._triggers:
            c.execute(f"DROP TRIGGER {name}")

    def insert(self, table: str, rows: list[tuple]) -> None:
        if not rows:
            return
        self.connection.executemany(self._sql[table], rows)
        if table == "complaints" and "complaints_fts_insert" in self._triggers:
            # what the trigger would have done, for the whole batch in one statement
            self.connection.execute("INSERT INTO complaints_fts(rowid, search_text) SELECT id, search_text "
                                    "FROM complaints WHERE id BETWEEN ? AND ? ORDER BY id", (rows[0][0], rows[-1][0]))

    def finish(self, summary: Summary) -> None:
        c = self.connection
        if "complaint_counts_insert" in self._triggers:
            for status, added in sorted(summary.statuses.items()):
                c.execute("UPDATE complaint_status_counts SET count = count + ? WHERE status = ?", (added, status))
        self._counters_and_head(summary, "?")
        for statement in rollup.rebuild_statements("sqlite"):
            c.execute(statement)
        for sql in self._triggers.values():
            c.execute(sql)

    def commit(self) -> None:
        self.connection.execute("COMMIT")

    def rollback(self) -> None:
        if self.connection.in_transaction:
            self.connection.execute("ROLLBACK")

    def optimize(self) -> None:
        c = self.connection
        # The search index was written in one go: merged into one b-tree it reads ~30 % faster.
        c.execute("INSERT INTO complaints_fts(complaints_fts) VALUES ('optimize')")
        c.execute("PRAGMA analysis_limit=2000")  # approximate statistics: a full scan of every index is slow
        c.execute("ANALYZE")
        c.execute("PRAGMA optimize")
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        c = self.connection
        try:
            if c.in_transaction:
                c.execute("ROLLBACK")
            for name, value in self._saved.items():
                c.execute(f"PRAGMA {name}={value}")
            c.execute("PRAGMA analysis_limit=0")
        finally:
            super().close()


class PostgresLoader(Loader):
    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        c = self.connection
        c.execute("SET LOCAL synchronous_commit = off")
        c.execute(f"LOCK TABLE {', '.join(LOCKED_TABLES)} IN SHARE ROW EXCLUSIVE MODE")
        superuser = c.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()[0]
        self.replica = bool(superuser)
        if self.replica:
            # No triggers during COPY: the foreign keys hold by construction (the tests check them), the
            # status counts are moved below and the audit head is set once.
            c.execute("SET LOCAL session_replication_role = replica")
        else:
            c.execute("ALTER TABLE complaints DISABLE TRIGGER complaint_counts_insert")
            c.execute("ALTER TABLE complaints DISABLE TRIGGER statistics_rollup_insert")
        self._sql = {table: f"COPY {table} ({', '.join(columns)}) FROM STDIN" for table, columns in TABLES.items()}
        self._indexes: list[str] = []

    def defer_indexes(self, complaints_to_add: int) -> None:
        """As on SQLite: the plain indexes (the search index's GIN among them) are built after the load."""
        if complaints_to_add <= self.start.ids["complaints"]:
            return
        c = self.connection
        rows = c.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename = ANY(%s) AND indexname NOT IN (SELECT conname FROM pg_constraint) "
            "AND indexdef NOT LIKE 'CREATE UNIQUE%%'", (list(BIG_TABLES),)).fetchall()
        for name, definition in rows:
            c.execute(f'DROP INDEX "{name}"')
            self._indexes.append(definition)

    def insert(self, table: str, rows: list[tuple]) -> None:
        if not rows:
            return
        with self.connection.cursor() as cursor, cursor.copy(self._sql[table]) as copy:
            for row in rows:
                copy.write_row(row)

    def finish(self, summary: Summary) -> None:
        c = self.connection
        for status, added in sorted(summary.statuses.items()):
            c.execute("UPDATE complaint_status_counts SET count = count + %s WHERE status = %s", (added, status))
        if not self.replica:
            c.execute("ALTER TABLE audit_head DISABLE TRIGGER audit_head_forward_only")
        self._counters_and_head(summary, "%s")
        if not self.replica:
            c.execute("ALTER TABLE audit_head ENABLE TRIGGER audit_head_forward_only")
            c.execute("ALTER TABLE complaints ENABLE TRIGGER complaint_counts_insert")
            c.execute("ALTER TABLE complaints ENABLE TRIGGER statistics_rollup_insert")
        if self._indexes:
            c.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for definition in self._indexes:
                c.execute(definition)
        c.execute("SET LOCAL work_mem = '256MB'")  # the rebuild's grouping in memory
        for statement in rollup.rebuild_statements("postgresql"):
            c.execute(statement)
        for table in ID_TABLES:
            if table == "audit_log":  # ids from the head, no sequence
                continue
            c.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                      f"(SELECT max(id) FROM {table})) WHERE EXISTS (SELECT 1 FROM {table})")

    def commit(self) -> None:
        self.connection.commit()

    def rollback(self) -> None:
        self.connection.rollback()

    def optimize(self) -> None:
        # VACUUM (outside a transaction) also sets the visibility map: the index-only scans of
        # the queue's pages and counts then skip the heap.
        self.connection.commit()
        self.connection.autocommit = True
        try:
            self.connection.execute(f"VACUUM (ANALYZE) {', '.join(LOCKED_TABLES)}")
        finally:
            self.connection.autocommit = False

    def close(self) -> None:
        try:
            self.connection.rollback()
        finally:
            super().close()


def loader_for(engine: Engine) -> Loader:
    if engine.dialect.name == "sqlite":
        return SqliteLoader(engine)
    if engine.dialect.name == "postgresql":
        return PostgresLoader(engine)
    raise LoadError(f"demo scale supports SQLite and PostgreSQL, not {engine.dialect.name}")
