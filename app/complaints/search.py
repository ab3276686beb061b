"""Full-text search over complaints, the same on SQLite (FTS5) and PostgreSQL (tsvector + GIN).

Each complaint keeps ``search_text``: its number, state body, official, description and
business name and number, *folded* by :func:`fold` — case-folded, diacritics removed,
Kazakh letters written with their Russian base letters (ә→а, ғ→г, қ→к, ң→н, ө→о,
ұ/ү→у, һ→х, і→и), ё→е, й→и, and everything that is not a letter or a digit turned into
a space. The query is folded the same way, so "Шымкент", "шымкент" and "ШЫМКЕНТ" find
the same complaints, and so do "Қазақ" and "казак". Because only words separated by
single spaces reach the database, both backends tokenize them identically:

- SQLite: the FTS5 table ``complaints_fts`` (external content ``complaints.search_text``,
  kept in sync by triggers on ``complaints``);
- PostgreSQL: a GIN index on ``to_tsvector('simple', search_text)``.

A query matches a complaint when every word of the query is the beginning of a word of
the complaint (word prefix). A whole complaint number (``PBI-C-2026-000123``) or a
12-digit BIN/IIN is looked up exactly instead.

A search considers at most the newest :data:`MAX_MATCHES` + 1 matching complaints (by
id, the order of filing) and orders those like the queue: a word that occurs in a
hundred thousand complaints costs what ten thousand cost, and the page says "more than
10,000" — the officer narrows the search. Open complaints are the newest ones, so the
queue's first pages are the same as with every match.
"""

from __future__ import annotations

import json
import re
import unicodedata

from sqlalchemy import DDL, event, func, literal_column, select, text
from sqlalchemy.sql import ColumnElement

from app.extensions import db

_LETTERS = str.maketrans({"ә": "а", "ғ": "г", "қ": "к", "ң": "н", "ө": "о", "ұ": "у", "ү": "у", "һ": "х",
                          "і": "и", "ё": "е", "й": "и"})
_NUMBER = re.compile(r"^PBI-C-\d{4}-\d{6}$")
_BIN = re.compile(r"^\d{12}$")
MAX_QUERY_WORDS = 8
MAX_MATCHES = 10_000  # as app.database.COUNT_CAP: beyond it a list says "more than 10,000"
# Above this many matches a page is read along the queue's index, keeping the matches
# (a hash of ids) rather than sorting them all: a broad word costs a short index walk.
BROAD_MATCHES = 2_000


def fold(value: str | None) -> str:
    """``value`` as the search index stores it: folded words separated by single spaces."""
    if not value:
        return ""
    decomposed = unicodedata.normalize("NFD", value.casefold())  # canonical: "№5" stays two words
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).translate(_LETTERS)
    plain = unicodedata.normalize("NFC", plain)
    return " ".join("".join(ch if ch.isalnum() else " " for ch in plain).split())


def document(*parts: str | None) -> str:
    """The ``search_text`` of a complaint from its searchable fields."""
    return fold(" ".join(part for part in parts if part))


def words(query: str) -> list[str]:
    return fold(query).split()[:MAX_QUERY_WORDS]


def exact_number(query: str) -> str | None:
    candidate = query.strip().upper()
    return candidate if _NUMBER.match(candidate) else None


def exact_bin(query: str) -> str | None:
    candidate = query.strip()
    return candidate if _BIN.match(candidate) else None


def postgresql_match(query_words: list[str]) -> ColumnElement[bool]:
    """PostgreSQL: the complaint's text matches every word as a prefix (the GIN index's expression)."""
    tsquery = " & ".join(f"{word}:*" for word in query_words)
    return text("to_tsvector('simple'::regconfig, complaints.search_text) "
                "@@ to_tsquery('simple'::regconfig, :pbi_tsquery)").bindparams(pbi_tsquery=tsquery)


def sqlite_condition(query_words: list[str], complaint_id) -> ColumnElement[bool]:
    """SQLite: ``complaint_id`` is among the newest matches of the FTS5 index (every word as a prefix)."""
    match = " ".join(f'"{word}"*' for word in query_words)  # words are letters and digits only
    matches = select(literal_column("rowid")).select_from(text("complaints_fts")).where(
        text("complaints_fts MATCH :pbi_match").bindparams(pbi_match=match))
    return complaint_id.in_(matches.order_by(literal_column("rowid").desc()).limit(MAX_MATCHES + 1))


def sqlite_first_matches(query_words: list[str], limit: int) -> list[int]:
    """SQLite: the ids of up to ``limit`` matches, newest first, read from the FTS5 index alone.

    In the index's own order (ascending ids): a third cheaper than ``ORDER BY rowid DESC``
    for a prefix; when fewer than ``limit`` match these are all of them.
    """
    statement = text("SELECT rowid FROM complaints_fts WHERE complaints_fts MATCH :pbi_match LIMIT :pbi_limit")
    params = {"pbi_match": " ".join(f'"{word}"*' for word in query_words), "pbi_limit": limit}
    return sorted(db.session.scalars(statement, params), reverse=True)


def sqlite_among(ids: list[int], complaint_id) -> ColumnElement[bool]:
    """SQLite: ``complaint_id`` is one of ``ids`` (one JSON parameter, however many ids)."""
    return complaint_id.in_(select(literal_column("value")).select_from(func.json_each(json.dumps(ids))))


def sqlite_match_count(query_words: list[str]) -> int:
    """SQLite: how many complaints match, counted up to ``MAX_MATCHES`` + 1 from the index alone."""
    inner = text("SELECT rowid FROM complaints_fts WHERE complaints_fts MATCH :pbi_match LIMIT :pbi_cap")
    params = {"pbi_match": " ".join(f'"{word}"*' for word in query_words), "pbi_cap": MAX_MATCHES + 1}
    return db.session.execute(select(func.count()).select_from(inner.columns().subquery()), params).scalar_one()


# --- the index: created with the table (tests, `init`) and by migration 0004 ---------------

SQLITE_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS complaints_fts USING fts5(search_text, content='complaints', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER IF NOT EXISTS complaints_fts_insert AFTER INSERT ON complaints BEGIN "
    "INSERT INTO complaints_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS complaints_fts_delete AFTER DELETE ON complaints BEGIN "
    "INSERT INTO complaints_fts(complaints_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS complaints_fts_update AFTER UPDATE OF search_text ON complaints BEGIN "
    "INSERT INTO complaints_fts(complaints_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO complaints_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
)
POSTGRESQL_DDL = (
    "CREATE INDEX IF NOT EXISTS ix_complaints_search ON complaints "
    "USING gin (to_tsvector('simple'::regconfig, search_text))",
)
SEARCH_OBJECTS = {"complaints_fts", "complaints_fts_data", "complaints_fts_idx", "complaints_fts_docsize",
                  "complaints_fts_config", "ix_complaints_search"}


def is_search_object(name: str | None) -> bool:
    """Database objects of the search index, which the models do not declare (Alembic skips them)."""
    return name in SEARCH_OBJECTS


def alembic_include_name(name, type_, parent_names) -> bool:
    """Alembic's ``include_name`` hook: compare everything but the search index's own objects."""
    return not is_search_object(name)


def attach(table) -> None:
    for statement in SQLITE_DDL:
        event.listen(table, "after_create", DDL(statement).execute_if(dialect="sqlite"))
    for statement in POSTGRESQL_DDL:
        event.listen(table, "after_create", DDL(statement).execute_if(dialect="postgresql"))
