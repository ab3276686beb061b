"""Gap-free yearly numbers: PBI-A-2026-0007, PBI-C-2026-000123, PBI-D-2026-000042.

A counter row per (series, year) is incremented by one upsert statement in the caller's
transaction. The row stays locked until that transaction ends (PostgreSQL row lock;
SQLite's write lock, taken at BEGIN IMMEDIATE, see ``app.database``), so concurrent
transactions get consecutive numbers, and a transaction that rolls back gives its number
back: numbers are unique and without gaps within the year.
"""

from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

# series -> (prefix, digits)
SERIES = {
    "agreement": ("PBI-A", 4),
    "complaint": ("PBI-C", 6),
    "document": ("PBI-D", 6),
}


class Counter(db.Model):
    __tablename__ = "counters"

    series: Mapped[str] = mapped_column(String(32), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(default=0)


def next_value(series: str, year: int) -> int:
    """Increment and return the counter of ``series`` for ``year`` (1 for the first)."""
    if series not in SERIES:
        raise ValueError(f"unknown series {series!r}")
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(Counter)
        .values(series=series, year=year, value=1)
        .on_conflict_do_update(
            index_elements=[Counter.series, Counter.year], set_={"value": Counter.value + 1}
        )
        .returning(Counter.value)
    )
    return db.session.execute(statement).scalar_one()


def format_number(series: str, year: int, value: int) -> str:
    prefix, digits = SERIES[series]
    return f"{prefix}-{year}-{value:0{digits}d}"


def next_number(series: str, year: int) -> str:
    return format_number(series, year, next_value(series, year))
