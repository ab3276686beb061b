"""Writing, verifying and searching the audit log.

Every row carries ``hash``, the SHA-256 of its own content chained to the row before
it. The construction, so that an auditor can recompute it from a database dump
without this code:

1. Build a JSON array of exactly these ten values, in this order::

       ["pbi-audit-v1", prev_hash, id, at, actor_id, actor_label, action,
        subject_type, subject_id, details]

   - ``"pbi-audit-v1"``: a fixed string naming this construction;
   - ``prev_hash``: the previous row's ``hash`` (64 lowercase hex digits), or 64 zeros
     for row 1;
   - ``id``: the row id, a JSON integer (rows are numbered 1, 2, 3 ... without gaps,
     so renumbering or removing rows breaks the chain);
   - ``at``: the naive UTC timestamp as ``YYYY-MM-DDTHH:MM:SS.ffffff`` (always six
     fractional digits, no offset), i.e. Python's ``at.isoformat(timespec="microseconds")``;
   - ``actor_id``: a JSON integer, or ``null``;
   - ``actor_label``, ``action``: JSON strings;
   - ``subject_type``, ``subject_id``: JSON strings, or ``null``;
   - ``details``: the ``details`` column text verbatim, as a JSON *string* (the column
     already holds canonical JSON; it is hashed as stored, not re-encoded).

2. Serialise the array as Python's ``json.dumps(array, ensure_ascii=False,
   separators=(",", ":"))`` does: no whitespace; non-ASCII characters as themselves;
   inside strings only ``"`` and ``\\`` and the control characters U+0000-U+001F are
   escaped (``\\"``, ``\\\\``, ``\\b``, ``\\f``, ``\\n``, ``\\r``, ``\\t``, otherwise
   ``\\u00XX`` with lowercase hex).

3. ``hash`` = lowercase hex SHA-256 of the UTF-8 bytes of that text.

Example: row 1 at 2026-03-01 09:30 UTC by actor 7 "officer1@demo.pbi.kz", action
"complaint.transition", subject "complaint" "42", details ``{"to":"closed"}``. The
hashed text is (one line; ``0…0`` stands for the 64 zeros)::

    ["pbi-audit-v1","0…0",1,"2026-03-01T09:30:00.000000",7,"officer1@demo.pbi.kz","complaint.transition","complaint","42","{\\"to\\":\\"closed\\"}"]

and its hash is ``491345bc592b28f0f4ac5e819e58ea11a8605977e90614a9bae4cde5f0391e23``
(check: ``printf '%s' '<that text>' | sha256sum``).

``audit_head`` holds the id and hash of the last row; a verifier compares it with the
last row to notice a removed tail. For evidence against someone who controls the whole
database, copy the head's hash somewhere else from time to time (``flask audit verify``
prints it): a rewritten chain will not reproduce a hash recorded earlier.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import String, func, select, type_coerce, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from app.audit.models import GENESIS_HASH, AuditEntry, AuditHead
from app.extensions import db
from app.timeutil import utcnow

HASH_VERSION = "pbi-audit-v1"
SYSTEM_LABEL = "system"
ANONYMOUS_LABEL = "anonymous"

_LOG = AuditEntry.__table__
_HEAD = AuditHead.__table__
_LIMITS = {"action": 64, "actor_label": 254, "subject_type": 64, "subject_id": 64}


class AuditChainError(RuntimeError):
    """The log cannot be appended to safely (its head row is missing while rows exist)."""


# -- canonical forms -------------------------------------------------------------------

def _json_default(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    raise TypeError(f"audit details cannot hold a {type(value).__name__}")


def canonical_json(value: Any) -> str:
    """The canonical JSON text stored in ``details``: sorted keys, no spaces, UTF-8 as is."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False, default=_json_default)


def iso_timestamp(at: datetime) -> str:
    return at.isoformat(timespec="microseconds")


def hash_payload(*, prev_hash: str, id: int, at: datetime, actor_id: int | None, actor_label: str,
                 action: str, subject_type: str | None, subject_id: str | None, details: str) -> bytes:
    """The exact bytes whose SHA-256 is a row's ``hash`` (see the module docstring)."""
    content = [HASH_VERSION, prev_hash, id, iso_timestamp(at), actor_id, actor_label, action,
               subject_type, subject_id, details]
    return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def entry_hash(**fields: Any) -> str:
    return hashlib.sha256(hash_payload(**fields)).hexdigest()


def _naive_utc(value: datetime) -> datetime:
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def _storable(value: str) -> str:
    """``value`` with what no database column can hold (NUL, lone surrogates) replaced by U+FFFD."""
    value = value.replace("\x00", "\ufffd")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return value


def _code(name: str, value: Any) -> str:
    """A name chosen by the program (the action): refused, not repaired, when malformed."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"audit {name} must be a non-empty string")
    if len(value) > _LIMITS[name] or _storable(value) != value:
        raise ValueError(f"audit {name} is malformed: {value!r}")
    return value


def _text(name: str, value: Any, *, required: bool) -> str | None:
    """Text that may come from users (a label, a number typed in a form): always storable.

    Unstorable characters are replaced and an over-long value is cut to the column's
    length (ending in "…"), so that an odd input is recorded rather than lost.
    """
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise TypeError(f"audit {name} must be a string, not {type(value).__name__}")
    if required and not value.strip():
        raise ValueError(f"audit {name} is required")
    value, limit = _storable(value), _LIMITS[name]
    return value if len(value) <= limit else value[: limit - 1] + "…"


# -- writing ---------------------------------------------------------------------------

def actor_fields(user: Any) -> dict[str, Any]:
    """``actor_id`` and ``actor_label`` for ``record(**actor_fields(current_user))``.

    ``None`` is the system (a scheduled job); an anonymous visitor is "anonymous".
    """
    if user is None:
        return {"actor_id": None, "actor_label": SYSTEM_LABEL}
    if not getattr(user, "is_authenticated", False):
        return {"actor_id": None, "actor_label": ANONYMOUS_LABEL}
    return {"actor_id": user.id, "actor_label": user.email}


def _create_head() -> None:
    """Insert the head row of an empty log; safe when two sessions race for it.

    The insert waits for a concurrent session's uncommitted head and then does nothing,
    so the caller's next UPDATE finds that head. Only the session whose insert really
    created the head checks that the log is empty: a missing head beside existing rows
    means tampering, not a first start.
    """
    values = {"id": 1, "last_id": 0, "last_hash": GENESIS_HASH}
    dialect = db.session.get_bind(mapper=AuditHead).dialect.name
    if dialect in {"sqlite", "postgresql"}:
        insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
        statement = (insert(_HEAD).values(values).on_conflict_do_nothing(index_elements=[_HEAD.c.id])
                     .returning(_HEAD.c.id))
        # RETURNING, not rowcount: SQLAlchemy reports -1 for an INSERT on psycopg.
        inserted = db.session.execute(statement).first() is not None
    else:  # other databases: the primary key decides
        try:
            with db.session.begin_nested():
                db.session.execute(_HEAD.insert().values(values))
            inserted = True
        except IntegrityError:
            inserted = False
    if inserted:
        last = db.session.scalar(select(func.max(_LOG.c.id)))
        if last is not None:
            raise AuditChainError(
                f"audit_head is missing but audit_log has rows up to {last}; run `flask audit verify`"
            )


def _advance_head() -> tuple[int, str]:
    """Take the head's lock and move it one row on: (the new row's id, the previous hash).

    On PostgreSQL the UPDATE locks the head row until the caller's transaction ends, so
    concurrent appends queue here; SQLite transactions are serialised already (BEGIN
    IMMEDIATE, app.database).
    """
    advance = (
        update(_HEAD).where(_HEAD.c.id == 1).values(last_id=_HEAD.c.last_id + 1)
        .returning(_HEAD.c.last_id, _HEAD.c.last_hash)
    )
    row = db.session.execute(advance).one_or_none()
    if row is None:
        _create_head()
        row = db.session.execute(advance).one()
    return row.last_id, row.last_hash


def record(action: str, *, actor_id: int | None, actor_label: str, subject_type: str | None = None,
           subject_id: str | int | None = None, details: Mapping[str, Any] | None = None,
           at: datetime | None = None) -> AuditEntry:
    """Append one event to the audit log, in the caller's transaction (flushes, never commits).

    ``action`` must be a well-formed name (``ValueError`` otherwise). ``actor_label``,
    ``subject_type`` and ``subject_id`` may come from users: NUL characters and lone
    surrogates become U+FFFD and an over-long value is cut to its column (254, 64, 64
    characters) ending in "…", so the event is still recorded. ``details`` must be a
    mapping of JSON values (dates, enums, decimals and UUIDs are written as text);
    anything else raises ``TypeError``.

    If the caller's transaction rolls back, the event and the head's move roll back with
    it, so the log has no gap. On PostgreSQL the head row stays locked until the caller
    commits: record as late in the transaction as is convenient. ``at`` defaults to now
    (naive UTC, taken after the lock, so time never goes backwards along the chain); an
    aware ``at`` is converted to naive UTC.
    """
    action = _code("action", action)
    actor_label = _text("actor_label", actor_label, required=True)
    subject_type = _text("subject_type", subject_type, required=False)
    if isinstance(subject_id, bool) or not isinstance(subject_id, str | int | None):
        raise TypeError("audit subject_id must be a string or an integer")
    subject_id = _text("subject_id", None if subject_id is None else str(subject_id), required=False)
    if actor_id is not None and (isinstance(actor_id, bool) or not isinstance(actor_id, int)):
        raise TypeError("audit actor_id must be an integer or None")
    if details is not None and not isinstance(details, Mapping):
        raise TypeError("audit details must be a mapping")
    details_text = _storable(canonical_json(dict(details or {})))

    new_id, prev_hash = _advance_head()
    when = _naive_utc(at) if at is not None else utcnow()
    fields = {"id": new_id, "at": when, "actor_id": actor_id, "actor_label": actor_label, "action": action,
              "subject_type": subject_type, "subject_id": subject_id, "details": details_text}
    entry = AuditEntry(**fields, prev_hash=prev_hash, hash=entry_hash(prev_hash=prev_hash, **fields))
    db.session.add(entry)
    db.session.flush()
    db.session.execute(update(_HEAD).where(_HEAD.c.id == 1).values(last_hash=entry.hash))
    return entry


def record_failure(action: str, **fields: Any) -> AuditEntry | None:
    """A failure (403, failed sign-in): counted, and audited once per source and minute.

    Same arguments as :func:`record`; see :mod:`app.audit.failures` for the rule.
    """
    from app.audit import failures  # failures builds on record()

    return failures.record(action, **fields)


# -- verifying -------------------------------------------------------------------------

@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int  # rows found intact (before the problem, if any)
    first_broken_id: int | None
    problem: str | None


def _row_at(value: Any) -> datetime:
    """The stored timestamp, read without the ORM's conversion so that junk is reported, not raised."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        return datetime.fromisoformat(value)
    raise ValueError(f"not a timestamp: {value!r}")


def _row_problem(row, expected_id: int, prev_hash: str) -> tuple[int, str] | None:
    if row.id != expected_id:
        if isinstance(row.id, int) and row.id > expected_id:
            if row.id == expected_id + 1:
                return expected_id, f"row {expected_id} missing (id gap)"
            return expected_id, f"rows {expected_id}..{row.id - 1} missing (id gap)"
        return row.id, f"row {row.id}: unexpected id (expected row {expected_id})"
    if row.prev_hash != prev_hash:
        if row.id == 1:
            return row.id, "row 1: prev_hash is not the genesis value (64 zeros)"
        return row.id, f"row {row.id}: prev_hash does not match row {row.id - 1}"
    try:
        recomputed = entry_hash(
            prev_hash=row.prev_hash, id=row.id, at=_row_at(row.at), actor_id=row.actor_id,
            actor_label=row.actor_label, action=row.action, subject_type=row.subject_type,
            subject_id=row.subject_id, details=row.details,
        )
    except (TypeError, ValueError):
        recomputed = None
    if recomputed != row.hash:
        return row.id, f"row {row.id}: hash does not match its content"
    return None


def head_state() -> tuple[int, str] | None:
    """(last_id, last_hash) of the head row, or ``None`` before the first record."""
    row = db.session.execute(select(_HEAD.c.last_id, _HEAD.c.last_hash).where(_HEAD.c.id == 1)).one_or_none()
    return (row.last_id, row.last_hash) if row else None


def verify_chain(*, batch_size: int = 1000) -> ChainReport:
    """Check every row's hash and link, in id order, and the head against the last row.

    Streams ``batch_size`` rows at a time (keyset pagination on id) in the session's
    transaction, and only reads. Rows appended while it runs (after it has read the
    head) are left for the next run. Detects an edited row (hash mismatch), a removed
    row (id gap), a removed last row (the head points past the end), a row inserted
    after the head, and a head that does not match the last row.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be positive")
    head = head_state()
    columns = [_LOG.c.id, type_coerce(_LOG.c.at, String).label("at"), _LOG.c.actor_id, _LOG.c.actor_label,
               _LOG.c.action, _LOG.c.subject_type, _LOG.c.subject_id, _LOG.c.details, _LOG.c.prev_hash,
               _LOG.c.hash]
    expected_id, prev_hash, checked, after = 1, GENESIS_HASH, 0, None
    while True:
        stmt = select(*columns).order_by(_LOG.c.id).limit(batch_size)
        if after is not None:
            stmt = stmt.where(_LOG.c.id > after)
        if head is not None:
            stmt = stmt.where(_LOG.c.id <= head[0])
        rows = db.session.execute(stmt).all()
        for row in rows:
            problem = _row_problem(row, expected_id, prev_hash)
            if problem:
                return ChainReport(False, checked, *problem)
            checked += 1
            expected_id, prev_hash = row.id + 1, row.hash
        if len(rows) < batch_size:
            break
        after = rows[-1].id

    last_id = expected_id - 1
    if head is None:
        if last_id:
            return ChainReport(False, checked, None, f"audit_head is missing but the last row is {last_id}")
        return ChainReport(True, 0, None, None)
    head_id, head_hash = head
    if head_id != last_id:  # only ever head_id > last_id: rows were read up to the head
        last = f"the last row is {last_id}" if last_id else "the log is empty"
        return ChainReport(False, checked, last_id + 1, f"head points to row {head_id} but {last}")
    if head_hash != prev_hash:
        problem = f"head hash does not match row {last_id}" if last_id else "head hash is not the genesis value"
        return ChainReport(False, checked, last_id or None, problem)
    # A row beyond the head was not appended by record(): its head move would be visible.
    # (Read the rows first, then the head: a concurrent legitimate append is never flagged.)
    max_id = db.session.scalar(select(func.max(_LOG.c.id)))
    head_now = head_state()
    head_now_id = head_now[0] if head_now else 0
    if max_id is not None and max_id > head_now_id:
        return ChainReport(False, checked, head_now_id + 1,
                           f"head points to row {head_now_id} but the last row is {max_id}")
    return ChainReport(True, checked, None, None)

