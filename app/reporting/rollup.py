"""The statistics rollup, kept current by the database in the same transaction as every change.

The staff statistics of a whole department over whole months (a month, a quarter, a
year — the view every supervisor opens and the monthly report prints) would otherwise read
every complaint of the period: seconds at a million complaints. So triggers on
``complaints`` keep the sums those figures need (app.reporting.models), and
app.reporting.rollup_figures reads a few hundred rows instead.

How the sums move: every complaint *contributes* to a few rows — its month of receipt
(``received_on``), its month of decision (``decided_on``) when decided, with its district,
pressure type, body category, body, amount, working days and officer. A trigger
subtracts the old row's contribution and adds the new row's: ``+NEW`` on insert, ``-OLD``
on delete, ``-OLD +NEW`` on an update of any column a contribution reads. The same
expressions, summed over ``complaints``, are :func:`rebuild` — so a rebuild and the
triggers agree by construction, and the tests check that they do after random changes.

One contribution is one ``INSERT … ON CONFLICT DO UPDATE`` of one row, in a fixed order;
on PostgreSQL two transactions lock rollup rows in the same order unless one of them
moves a complaint between two keys the other moves it the other way (a deadlock there
is detected by PostgreSQL and the request answered as a busy database, as any other).
Filings of the same month and kind wait for each other on the row they both add to — as
they already do on ``complaint_status_counts``.

Bulk loads (``demo scale``) take the insert trigger off and call :func:`rebuild` at the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import DDL, event, text
from sqlalchemy.engine import Connection

from app.complaints.models import Outcome
from app.complaints.statuses import ComplaintStatus

TRIGGER_NAMES = ("statistics_rollup_insert", "statistics_rollup_update", "statistics_rollup_delete")


@dataclass(frozen=True)
class Contribution:
    """What one complaint ``{r}`` adds to ``table``, with sign ``{s}``, when ``condition`` holds."""

    table: str
    keys: tuple[tuple[str, str], ...]  # (column, expression)
    measures: tuple[tuple[str, str], ...]
    condition: str


def _when(condition: str) -> str:
    return f"CASE WHEN {condition} THEN {{s}} ELSE 0 END"


_RECEIVED_MONTH, _DECIDED_MONTH = "{month_received}", "{month_decided}"
_DECIDED = "{r}.decided_on IS NOT NULL"
_BY_OUTCOME = "{r}.forwarded_to IS NULL AND {r}.outcome = '%s'"
_APPEALED = "{r}.appealed_at IS NOT NULL"
_REDECIDED = f"{_APPEALED} AND {{r}}.decided_at > {{r}}.appealed_at"
_WAITING = f"{_APPEALED} AND {{r}}.status = '{ComplaintStatus.APPEALED.value}'"
_RECONSIDERING = f"{_APPEALED} AND {{r}}.status <> '{ComplaintStatus.APPEALED.value}' AND NOT ({_REDECIDED})"

# The main table holds each side's sums once per breakdown (a "grouping set" per dimension):
# the breakdowns of a year are then a few hundred rows, and any one dimension's rows add up to
# the totals. A complaint adds to three rows per side.
DIMENSIONS = ("incident_district", "pressure_type", "body_category")
_RECEIVED_MEASURES = (("n", "{s}"), ("amount_n", _when("{r}.amount_demanded IS NOT NULL")),
                      ("amount_sum", "{s} * COALESCE({r}.amount_demanded, 0)"),
                      ("extended", _when("{r}.extended_until IS NOT NULL")))
_DECIDED_MEASURES = (
    ("n", "{s}"),
    *((outcome.value, _when(_BY_OUTCOME % outcome.value)) for outcome in Outcome),
    ("forwarded", _when("{r}.forwarded_to IS NOT NULL")),
    ("rejected", _when("{r}.forwarded_to IS NULL AND {r}.outcome IS NULL")),
    ("in_term", _when("{r}.decided_in_term IS TRUE")),
    ("appeals", _when(_APPEALED)),
    ("appeals_waiting", _when(_WAITING)),
    ("appeals_reconsidering", _when(_RECONSIDERING)),
    ("appeals_redecided", _when(_REDECIDED)),
)

CONTRIBUTIONS = (
    *(Contribution("statistics_rollup", (("side", "'r'"), ("month", _RECEIVED_MONTH), ("dimension", f"'{dimension}'"),
                                         ("value", f"{{r}}.{dimension}")), _RECEIVED_MEASURES, "1 = 1")
      for dimension in DIMENSIONS),
    *(Contribution("statistics_rollup", (("side", "'d'"), ("month", _DECIDED_MONTH), ("dimension", f"'{dimension}'"),
                                         ("value", f"{{r}}.{dimension}")), _DECIDED_MEASURES, _DECIDED)
      for dimension in DIMENSIONS),
    Contribution("statistics_rollup_days", (("month", _DECIDED_MONTH), ("working_days", "{r}.decision_working_days")),
                 (("n", "{s}"),), f"{_DECIDED} AND {{r}}.decision_working_days IS NOT NULL"),
    Contribution("statistics_rollup_amounts", (("month", _RECEIVED_MONTH), ("amount", "{r}.amount_demanded")),
                 (("n", "{s}"),), "{r}.amount_demanded IS NOT NULL"),
    Contribution("statistics_rollup_bodies", (("side", "'r'"), ("month", _RECEIVED_MONTH),
                                              ("body_name", "{r}.body_name")), (("n", "{s}"),), "1 = 1"),
    Contribution("statistics_rollup_bodies", (("side", "'d'"), ("month", _DECIDED_MONTH),
                                              ("body_name", "{r}.body_name")), (("n", "{s}"),), _DECIDED),
    Contribution("statistics_rollup_officers", (("month", _DECIDED_MONTH), ("officer_id", "{r}.assigned_officer_id")),
                 (("n", "{s}"),), f"{_DECIDED} AND {{r}}.assigned_officer_id IS NOT NULL"),
)
TABLES = tuple(dict.fromkeys(c.table for c in CONTRIBUTIONS))

# Every column a contribution reads: an update of any of them moves the sums.
WATCHED = ("received_on", "decided_on", "incident_district", "pressure_type", "body_category", "body_name",
           "amount_demanded", "extended_until", "forwarded_to", "outcome", "decided_in_term", "appealed_at",
           "decided_at", "status", "decision_working_days", "assigned_officer_id")

_MONTH = {"sqlite": "date({}, 'start of month')", "postgresql": "CAST(date_trunc('month', {}) AS date)"}


def _fill(expression: str, dialect: str, row: str, sign: str) -> str:
    month = _MONTH[dialect]
    return expression.format(r=row, s=sign, month_received=month.format(f"{row}.received_on"),
                             month_decided=month.format(f"{row}.decided_on"))


def _upsert(c: Contribution, dialect: str, row: str, sign: str) -> str:
    columns = [name for name, _ in c.keys] + [name for name, _ in c.measures]
    values = [_fill(e, dialect, row, sign) for _, e in c.keys] + [_fill(e, dialect, row, sign) for _, e in c.measures]
    moves = ", ".join(f"{name} = {c.table}.{name} + excluded.{name}" for name, _ in c.measures)
    return (f"INSERT INTO {c.table} ({', '.join(columns)}) SELECT {', '.join(values)} "
            f"WHERE {_fill(c.condition, dialect, row, sign)} "
            f"ON CONFLICT ({', '.join(name for name, _ in c.keys)}) DO UPDATE SET {moves}")


def _moves(dialect: str, row: str, sign: str) -> list[str]:
    return [_upsert(c, dialect, row, sign) for c in CONTRIBUTIONS]


def trigger_ddl(dialect: str) -> list[str]:
    """The statements that create the triggers on ``dialect`` (the models' and migration 0012's)."""
    watched = ", ".join(WATCHED)
    if dialect == "sqlite":
        def body(*parts: list[str]) -> str:
            return " ".join(f"{statement};" for part in parts for statement in part)
        return [
            "CREATE TRIGGER IF NOT EXISTS statistics_rollup_insert AFTER INSERT ON complaints BEGIN "
            f"{body(_moves(dialect, 'new', '1'))} END",
            f"CREATE TRIGGER IF NOT EXISTS statistics_rollup_update AFTER UPDATE OF {watched} ON complaints BEGIN "
            f"{body(_moves(dialect, 'old', '-1'), _moves(dialect, 'new', '1'))} END",
            "CREATE TRIGGER IF NOT EXISTS statistics_rollup_delete AFTER DELETE ON complaints BEGIN "
            f"{body(_moves(dialect, 'old', '-1'))} END",
        ]
    subtract = " ".join(f"{s};" for s in _moves(dialect, "OLD", "-1"))
    add = " ".join(f"{s};" for s in _moves(dialect, "NEW", "1"))
    return [
        "CREATE OR REPLACE FUNCTION statistics_rollup_move() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP IN ('UPDATE', 'DELETE') THEN {subtract} END IF; "
        f"IF TG_OP IN ('INSERT', 'UPDATE') THEN {add} END IF; RETURN NULL; END $$",
        "CREATE TRIGGER statistics_rollup_insert AFTER INSERT ON complaints FOR EACH ROW "
        "EXECUTE FUNCTION statistics_rollup_move()",
        f"CREATE TRIGGER statistics_rollup_update AFTER UPDATE OF {watched} ON complaints FOR EACH ROW "
        "EXECUTE FUNCTION statistics_rollup_move()",
        "CREATE TRIGGER statistics_rollup_delete AFTER DELETE ON complaints FOR EACH ROW "
        "EXECUTE FUNCTION statistics_rollup_move()",
    ]


def drop_trigger_ddl(dialect: str) -> list[str]:
    if dialect == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGER_NAMES]
    return [*(f"DROP TRIGGER IF EXISTS {name} ON complaints" for name in TRIGGER_NAMES),
            "DROP FUNCTION IF EXISTS statistics_rollup_move()"]


def attach(complaints_table) -> None:
    for dialect in _MONTH:
        for statement in trigger_ddl(dialect):
            event.listen(complaints_table, "after_create", DDL(statement).execute_if(dialect=dialect))


def expected_rows(dialect: str) -> list[tuple[str, str]]:
    """(table, SELECT) pairs: each table's rows computed from ``complaints`` (what :func:`rebuild` writes)."""
    out = []
    for c in CONTRIBUTIONS:
        keys = [_fill(e, dialect, "c", "1") for _, e in c.keys]
        measures = [f"SUM({_fill(e, dialect, 'c', '1')})" for _, e in c.measures]
        columns = [name for name, _ in c.keys] + [name for name, _ in c.measures]
        grouped = ", ".join(key for key in keys if not key.startswith("'"))  # a constant is not grouped by
        named = ", ".join(f"{value} AS {name}" for value, name in zip(keys + measures, columns, strict=True))
        out.append((c.table, f"SELECT {named} FROM complaints c "  # noqa: S608 (constants)
                             f"WHERE {_fill(c.condition, dialect, 'c', '1')} GROUP BY {grouped}"))
    return out


def rebuild_statements(dialect: str) -> list[str]:
    """Empty the rollup and fill it from ``complaints`` (plain SQL: the migration and bulk loads run it)."""
    statements = [f"DELETE FROM {table}" for table in TABLES]  # noqa: S608 (constants)
    for (table, select), c in zip(expected_rows(dialect), CONTRIBUTIONS, strict=True):
        columns = [name for name, _ in c.keys] + [name for name, _ in c.measures]
        statements.append(f"INSERT INTO {table} ({', '.join(columns)}) {select}")
    return statements


def mismatches(connection: Connection) -> dict[str, tuple[set, set]]:
    """{table: (rows kept but not computed, rows computed but not kept)} where the two differ.

    The kept rows are the rollup's own, without those whose sums are all zero; the computed
    ones are :func:`expected_rows`. Empty when the triggers kept the rollup right.
    """
    out: dict[str, tuple[set, set]] = {}
    selects = expected_rows(connection.dialect.name)
    for table in TABLES:
        measures = dict.fromkeys(name for c in CONTRIBUTIONS if c.table == table for name, _ in c.measures)
        nonzero = " OR ".join(f"{name} <> 0" for name in measures)
        kept = {tuple(row) for row in connection.execute(text(f"SELECT * FROM {table} WHERE {nonzero}"))}  # noqa: S608
        computed = {_full_row(connection, table, row) for of, select in selects if of == table
                    for row in connection.execute(text(select)).mappings()}
        if kept != computed:
            out[table] = (kept - computed, computed - kept)
    return out


def _full_row(connection: Connection, table: str, row) -> tuple:
    """``row`` (some of ``table``'s columns) as a whole row of ``table``, the others zero, in column order."""
    columns = _columns(connection, table)
    return tuple(_normal(row[name]) if name in row else 0 for name in columns)


def _columns(connection: Connection, table: str) -> list[str]:
    cache = connection.info.setdefault("pbi.rollup_columns", {})
    if table not in cache:
        cache[table] = list(connection.execute(text(f"SELECT * FROM {table} WHERE 1 = 0")).keys())  # noqa: S608
    return cache[table]


def _normal(value):
    return int(value) if isinstance(value, Decimal) else value  # PostgreSQL's SUM of a bigint is a numeric


def rebuild(connection: Connection) -> None:
    """:func:`rebuild_statements` on ``connection``, in its transaction."""
    for statement in rebuild_statements(connection.dialect.name):
        connection.execute(text(statement))
