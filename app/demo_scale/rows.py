"""The synthetic registry's building blocks: tables and columns, the clock, search text, random
choices, numbers and the audit chain (pure: no Flask app, no database; used by :mod:`.generate`).
"""

from __future__ import annotations

import base64
import bisect
import calendar as gregorian
import hashlib
import itertools
import random
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from app.complaints.search import fold
from app.demo_scale import vocabulary as v

US = 1_000_000
DAY_US = 86_400 * US
HOUR_US = 3_600 * US
MINUTE_US = 60 * US
EPOCH = date(1970, 1, 1).toordinal()
_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LOCAL_ZONE = ZoneInfo("Asia/Almaty")
YEARS = 5

# Columns of each table, in the order the rows give them (generated columns left out:
# the database computes effective_due, queue_rank and registry_rank). The order of the
# tables is the order of insertion: referenced rows first.
TABLES: dict[str, tuple[str, ...]] = {
    "users": ("id", "email", "password_hash", "full_name", "phone", "iin", "locale", "role", "active",
              "created_at", "password_changed_at", "last_login_at", "email_verified_at"),
    "businesses": ("id", "kind", "number", "name", "address", "district", "sector", "created_at",
                   "created_by_id"),
    "business_representatives": ("business_id", "user_id"),
    "associations": ("id", "bin", "name_kk", "name_ru", "members_count", "sectors", "head_name",
                     "head_position", "created_at", "created_by_id"),
    "association_representatives": ("association_id", "user_id"),
    "authority_proofs": ("id", "association_id", "representative_id", "uploaded_at", "file_sha256", "file_type",
                         "file_name", "status", "reviewed_by_id", "reviewed_at", "reason"),
    # sha256, signer_fingerprint, issued_at: NULL until the PDF is made (on first download)
    "documents": ("id", "number", "kind", "issue_key", "subject_type", "subject_id", "subject_number",
                  "verification_code", "reserved_at"),
    # signed with the password: the cms_* columns and return_comment stay NULL
    "agreements": ("id", "version", "number", "association_id", "status", "text_slug", "text_version",
                   "text_sha256", "created_by_id", "created_at", "draft_pdf_sha256", "signed_by_id", "signed_at",
                   "signature_method", "signed_pdf_sha256", "countersigned_by_id", "countersigned_at", "valid_from",
                   "valid_until", "ended_at", "termination_reason", "document_id"),
    "agreement_events": ("id", "agreement_id", "actor_id", "at", "action", "from_status", "to_status", "comment"),
    "complaints": ("id", "version", "number", "business_id", "filed_by_id", "submission_token", "association_id",
                   "association_may_follow", "pressure_type", "body_category", "body_name", "official_name",
                   "official_position", "incident_date", "incident_district", "description", "search_text",
                   "body_key", "official_key",
                   "amount_demanded", "keep_identity_confidential", "consent_at", "status", "assigned_officer_id",
                   "received_at", "received_on", "registration_day", "due_date", "forwarding_due", "extended_until",
                   "extension_reason", "outcome", "decision_text", "forwarded_to", "rejection_reason",
                   "decided_at", "decided_on", "decision_working_days", "decided_in_term", "appeal_reason",
                   "appealed_at", "closed_at", "talon_document_id"),
    "complaint_events": ("id", "complaint_id", "actor_id", "at", "action", "from_status", "to_status", "comment",
                         "detail", "document_id"),
    "case_messages": ("id", "complaint_id", "author_id", "at", "body", "internal"),
    "evidence": ("id", "complaint_id", "message_id", "uploaded_by_id", "uploaded_at", "sha256", "kind", "size",
                 "display_name"),
    "audit_log": ("id", "at", "actor_id", "actor_label", "action", "subject_type", "subject_id", "details",
                  "prev_hash", "hash"),
}
ID_TABLES = tuple(name for name, columns in TABLES.items() if columns[0] == "id")
SERIES = {"agreement": ("PBI-A", 4), "complaint": ("PBI-C", 6), "document": ("PBI-D", 6)}  # as app.numbering
COMPLAINTS_PER_BATCH = 5_000


@dataclass(frozen=True)
class Staff:
    id: int
    email: str
    full_name: str


@dataclass
class Start:
    """What the database holds before the load: the last ids, the counters, the audit head."""

    ids: dict[str, int]  # table -> max(id), 0 when empty
    counters: dict[tuple[str, int], int]  # (series, year) -> last value
    audit_last_id: int
    audit_last_hash: str
    taken_numbers: set[str] = field(default_factory=set)  # BINs and IINs already registered


@dataclass(frozen=True)
class Settings:
    complaints: int
    associations: int
    seed: int
    as_of: datetime  # naive UTC: nothing happens after it
    officers: tuple[Staff, ...]
    supervisors: tuple[Staff, ...]
    password_hash: str
    pdf_sha256: str
    pdf_size: int
    text_slug: str
    text_version: str
    text_sha256: str
    term_months: int
    appeal_days: int = 30
    # The audit rows of every transition, decision letter and message too, not only of each filing.
    full_audit: bool = False


@dataclass
class Summary:
    """What the load added, for the writer (counters, head, status counts) and the report."""

    rows: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    counters: dict[tuple[str, int], int] = field(default_factory=dict)
    audit_last_id: int = 0
    audit_last_hash: str = ""
    agreement_statuses: Counter = field(default_factory=Counter)


# --- time -------------------------------------------------------------------------------------

class Clock:
    """Working days (from a calendar) and local time, cached per day for speed.

    Times are integers: microseconds since 1970-01-01 UTC; days are proleptic ordinals.
    """

    def __init__(self, work_calendar, first: date, last: date) -> None:
        self.first, self.last = first.toordinal(), last.toordinal()
        days = [date.fromordinal(o) for o in range(self.first, self.last + 1)]
        self.working = [work_calendar.is_working_day(d) for d in days]
        self.workdays = [d.toordinal() for d, ok in zip(days, self.working, strict=True) if ok]
        self.offset = {}  # local ordinal -> UTC offset (µs) at local noon
        for d in days:
            noon = datetime(d.year, d.month, d.day, 12, tzinfo=LOCAL_ZONE)
            self.offset[d.toordinal()] = int(noon.utcoffset().total_seconds()) * US
        self._day_text: dict[int, str] = {}
        self._seconds = [f"{h:02d}:{m:02d}:{sec:02d}." for h in range(24) for m in range(60) for sec in range(60)]
        self._stamps: dict[int, tuple[str, str]] = {}

    def is_working(self, ordinal: int) -> bool:
        return self.working[ordinal - self.first]

    def registration_index(self, ordinal: int) -> int:
        """Index (in ``workdays``) of the first working day on or after ``ordinal``."""
        return bisect.bisect_left(self.workdays, ordinal)

    def index_on_or_before(self, ordinal: int) -> int:
        return bisect.bisect_right(self.workdays, ordinal) - 1

    def workday(self, index: int) -> int:
        return self.workdays[index]

    def to_utc(self, ordinal: int, time_of_day_us: int) -> int:
        return (ordinal - EPOCH) * DAY_US + time_of_day_us - self.offset[ordinal]

    def local_ordinal(self, utc_us: int) -> int:
        return (utc_us + self.offset[utc_us // DAY_US + EPOCH]) // DAY_US + EPOCH

    def day_text(self, ordinal: int) -> str:
        text = self._day_text.get(ordinal)
        if text is None:
            text = self._day_text[ordinal] = date.fromordinal(ordinal).isoformat()
        return text

    def stamp(self, utc_us: int) -> tuple[str, str]:
        """(the column value, the audit hash form) of a UTC time (the times of one complaint recur)."""
        cached = self._stamps.get(utc_us)
        if cached is None:
            if len(self._stamps) > 4096:
                self._stamps.clear()
            day, rest = divmod(utc_us, DAY_US)
            seconds, micro = divmod(rest, US)
            clock = f"{self._seconds[seconds]}{micro:06d}"
            text = self._day_text.get(day + EPOCH) or self.day_text(day + EPOCH)
            cached = self._stamps[utc_us] = (f"{text} {clock}", f"{text}T{clock}")
        return cached

    def utc_year(self, utc_us: int) -> int:
        return date.fromordinal(utc_us // DAY_US + EPOCH).year


def to_us(value: datetime) -> int:
    """A naive-UTC datetime as microseconds since the epoch."""
    delta = value.replace(tzinfo=UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * US + delta.microseconds


def add_months(day: date, months: int) -> date:
    """The extension limit's arithmetic (as app.calendar.workdays: same date, or the month's last day)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, gregorian.monthrange(year, month)[1]))


# --- search text ------------------------------------------------------------------------------

_FOLDED: dict[str, str] = {}


def folded(value: str | None) -> str:
    """``app.complaints.search.fold`` of ``value``, remembered (the same names recur)."""
    if not value:
        return ""
    result = _FOLDED.get(value)
    if result is None:
        result = fold(value)
        if len(_FOLDED) < 200_000:
            _FOLDED[value] = result
    return result


def _separator(ch: str) -> bool:
    return ch.isspace() or (unicodedata.category(ch).startswith("P") and fold(ch) == "")


@dataclass(frozen=True)
class Template:
    """A text with slots, cut into segments whose folds join to the fold of the whole text."""

    segments: tuple[tuple[bool, str, str], ...]  # (is_slot, text or slot name, folded literal)

    @classmethod
    def of(cls, text: str) -> Template:
        parts = v.segments(text)
        for index, (is_slot, part) in enumerate(parts):
            if is_slot:
                continue
            if (index > 0 and not _separator(part[0])) or (index < len(parts) - 1 and not _separator(part[-1])):
                raise ValueError(f"a slot must border a space or a punctuation mark: {text!r}")
        return cls(tuple((is_slot, part, "" if is_slot else fold(part)) for is_slot, part in parts))

    def fill(self, values: dict[str, str], texts: list[str], folds: list[str]) -> None:
        """Append the filled text to ``texts`` (one sentence) and its folded words to ``folds``."""
        pieces = []
        for is_slot, part, literal in self.segments:
            if is_slot:
                value = values[part]
                pieces.append(value)
                piece = folded(value)
            else:
                pieces.append(part)
                piece = literal
            if piece:
                folds.append(piece)
        texts.append("".join(pieces))


def _templates(pair):
    return tuple(tuple(Template.of(text) for text in texts) for texts in pair)


OPENINGS = {kind: _templates(pair) for kind, pair in v.OPENINGS.items()}
DETAILS = _templates(v.DETAILS)
CLOSINGS = _templates(v.CLOSINGS)


# --- helpers -----------------------------------------------------------------------------------

def zipf_cumulative(count: int, exponent: float, rng: random.Random, offset: int = 1) -> list[float]:
    """Cumulative weights of a Zipf-like law (``1 / (rank + offset) ** exponent``) over items in a random order."""
    weights = [1.0 / (rank + offset) ** exponent for rank in range(count)]
    rng.shuffle(weights)
    return list(itertools.accumulate(weights))


def pick(rng: random.Random, items, cumulative) -> object:
    return items[bisect.bisect(cumulative, rng.random() * cumulative[-1])]


def one(rng: random.Random, items):
    """A uniform choice (``random.choice`` at a quarter of the cost)."""
    return items[int(rng.random() * len(items))]


def between(rng: random.Random, low: int, high: int) -> int:
    """A uniform integer in [low, high] (``random.randint`` at a quarter of the cost)."""
    return low + int(rng.random() * (high - low + 1))


class Weighted:
    """A weighted choice with its cumulative weights computed once."""

    def __init__(self, items, weights) -> None:
        self.items = tuple(items)
        self.cumulative = list(itertools.accumulate(weights))
        self.total = self.cumulative[-1]

    def __call__(self, rng: random.Random):
        return self.items[bisect.bisect(self.cumulative, rng.random() * self.total)]


def weighted(table: dict[str, float]) -> Weighted:
    return Weighted(table, table.values())


def token(rng: random.Random) -> str:
    """A form's submission token, as ``secrets.token_urlsafe(16)`` makes them (22 characters)."""
    return base64.urlsafe_b64encode(rng.getrandbits(128).to_bytes(16, "little")).rstrip(b"=").decode("ascii")


_PAIRS = [a + b for a in _CODE_ALPHABET for b in _CODE_ALPHABET]
_TRIPLES = [pair + c for pair in _PAIRS for c in _CODE_ALPHABET]


def verification_code(rng: random.Random) -> str:
    """Ten characters of Crockford's base32, as app.documents.services makes them: ``XXXXX-XXXXX``."""
    bits = rng.getrandbits(50)
    return (f"{_TRIPLES[bits & 0x7FFF]}{_PAIRS[(bits >> 15) & 0x3FF]}-"
            f"{_TRIPLES[(bits >> 25) & 0x7FFF]}{_PAIRS[bits >> 40]}")


EVIDENCE_COUNT = Weighted((0, 1, 2, 3), (35, 40, 15, 10))
TAKE_DELAY = Weighted((0, 1, 2, 3), (50, 30, 15, 5))
REVIEW_DELAY = Weighted((0, 1, 2), (55, 35, 10))
ANSWER_DELAY = Weighted((1, 2, 3, 5, 8), (30, 25, 20, 15, 10))
OUTCOME = Weighted(("confirmed", "partially_confirmed", "not_confirmed"), (30, 25, 45))
DECISION = Weighted(("resolve", "reject", "forward"), (80, 12, 8))
LOCALE = Weighted(("kk", "ru", "en"), (55, 41, 4))
PRESSURE = {category: weighted(table) for category, table in v.PRESSURE_BY_CATEGORY.items()}


def format_number(series: str, year: int, value: int) -> str:
    if series == "agreement":
        return f"PBI-A-{year}-{value:04d}"
    prefix, digits = SERIES[series]
    return f"{prefix}-{year}-{value:06d}" if digits == 6 else f"{prefix}-{year}-{value:0{digits}d}"


def _json_text(value: str | None) -> str:
    """``value`` as json.dumps(ensure_ascii=False) writes it (no control characters occur here)."""
    if value is None:
        return "null"
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Chain:
    """The audit log's hash chain (app.audit.services), continued from the head."""

    def __init__(self, last_id: int, last_hash: str) -> None:
        self.last_id, self.last_hash = last_id, last_hash

    def row(self, stamp: tuple[str, str], actor_id: int | None, actor_label: str, action: str,
            subject_type: str, subject_id: str, details: str) -> tuple:
        """The next row; ``actor_label``, ``action`` and the subject need no JSON escapes (plain names)."""
        self.last_id += 1
        actor = "null" if actor_id is None else actor_id
        escaped = details.replace("\\", "\\\\").replace('"', '\\"')
        payload = (f'["pbi-audit-v1","{self.last_hash}",{self.last_id},"{stamp[1]}",{actor},'
                   f'"{actor_label}","{action}","{subject_type}","{subject_id}","{escaped}"]')
        digest = hashlib.sha256(payload.encode("utf-8")).hexdigest()
        row = (self.last_id, stamp[0], actor_id, actor_label, action, subject_type, subject_id, details,
               self.last_hash, digest)
        self.last_hash = digest
        return row


def transition_details(action: str, source: str | None, target: str) -> str:
    return f'{{"action":"{action}","from":{_json_text(source)},"to":"{target}"}}'
