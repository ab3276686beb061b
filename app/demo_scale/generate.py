"""The synthetic registry as rows, generated from one seed (pure: no Flask app, no database).

:func:`generate` yields batches of rows, table by table in an order that satisfies the
foreign keys, ready for ``executemany`` (SQLite) or ``COPY`` (PostgreSQL): every id,
number and audit hash is assigned here, continuing what the database held before
(:class:`Start`), so the rows go in as they are. Timestamps are written the way the
models store them (naive UTC, ``YYYY-MM-DD HH:MM:SS.ffffff``), dates as ``YYYY-MM-DD``.

What is generated, and how it hangs together:

- *People*: entrepreneurs (business owners and association representatives), all with
  the one password hash given; the staff come in ready-made (the app creates them).
- *Businesses* with valid BINs (legal entities) or their owner's IIN (individual
  entrepreneurs); how often each files follows a Zipf-like law.
- *State bodies* (a few hundred, from the districts of the region and the regional
  offices) and *officials* (a few thousand, each in one body), both with Zipf-like
  frequencies: the same bodies and the same officials recur, some very often.
- *Complaints* received over the last five years (more recent years busier, working
  hours mostly), each run through the department's workflow as a timeline cut at "now":
  taken or assigned, reviewed, information asked and given, extended, decided (resolved
  with an outcome, forwarded, rejected), appealed and decided again, closed. Old cases
  are decided; a small fraction stalls and is left open and overdue; recent ones are
  open in every state. The legal clock comes from the working-day calendar given.
- *Events*, *messages* (questions, answers, internal notes) and *evidence* rows (all
  pointing at one stored PDF) consistent with the timeline; a registered *document*
  (number, verification code, ``issue_key`` as :func:`app.documents.services.reserve`
  makes them, no PDF yet) for each talon and decision letter.
- *Associations* with one agreement each: most in force (numbered ``PBI-A-<year>-NNNN``
  in the order they were countersigned), some expired or terminated, a few still being
  signed; complaints of an owner who represents an association in force are often
  filed through it.
- *Audit rows* chained exactly as :mod:`app.audit.services` does, from the current head:
  one per filing, and the agreements' transitions and authority decisions; with
  ``full_audit`` also every complaint transition, decision letter reserved and message
  (seven rows a complaint instead of one: the load takes about twice as long).
"""

from __future__ import annotations

import base64
import bisect
import calendar as gregorian
import gc
import hashlib
import itertools
import random
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from app.businesses.identifiers import compute_check_digit
from app.complaints.search import fold
from app.demo_scale import vocabulary as v
from app.timeutil import add_months as term_end

US = 1_000_000
DAY_US = 86_400 * US
HOUR_US = 3_600 * US
MINUTE_US = 60 * US
_EPOCH = date(1970, 1, 1).toordinal()
_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LOCAL_ZONE = ZoneInfo("Asia/Almaty")
YEARS = 5

# Columns of each table, in the order the rows give them (generated columns left out:
# the database computes effective_due, queue_rank and registry_rank). The order of the
# tables is the order of insertion: referenced rows first.
TABLES: dict[str, tuple[str, ...]] = {
    "users": ("id", "email", "password_hash", "full_name", "phone", "iin", "locale", "role", "active",
              "created_at", "password_changed_at", "last_login_at"),
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
                   "amount_demanded", "keep_identity_confidential", "consent_at", "status", "assigned_officer_id",
                   "received_at", "registration_day", "due_date", "forwarding_due", "extended_until",
                   "extension_reason", "outcome", "decision_text", "forwarded_to", "rejection_reason",
                   "decided_at", "appeal_reason", "appealed_at", "closed_at", "talon_document_id"),
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
        return (ordinal - _EPOCH) * DAY_US + time_of_day_us - self.offset[ordinal]

    def local_ordinal(self, utc_us: int) -> int:
        return (utc_us + self.offset[utc_us // DAY_US + _EPOCH]) // DAY_US + _EPOCH

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
            text = self._day_text.get(day + _EPOCH) or self.day_text(day + _EPOCH)
            cached = self._stamps[utc_us] = (f"{text} {clock}", f"{text}T{clock}")
        return cached

    def utc_year(self, utc_us: int) -> int:
        return date.fromordinal(utc_us // DAY_US + _EPOCH).year


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


# --- the world: people, businesses, bodies, officials, associations ---------------------------

@dataclass(frozen=True)
class Body:
    name: str
    category: str
    district: str | None  # None: a regional body
    fold: str
    russian: bool


@dataclass(frozen=True)
class Official:
    name: str
    position: str
    body: Body
    fold_name: str
    fold_position: str


@dataclass(frozen=True)
class Owner:
    id: int
    email: str
    locale: str


@dataclass(frozen=True)
class Firm:
    id: int
    number: str
    name: str
    district: str
    owner: Owner
    fold: str  # folded name and number


@dataclass(frozen=True)
class Cover:
    association_id: int
    start_us: int
    end_us: int  # exclusive


def make_bodies(rng: random.Random) -> list[Body]:
    bodies = []
    for category, templates in v.DISTRICT_BODIES.items():
        for code, (kk, ru_gen, ru_dat, _settlement) in v.DISTRICTS.items():
            for template_kk, template_ru in templates:
                russian = rng.random() >= 0.62
                name = template_ru.format(r=ru_gen, d=ru_dat) if russian else template_kk.format(g=kk + "ның", k=kk)
                bodies.append(Body(name, category, code, fold(name), russian))
    for category, names in v.REGIONAL_BODIES.items():
        for name_kk, name_ru in names:
            russian = rng.random() >= 0.62
            name = name_ru if russian else name_kk
            bodies.append(Body(name, category, None, fold(name), russian))
    return bodies


def _position(rng: random.Random, body: Body) -> str:
    kk, ru = v.POSITIONS.get(body.category, v.POSITIONS["default"])
    return one(rng, ru if body.russian else kk)


def valid_bin(rng: random.Random, taken: set[str]) -> str:
    while True:
        first11 = (f"{between(rng, 0, 24):02d}{between(rng, 1, 12):02d}4{one(rng, '0003')}"
                   f"{between(rng, 0, 99999):05d}")
        digit = compute_check_digit(first11)
        if digit is not None and first11 + str(digit) not in taken:
            number = first11 + str(digit)
            taken.add(number)
            return number


def valid_iin(rng: random.Random, taken: set[str], female: bool) -> str:
    while True:
        year = between(rng, 1955, 2003)
        born = date(year, 1, 1) + timedelta(days=between(rng, 0, 364))
        century = ("4" if female else "3") if year < 2000 else ("6" if female else "5")
        first11 = f"{born:%y%m%d}{century}{between(rng, 0, 9999):04d}"
        digit = compute_check_digit(first11)
        if digit is not None and first11 + str(digit) not in taken:
            number = first11 + str(digit)
            taken.add(number)
            return number


_OPERATORS = ("01", "02", "05", "07", "08", "47", "71", "75", "76", "77")


def phone(rng: random.Random) -> str:
    return f"+77{_OPERATORS[rng.getrandbits(32) % 10]}{rng.getrandbits(32) % 10_000_000:07d}"


# --- the generator -----------------------------------------------------------------------------

class Generator:
    def __init__(self, settings: Settings, start: Start, work_calendar) -> None:
        self.s, self.start = settings, start
        self.rng = random.Random(settings.seed)  # noqa: S311 (synthetic data, reproducible by its seed)
        self.as_of_us = to_us(settings.as_of)
        as_of_local = settings.as_of.replace(tzinfo=UTC).astimezone(LOCAL_ZONE).date()
        self.first_day = as_of_local.replace(year=as_of_local.year - YEARS) + timedelta(days=1)
        self.clock = Clock(work_calendar, self.first_day - timedelta(days=120), as_of_local + timedelta(days=400))
        self.today = as_of_local.toordinal()
        self.next_id = {table: start.ids.get(table, 0) for table in ID_TABLES}
        self.counters = dict(start.counters)
        self.chain = Chain(start.audit_last_id, start.audit_last_hash)
        self.summary = Summary()
        self.taken = set(start.taken_numbers)
        self.start_us = self.clock.to_utc(self.first_day.toordinal(), 0)
        self._stamp_cache: dict[int, tuple[str, str]] = {}

    # ids, numbers, stamps
    def new_id(self, table: str) -> int:
        self.next_id[table] += 1
        return self.next_id[table]

    def number(self, series: str, year: int) -> str:
        value = self.counters.get((series, year), 0) + 1
        self.counters[(series, year)] = value
        return format_number(series, year, value)

    def stamp(self, utc_us: int) -> tuple[str, str]:
        return self.clock.stamp(utc_us)

    def text(self, utc_us: int) -> str:
        return self.clock.stamp(utc_us)[0]

    def local_time(self, ordinal: int, after_us: int, *, start_h: float = 9.0, hours: float = 9.0) -> int:
        """A time on local day ``ordinal`` in working hours, later than ``after_us``."""
        at = self.clock.to_utc(ordinal, int((start_h + self.rng.random() * hours) * HOUR_US))
        if at <= after_us:
            at = after_us + int((3 + self.rng.random() * 120) * MINUTE_US)
        return at

    def on_workday(self, index: int, after_us: int) -> int:
        return self.local_time(self.clock.workday(index), after_us)

    def past_us(self, earliest_us: int, latest_us: int) -> int:
        return earliest_us + int(self.rng.random() * max(latest_us - earliest_us, 1))

    # --- the world ---------------------------------------------------------------------------
    def people(self, count: int, rows: list) -> list[tuple[int, str, str, str, bool]]:
        """``count`` entrepreneurs as rows; returns (id, email, full name, locale, female)."""
        rng, made = self.rng, []
        for _ in range(count):
            user_id = self.new_id("users")
            full_name, first, female = v.person(rng)
            surname = full_name.split(" ", 1)[0]
            email = f"{v.latin(first)[:1]}.{v.latin(surname)}.{user_id}@scale.pbi.kz"
            locale = LOCALE(rng)
            created = self.text(self.start_us - int(rng.random() * 90 * DAY_US))
            last_login = self.text(self.as_of_us - int(rng.random() * 60 * DAY_US)) if rng.random() < 0.3 else None
            rows.append((user_id, email, self.s.password_hash, full_name, phone(rng), None, locale,
                         "entrepreneur", True, created, created, last_login))
            made.append((user_id, email, full_name, locale, female))
        return made

    def world(self) -> dict[str, list]:
        rng, s = self.rng, self.s
        out: dict[str, list] = {table: [] for table in TABLES}
        firms_wanted = max(20, min(s.complaints // 20, 50_000))
        owners_wanted = max(10, round(firms_wanted / 1.15))
        owners = self.people(owners_wanted, out["users"])
        owner_iins: dict[int, str] = {}
        districts = list(v.DISTRICT_WEIGHTS)
        district_weights = list(v.DISTRICT_WEIGHTS.values())
        sectors, sector_weights = list(v.SECTOR_WEIGHTS), list(v.SECTOR_WEIGHTS.values())
        self.firms: list[Firm] = []
        for index in range(firms_wanted):
            user_id, email, full_name, locale, female = owners[index % len(owners)]
            owner = Owner(user_id, email, locale)
            district = rng.choices(districts, weights=district_weights)[0]
            sector = rng.choices(sectors, weights=sector_weights)[0]
            surname, first = full_name.split(" ")[:2]
            if rng.random() < 0.38 and user_id not in owner_iins:
                kind = "individual"
                number = owner_iins[user_id] = valid_iin(rng, self.taken, female)
                name = (f"ШҚ «{one(rng, v.NAME_WORDS)}»" if sector == "agriculture" and rng.random() < 0.5
                        else f"{one(rng, ['ИП', 'ЖК'])} {surname} {first[0]}.")
            else:
                kind = "legal_entity"
                number = valid_bin(rng, self.taken)
                word, suffix = one(rng, v.NAME_WORDS), one(rng, v.SECTOR_WORDS[sector])
                name = f"ТОО «{word} {suffix}»" if rng.random() < 0.5 else f"ЖШС «{word} {suffix}»"
            settlement = v.DISTRICTS[district][3]
            address = f"{settlement}, {one(rng, v.STREETS)} к-сі, {between(rng, 1, 180)}"
            firm_id = self.new_id("businesses")
            created = self.text(self.start_us - int(rng.random() * 60 * DAY_US))
            out["businesses"].append((firm_id, kind, number, name, address, district, sector, created, user_id))
            out["business_representatives"].append((firm_id, user_id))
            self.firms.append(Firm(firm_id, number, name, district, owner, " ".join(
                part for part in (fold(name), number) if part)))
        # the owner's IIN on the account of an individual entrepreneur
        out["users"] = [(*row[:5], owner_iins.get(row[0]), *row[6:]) for row in out["users"]]
        self.firm_weights = zipf_cumulative(len(self.firms), 0.6, rng, offset=20)

        self.bodies = make_bodies(rng)
        self.body_weights = zipf_cumulative(len(self.bodies), 1.0, rng, offset=3)
        officials_wanted = max(30, min(s.complaints // 250, 4_000))
        self.officials = []
        for _ in range(officials_wanted):
            body = pick(rng, self.bodies, self.body_weights)
            name = v.person(rng)[0]
            position = _position(rng, body)
            self.officials.append(Official(name, position, body, fold(name), fold(position)))
        self.official_weights = zipf_cumulative(len(self.officials), 0.7, rng, offset=20)
        self.officer_weights = list(itertools.accumulate(0.5 + rng.random() for _ in s.officers))

        self.covers: dict[int, list[Cover]] = {}
        self.plan_associations(owners)
        self.summary.rows.update({table: len(rows) for table, rows in out.items()})
        return out

    def plan_associations(self, owners) -> None:
        """Each association's agreement, planned: ids, times, status, number, and what it covers.

        Only this is done up front (it orders and numbers the agreements, and the complaints
        need to know which are in force); the rows are made by :meth:`association_rows`, a
        slice with every batch of complaints.
        """
        rng, s, clock = self.rng, self.s, self.clock
        count = s.associations
        shared = min(count // 3, len(owners) // 8)  # business owners who also represent an association
        reps: list[tuple[int, str] | None] = [(owner[0], owner[1]) for owner in rng.sample(owners, shared)]
        reps += [None] * (count - shared)  # a new entrepreneur, made with the rows
        rng.shuffle(reps)
        plans = []
        for index, rep in enumerate(reps):
            roll = rng.random()
            if roll < 0.04:  # still being signed
                created = self.past_us(self.as_of_us - 60 * DAY_US, self.as_of_us - HOUR_US)
                status = "draft" if roll < 0.015 else "signed_by_association"
            elif roll < 0.79:  # countersigned within the term: in force unless terminated
                created = self.past_us(self.as_of_us - (s.term_months - 1) * 30 * DAY_US, self.as_of_us - 20 * DAY_US)
                status = "active"
            else:
                created = self.past_us(self.start_us, self.as_of_us - (s.term_months + 1) * 31 * DAY_US)
                status = "active"  # expires below
            plans.append((created, index, rep, status))
        plans.sort()
        items, countersigned = [], []
        for created, _index, rep, status in plans:
            registered = created - int((1 + rng.random() * 20) * DAY_US)
            uploaded = registered + int(rng.random() * DAY_US)
            reviewed = uploaded + int((2 + rng.random() * 70) * HOUR_US)
            item = {"association": self.new_id("associations"), "id": self.new_id("agreements"), "rep": rep,
                    "registered": registered, "uploaded": uploaded, "reviewed": reviewed,
                    "created": max(created, reviewed + HOUR_US), "status": "draft"}
            if status != "draft":
                item["signed"] = item["created"] + int((0.2 + rng.random() * 5) * DAY_US)
                item["status"] = "signed_by_association"
                if status == "active" and item["signed"] < self.as_of_us:
                    day = clock.registration_index(clock.local_ordinal(item["signed"]) + 1) + between(rng, 0, 8)
                    at = self.on_workday(day, item["signed"])
                    if at < self.as_of_us:
                        item["countersigned"] = at
                        countersigned.append(item)
            items.append(item)
        # countersigning order decides the numbers
        countersigned.sort(key=lambda item: item["countersigned"])
        for item in countersigned:
            at = item["countersigned"]
            local = date.fromordinal(clock.local_ordinal(at))
            item["number"] = self.number("agreement", local.year)
            item["status"] = "active"
            item["valid_from"] = local
            item["valid_until"] = term_end(local, s.term_months)
            end_us = None
            if rng.random() < 0.06:
                ended = self.past_us(at + 10 * DAY_US, min(self.as_of_us, to_us(datetime.combine(
                    item["valid_until"], datetime.min.time()))))
                if ended < self.as_of_us:
                    item.update(status="terminated", ended=ended, reason=one(rng, v.TERMINATIONS))
                    end_us = ended
            if item["status"] == "active" and item["valid_until"].toordinal() < self.today:
                # the daily `agreements expire` job, the morning after the last day
                expired = clock.to_utc(item["valid_until"].toordinal() + 1, 7 * HOUR_US)
                if expired <= self.as_of_us:
                    item.update(status="expired", ended=expired)
                    end_us = expired
            if item["rep"] is not None:
                self.covers.setdefault(item["rep"][0], []).append(
                    Cover(item["association"], at, end_us if end_us is not None else 1 << 62))
        self.association_plan = items
        self.associations_made = 0

    def association_rows(self, count: int, out: dict[str, list]) -> None:
        """The rows of the next ``count`` planned associations (and their agreements) into ``out``."""
        rng, s = self.rng, self.s
        items = self.association_plan[self.associations_made:self.associations_made + count]
        self.associations_made += len(items)
        for item in items:
            if item["rep"] is None:
                made = self.people(1, out["users"])[0]
                item["rep"] = (made[0], made[1])
            rep_id = item["rep"][0]
            association_id = item["association"]
            sectors = rng.sample(list(v.SECTOR_WEIGHTS), one(rng, (1, 1, 1, 2, 2, 3)))
            word = one(rng, v.NAME_WORDS)
            district = one(rng, list(v.DISTRICTS))
            regional = rng.random() < 0.4
            where_kk = v.REGION_KK if regional else v.DISTRICTS[district][0] + "ның"
            where_ru = v.REGION_RU if regional else v.DISTRICTS[district][1]
            name_kk = f"«{word}» {where_kk} {v.SECTOR_KK[sectors[0]]} қауымдастығы"
            name_ru = f"Ассоциация {v.SECTOR_RU[sectors[0]]} «{word}» {where_ru}"
            out["associations"].append((
                association_id, valid_bin(rng, self.taken), name_kk, name_ru, int(5 + rng.paretovariate(1.2) * 20),
                ",".join(sectors), v.person(rng)[0], one(rng, v.HEAD_POSITIONS), self.text(item["registered"]),
                rep_id))
            out["association_representatives"].append((association_id, rep_id))
            officer = pick(rng, s.officers, self.officer_weights)
            proof_id = self.new_id("authority_proofs")
            out["authority_proofs"].append((
                proof_id, association_id, rep_id, self.text(item["uploaded"]), s.pdf_sha256, "pdf",
                one(rng, ("доверенность.pdf", "бұйрық.pdf", "приказ-о-назначении.pdf")), "accepted", officer.id,
                self.text(item["reviewed"]), None))
            item["audit"] = [(item["reviewed"], 0, officer.id, officer.email, "agreement.authority_decision",
                              "association", str(association_id),
                              f'{{"decision":"accepted","proof":{proof_id},"reason":null}}')]
            out["agreements"].append(self._agreement_rows(item, one(rng, s.supervisors), out))
            self.summary.agreement_statuses[item["status"]] += 1
        # their audit rows, in time order
        entries = sorted(entry for item in items for entry in item.pop("audit"))
        for at, _order, actor_id, label, action, subject_type, subject_id, details in entries:
            out["audit_log"].append(self.chain.row(self.stamp(at), actor_id, label, action, subject_type,
                                                   subject_id, details))

    def _agreement_rows(self, item: dict, supervisor: Staff, out: dict[str, list]) -> tuple:
        s, rng = self.s, self.rng
        rep_id, rep_email = item["rep"]
        version = 1
        events = []
        audit = item["audit"]

        def event(at: int, actor: tuple[int | None, str], action: str, source: str, target: str,
                  subject: str, comment: str | None = None) -> None:
            events.append((self.new_id("agreement_events"), item["id"], actor[0], self.text(at), action, source,
                           target, comment))
            audit.append((at, len(audit), actor[0], actor[1], "agreement.transition", "agreement", subject,
                          transition_details(action, source, target)))

        signed = item.get("signed")
        if signed is not None and signed < self.as_of_us:
            event(signed, (rep_id, rep_email), "sign", "draft", "signed_by_association", str(item["id"]))
            version += 1
        else:
            signed = None
        document_id = None
        countersigned = item.get("countersigned")
        if countersigned is not None:
            event(countersigned, (supervisor.id, supervisor.email), "countersign", "signed_by_association", "active",
                  item["number"])
            version += 1
            document_id = self.new_id("documents")
            out["documents"].append((
                document_id, self.number("document", self.clock.utc_year(countersigned)), "agreement",
                f"agreement:{item['id']}", "agreement", item["id"], item["number"], verification_code(rng),
                self.text(countersigned)))
            if item["status"] == "terminated":
                event(item["ended"], (supervisor.id, supervisor.email), "terminate", "active", "terminated",
                      item["number"], item["reason"])
                version += 1
            elif item["status"] == "expired":
                event(item["ended"], (None, "system"), "expire", "active", "expired", item["number"])
                version += 1
        out["agreement_events"].extend(events)
        status = item["status"] if signed is not None else "draft"
        pdf = s.pdf_sha256 if signed is not None else None
        row = (item["id"], version, item.get("number"), item["association"], status, s.text_slug, s.text_version,
               s.text_sha256, rep_id, self.text(item["created"]), pdf,
               rep_id if signed else None, self.text(signed) if signed else None, "password" if signed else None,
               pdf, supervisor.id if countersigned else None, self.text(countersigned) if countersigned else None,
               item["valid_from"].isoformat() if countersigned else None,
               item["valid_until"].isoformat() if countersigned else None,
               self.text(item["ended"]) if item.get("ended") else None, item.get("reason"), document_id)
        item["status"] = status
        return row

    # --- complaints ------------------------------------------------------------------------
    def received_times(self) -> Iterator[tuple[int, int]]:
        """(UTC µs, local ordinal) of every complaint, in order of receipt, a day at a time.

        How many on each day is drawn first (busier in later years, few on days off); the
        times of one day are then drawn and sorted, so the first batches come at once.
        """
        rng, clock = self.rng, self.clock
        first, last = self.first_day.toordinal(), self.today
        span = last - first
        days, weights = [], []
        for ordinal in range(first, last + 1):
            trend = 0.35 + 0.65 * (ordinal - first) / max(span, 1)
            if clock.is_working(ordinal):
                factor = 1.0
            elif date.fromordinal(ordinal).weekday() >= 5:
                factor = 0.1
            else:
                factor = 0.15
            days.append(ordinal)
            weights.append(trend * factor)
        per_day = Counter(rng.choices(days, cum_weights=list(itertools.accumulate(weights)), k=self.s.complaints))
        as_of_local_us = self.as_of_us + clock.offset[last] - (last - _EPOCH) * DAY_US
        for ordinal in days:
            working, times = clock.is_working(ordinal), []
            for _ in range(per_day.get(ordinal, 0)):
                if working:
                    tod = (9 + rng.random() * 9.5) * HOUR_US if rng.random() < 0.88 else rng.random() * DAY_US
                else:
                    tod = (8 + rng.random() * 15) * HOUR_US
                tod = int(tod)
                if ordinal == last and tod >= as_of_local_us:
                    tod = int(rng.random() * as_of_local_us)
                times.append(clock.to_utc(ordinal, tod))
            times.sort()
            for received_us in times:
                yield received_us, ordinal

    def complaints(self) -> Iterator[dict[str, list]]:
        """Batches of complaints, each with a slice of the associations."""
        times = self.received_times()
        batches = -(-self.s.complaints // COMPLAINTS_PER_BATCH)
        per_batch = -(-self.s.associations // max(batches, 1))
        while True:
            chunk = list(itertools.islice(times, COMPLAINTS_PER_BATCH))
            rest = len(self.association_plan) - self.associations_made
            if not chunk and not rest:
                return
            out: dict[str, list] = {table: [] for table in TABLES}
            self.association_rows(per_batch if chunk else rest, out)
            for received_us, ordinal in chunk:
                self.complaint(received_us, ordinal, out)
            self.summary.rows.update({table: len(rows) for table, rows in out.items()})
            yield out

    def _description(self, pressure: str, russian: bool, values: dict[str, str]) -> tuple[str, list[str]]:
        rng, language = self.rng, 1 if russian else 0
        texts: list[str] = []
        folds: list[str] = []
        one(rng, OPENINGS[pressure][language]).fill(values, texts, folds)
        for template in rng.sample(DETAILS[language], one(rng, (0, 1, 1, 2, 2, 3))):
            template.fill(values, texts, folds)
        if rng.random() < 0.8:
            one(rng, CLOSINGS[language]).fill(values, texts, folds)
        return " ".join(texts), folds

    def complaint(self, received_us: int, ordinal: int, out: dict[str, list]) -> None:
        rng, s, clock = self.rng, self.s, self.clock
        firm: Firm = pick(rng, self.firms, self.firm_weights)
        owner = firm.owner
        if rng.random() < 0.66:
            official = pick(rng, self.officials, self.official_weights)
            body = official.body
        else:
            official = None
            body = pick(rng, self.bodies, self.body_weights)
        pressure = PRESSURE[body.category](rng)
        russian = owner.locale == "ru" if rng.random() < 0.85 else owner.locale != "ru"
        position = official.position if official else (_position(rng, body) if rng.random() < 0.3 else None)
        official_name = official.name if official else None
        who = " ".join(part for part in (position, official_name) if part) or v.WHO_UNKNOWN[1 if russian else 0]
        incident = ordinal - min(int(rng.expovariate(1 / 6)), 60)
        amount = None
        if pressure in ("bribe_extortion", "criminal_prosecution") and rng.random() < 0.85:
            amount = int(round(rng.lognormvariate(12.6, 1.0), -4)) or 10_000
        iso = clock.day_text(incident)
        values = {"date": f"{iso[8:10]}.{iso[5:7]}.{iso[:4]}", "body": body.name, "who": who,
                  "amount": f"{(amount or int(round(rng.lognormvariate(12.5, 0.9), -4)) or 50_000):,}".replace(
                      ",", " "), "object": one(rng, v.OBJECTS[1 if russian else 0])}
        description, description_folds = self._description(pressure, russian, values)
        district = body.district or firm.district

        complaint_id = self.new_id("complaints")
        year = date.fromordinal(ordinal).year
        number = self.number("complaint", year)
        search_text = " ".join(part for part in (
            f"pbi c {number[6:10]} {number[11:]}", body.fold, official.fold_name if official else "",
            official.fold_position if official else folded(position), *description_folds, firm.fold) if part)

        r = clock.registration_index(ordinal)
        registration_day = clock.workday(r)
        due_index, forwarding_index = r + 15, r + 3
        timeline = self.timeline(received_us, r, due_index, forwarding_index, registration_day, owner)
        # cut the timeline at a stall and at "now"
        events = timeline["events"]
        kept = [event for event in events if event[0] <= self.as_of_us]
        if timeline["stall"] is not None:
            kept = kept[:timeline["stall"]]
        limit = self.as_of_us if len(kept) == len(events) or timeline["stall"] is None else \
            min(self.as_of_us, kept[-1][0] + 7 * DAY_US)
        kept_ids = {id(event) for event in kept}

        # the complaint's fields after its kept events
        state = {"status": "registered", "officer": None, "extended_until": None, "extension_reason": None,
                 "outcome": None, "decision_text": None, "forwarded_to": None, "rejection_reason": None,
                 "decided_at": None, "appeal_reason": None, "appealed_at": None, "closed_at": None}
        talon_id = self.new_id("documents")
        out["documents"].append((talon_id, self.number("document", clock.utc_year(received_us)), "complaint_receipt",
                                 f"complaint:{complaint_id}:talon", "complaint", complaint_id, number,
                                 verification_code(rng), self.text(received_us)))
        audit = [(received_us, 0, owner.id, owner.email, "complaint.filed",
                  f'{{"evidence_files":{len(timeline["files"])}}}')]
        full_audit = s.full_audit
        decisions = 0
        for event in kept:
            at, action, actor, source, target, comment, detail, effect = event
            document_id = None
            if action in ("forward", "resolve", "reject"):
                decisions += 1
                document_id = self.new_id("documents")
                letter = self.number("document", clock.utc_year(at))
                out["documents"].append((
                    document_id, letter, "decision", f"complaint:{complaint_id}:decision:{decisions}", "complaint",
                    complaint_id, number, verification_code(rng), self.text(at)))
                state["decided_at"] = at
            out["complaint_events"].append((self.new_id("complaint_events"), complaint_id, actor.id,
                                            self.text(at), action, source, target, comment, detail, document_id))
            state["status"] = target
            if effect:
                state.update(effect)
            if full_audit and action != "file":
                audit.append((at, len(audit), actor.id, actor.email, "complaint.transition",
                              transition_details(action, source, target)))
                if document_id is not None:
                    audit.append((at, len(audit), actor.id, actor.email, "document.reserved",
                                  f'{{"document":"{letter}","kind":"decision"}}'))
        # messages and evidence
        for at, author, body_text, internal, files, event in timeline["messages"]:
            if (event is not None and id(event) not in kept_ids) or (event is None and at > limit):
                continue
            message_id = self.new_id("case_messages")
            out["case_messages"].append((message_id, complaint_id, author.id, self.text(at), body_text, internal))
            for name in files:
                out["evidence"].append((self.new_id("evidence"), complaint_id, message_id, author.id, self.text(at),
                                        s.pdf_sha256, "pdf", s.pdf_size, name))
            if full_audit:
                audit.append((at, len(audit), author.id, author.email, "complaint.note" if internal else
                              "complaint.message", f'{{"attachments":{len(files)}}}'))
        for name in timeline["files"]:
            out["evidence"].append((self.new_id("evidence"), complaint_id, None, owner.id, self.text(received_us),
                                    s.pdf_sha256, "pdf", s.pdf_size, name))
        if full_audit:
            audit.sort()
        for at, _order, actor_id, label, action, details in audit:
            out["audit_log"].append(self.chain.row(self.stamp(at), actor_id, label, action, "complaint", number,
                                                   details))

        association_id, may_follow = None, False
        for cover in self.covers.get(owner.id, ()):
            if cover.start_us <= received_us < cover.end_us and rng.random() < 0.7:
                association_id, may_follow = cover.association_id, rng.random() < 0.8
        status = state["status"]
        self.summary.statuses[status] += 1
        extended = state["extended_until"]
        consent = self.text(received_us)
        out["complaints"].append((
            complaint_id, len(kept), number, firm.id, owner.id, token(rng), association_id, may_follow, pressure,
            body.category, body.name, official_name, position, clock.day_text(incident), district, description,
            search_text, amount, rng.random() < 0.75, consent, status, state["officer"], consent,
            clock.day_text(registration_day), clock.day_text(clock.workday(due_index)),
            clock.day_text(clock.workday(forwarding_index)), clock.day_text(extended) if extended else None,
            state["extension_reason"], state["outcome"], state["decision_text"], state["forwarded_to"],
            state["rejection_reason"], self.text(state["decided_at"]) if state["decided_at"] else None,
            state["appeal_reason"], self.text(state["appealed_at"]) if state["appealed_at"] else None,
            self.text(state["closed_at"]) if state["closed_at"] else None, talon_id))

    def timeline(self, received_us: int, r: int, due_index: int, forwarding_index: int, registration_day: int,
                 owner: Owner) -> dict:
        """Everything that would happen to the complaint, in order (cut at "now" by the caller).

        Events: (at, action, actor, from, to, comment, detail, complaint fields it sets).
        Messages: (at, author, body, internal, evidence file names, the event it belongs to or None).
        """
        rng, s, clock = self.rng, self.s, self.clock
        events: list[tuple] = []
        messages: list[tuple] = []
        files = [one(rng, v.EVIDENCE_NAMES) for _ in range(EVIDENCE_COUNT(rng))]
        plain = Staff(owner.id, owner.email, "")
        events.append((received_us, "file", plain, None, "registered", None, None, None))
        status = "registered"

        def move(at: int, action: str, actor: Staff, target: str | None = None, comment: str | None = None,
                 detail: str | None = None, effect: dict | None = None) -> tuple:
            nonlocal status
            source = status
            status = target or status
            event = (at, action, actor, source, status, comment, detail, effect)
            events.append(event)
            return event

        def day_of(at: int) -> int:
            return clock.index_on_or_before(clock.local_ordinal(at))

        officer = pick(rng, s.officers, self.officer_weights)
        supervisor = one(rng, s.supervisors)
        language = 1 if rng.random() < 0.45 else 0
        take_day = r + TAKE_DELAY(rng)
        t = self.on_workday(take_day, received_us)
        if rng.random() < 0.8:
            move(t, "take", officer, "assigned", effect={"officer": officer.id})
        else:
            move(t, "assign", supervisor, "assigned", officer.full_name, effect={"officer": officer.id})
        handler = officer
        stall = between(rng, 2, 4) if rng.random() < 0.002 else None

        def decide(at: int, kind: str, by: Staff) -> None:
            if kind == "resolve":
                outcome = OUTCOME(rng)
                answer = one(rng, v.RESOLUTIONS[outcome])
                move(at, "resolve", by, "resolved", answer, outcome, {"outcome": outcome, "decision_text": answer})
            elif kind == "forward":
                to = one(rng, v.FORWARD_TO)
                move(at, "forward", by, "forwarded", one(rng, v.FORWARD_NOTES), to, {"forwarded_to": to})
            else:
                reason = one(rng, v.REJECTIONS)
                move(at, "reject", by, "rejected", reason, None, {"rejection_reason": reason})

        path = rng.random()
        decided_kind = None
        if path < 0.06:
            at = self.on_workday(take_day + between(rng, 0, 2), t)
            decide(at, "reject", handler)
            decided_kind = "reject"
        else:
            review_day = take_day + REVIEW_DELAY(rng)
            t = self.on_workday(review_day, t)
            move(t, "start_review", handler, "in_review")
            if path < 0.23:
                last = forwarding_index if rng.random() < 0.85 else forwarding_index + between(rng, 1, 5)
                at = self.on_workday(between(rng, review_day, max(review_day, last)), t)
                decide(at, "forward", handler)
                decided_kind = "forward"
            else:
                deadline = due_index
                day = review_day
                if rng.random() < 0.05 and due_index - 1 > review_day + 1:
                    day = between(rng, review_day + 1, due_index - 1)
                    t = self.on_workday(day, t)
                    due_date = clock.workday(due_index)
                    limit = add_months(date.fromordinal(registration_day), 2).toordinal()
                    until = between(rng, min(due_date + 5, limit), limit)
                    reason = one(rng, v.EXTENSIONS)
                    move(t, "extend", supervisor, None, reason,
                         effect={"extended_until": until, "extension_reason": reason})
                    deadline = clock.index_on_or_before(until)
                if rng.random() < 0.25:
                    day = min(day + between(rng, 1, 4), max(deadline - 1, day + 1))
                    t = self.on_workday(day, t)
                    question = one(rng, v.QUESTIONS[language])
                    event = move(t, "request_info", handler, "info_requested", question)
                    messages.append((t, handler, question, False, (), event))
                    # the complainant answers (a case can be decided only in review)
                    day += ANSWER_DELAY(rng)
                    t = self.on_workday(day, t)
                    attachments = tuple(one(rng, v.EVIDENCE_NAMES) for _ in range(one(rng, (0, 1, 1, 2))))
                    event = move(t, "provide_info", plain, "in_review")
                    messages.append((t, plain, one(rng, v.ANSWERS[language]), False, attachments, event))
                if rng.random() < 0.2:
                    note_at = self.on_workday(between(rng, review_day, max(day, review_day + 1)), t)
                    messages.append((note_at, handler, one(rng, v.NOTES), True, (), None))
                if rng.random() < 0.1:
                    follow_up = self.local_time(clock.workday(day) + between(rng, 0, 4), t, start_h=8, hours=14)
                    attachments = tuple(one(rng, v.EVIDENCE_NAMES) for _ in range(rng.random() < 0.3))
                    messages.append((follow_up, plain, one(rng, v.FOLLOW_UPS[language]), False, attachments, None))
                decision_day = between(rng, min(day + 1, deadline), max(deadline, day + 1))
                if rng.random() < 0.04:
                    decision_day = deadline + between(rng, 1, 10)
                decided_kind = DECISION(rng)
                decide(self.on_workday(decision_day, t), decided_kind, handler)
        t = events[-1][0]
        if decided_kind == "resolve":
            outcome = events[-1][7]["outcome"]
            if rng.random() < (0.07 if outcome != "confirmed" else 0.02):
                appealed = self.local_time(clock.local_ordinal(t) + between(rng, 1, s.appeal_days - 1), t,
                                           start_h=8, hours=14)
                reason = one(rng, v.APPEALS)
                move(appealed, "appeal", plain, "appealed", reason,
                     effect={"appeal_reason": reason, "appealed_at": appealed})
                day = day_of(appealed) + between(rng, 1, 4)
                t = self.on_workday(day, appealed)
                move(t, "review_appeal", supervisor, "in_review", effect={"officer": supervisor.id})
                t = self.on_workday(day + between(rng, 2, 10), t)
                decide(t, "resolve", supervisor)
                if rng.random() < 0.7:
                    t = self.local_time(clock.local_ordinal(t) + between(rng, 1, 10), t)
                    move(t, "close", supervisor, "closed", effect={"closed_at": t})
            elif rng.random() < 0.8:
                t = self.local_time(clock.local_ordinal(t) + s.appeal_days + between(rng, 1, 45), t)
                move(t, "close", handler, "closed", effect={"closed_at": t})
        elif decided_kind in ("forward", "reject") and rng.random() < 0.7:
            t = self.local_time(clock.local_ordinal(t) + between(rng, 1, 10), t)
            move(t, "close", handler, "closed", effect={"closed_at": t})
        messages.sort(key=lambda message: message[0])
        return {"events": events, "messages": messages, "files": files, "stall": stall}

    def finish(self) -> Summary:
        self.summary.counters = self.counters
        self.summary.audit_last_id = self.chain.last_id
        self.summary.audit_last_hash = self.chain.last_hash
        return self.summary


def generate(settings: Settings, start: Start, work_calendar) -> Iterator[tuple[dict[str, list], int]]:
    """Batches of rows with the number of complaints in each; then the :class:`Summary`.

    The cyclic garbage collector is off meanwhile: the rows hold no cycles, and with
    millions of live tuples each of its passes would cost more than the generation.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        generator = Generator(settings, start, work_calendar)
        yield generator.world(), 0
        for batch in generator.complaints():
            yield batch, len(batch["complaints"])
        yield generator.finish(), 0
    finally:
        if enabled:
            gc.enable()
