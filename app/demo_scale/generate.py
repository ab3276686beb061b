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

import gc
import itertools
import random
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, timedelta
from functools import cache

from app.complaints.search import fold
from app.demo_scale import vocabulary as v
from app.demo_scale.associations import AssociationRows
from app.demo_scale.rows import (
    CLOSINGS,
    COMPLAINTS_PER_BATCH,
    DAY_US,
    DETAILS,
    EPOCH,
    HOUR_US,
    ID_TABLES,
    LOCAL_ZONE,
    LOCALE,
    MINUTE_US,
    OPENINGS,
    PRESSURE,
    TABLES,
    YEARS,
    Chain,
    Clock,
    Settings,
    Start,
    Summary,
    between,
    folded,
    format_number,
    one,
    pick,
    to_us,
    token,
    transition_details,
    verification_code,
    zipf_cumulative,
)
from app.demo_scale.timeline import ComplaintTimeline
from app.demo_scale.world import (
    Cover,
    Firm,
    Official,
    Owner,
    make_bodies,
    official_position,
    phone,
    valid_bin,
    valid_iin,
)
from app.reporting.names import body_key, official_key


@cache
def keys(body_name: str, official_name: str | None) -> tuple[str, str | None]:
    """The complaint's body_key and official_key (the world's names recur: computed once each)."""
    return body_key(body_name), official_key(official_name)

# --- the generator -----------------------------------------------------------------------------

class Generator(AssociationRows, ComplaintTimeline):
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
                         "entrepreneur", True, created, created, last_login, created))
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
            position = official_position(rng, body)
            self.officials.append(Official(name, position, body, fold(name), fold(position)))
        self.official_weights = zipf_cumulative(len(self.officials), 0.7, rng, offset=20)
        self.officer_weights = list(itertools.accumulate(0.5 + rng.random() for _ in s.officers))

        self.covers: dict[int, list[Cover]] = {}
        self.plan_associations(owners)
        self.summary.rows.update({table: len(rows) for table, rows in out.items()})
        return out
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
        as_of_local_us = self.as_of_us + clock.offset[last] - (last - EPOCH) * DAY_US
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
        position = official.position if official else (official_position(rng, body) if rng.random() < 0.3 else None)
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
        first_decision = None  # (day ordinal, working days, in term), as clock.record_first_decision
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
                if first_decision is None:
                    day = clock.local_ordinal(at)
                    due = clock.workday(forwarding_index) if action == "forward" else \
                        state["extended_until"] or clock.workday(due_index)
                    first_decision = (day, clock.index_on_or_before(day) - r, day <= due)
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
            search_text, *keys(body.name, official_name), amount, rng.random() < 0.75, consent, status,
            state["officer"], consent, clock.day_text(clock.local_ordinal(received_us)),
            clock.day_text(registration_day), clock.day_text(clock.workday(due_index)),
            clock.day_text(clock.workday(forwarding_index)), clock.day_text(extended) if extended else None,
            state["extension_reason"], state["outcome"], state["decision_text"], state["forwarded_to"],
            state["rejection_reason"], self.text(state["decided_at"]) if state["decided_at"] else None,
            *((clock.day_text(first_decision[0]), *first_decision[1:]) if first_decision else (None, None, None)),
            state["appeal_reason"], self.text(state["appealed_at"]) if state["appealed_at"] else None,
            self.text(state["closed_at"]) if state["closed_at"] else None, talon_id))
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
