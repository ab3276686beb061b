"""``flask --app wsgi demo scale``: realistic synthetic data at volume, on top of the demo accounts.

    flask --app wsgi demo scale --complaints 1000000 --associations 100000 [--seed 1]

Adds complaints (with their events, messages, evidence, talons and decision letters),
entrepreneurs and their businesses, associations with their agreements, and the audit
rows of it all to the configured database (SQLite or ``DATABASE_URL``), fast: the rows
are made by :mod:`app.demo_scale.generate` (deterministic for a seed and a database
state) and written in one transaction by :mod:`app.demo_scale.load`. Running it again
adds more. A development tool: the data is fictitious.

What the app itself does is kept: the staff pool (40 officers, 5 supervisors,
``officerNN@scale.pbi.kz`` / ``supervisorN@scale.pbi.kz``) is created through the app's
account service once and reused by later runs; every generated account, staff or
entrepreneur, has the demo password (hashed once). Evidence files and authority proofs
all point at one small PDF stored once through the app's encrypted file store, so their
downloads work; talons, decision letters and agreements are registered documents
without a PDF yet, made on first download (or by ``flask documents issue-pending``).

The legal clock comes from the app's working-day calendar; the years before its first
data file (``app/calendar/data``) are counted from the public holidays as the law then
stood (with Kurban Ait), without the government's transfer orders of those years.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import random
import resource
import sys
import time
import traceback
from dataclasses import dataclass
from datetime import UTC, date, datetime

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from app import transactions
from app.accounts import services as accounts
from app.accounts import two_factor
from app.accounts.models import Role, User
from app.agreements.services import STANDARD_TEXT, texts
from app.agreements.texts import latest_published
from app.calendar.workdays import WorkCalendar, default_calendar
from app.calendar.years import Holiday, build_year_calendar
from app.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET
from app.demo_scale import vocabulary
from app.demo_scale.generate import generate
from app.demo_scale.load import loader_for
from app.demo_scale.rows import TABLES, Settings, Staff, Summary
from app.documents.runtime import file_store
from app.extensions import db
from app.timeutil import utcnow

DOMAIN = "scale.pbi.kz"
OFFICERS, SUPERVISORS = 40, 5
IN_PROCESS_BELOW = 20_000  # complaints; above, a second process generates while this one writes

# One small valid PDF, the content of every generated evidence file and authority proof.
EVIDENCE_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%% synthetic evidence (flask demo scale)\n%%EOF\n"
)

# Public holidays before the calendar's data files: the Law "On Holidays" as it stood
# (Constitution Day 30 August; 17 December until 2021; Republic Day again from 2022).
_FIXED_BEFORE_2025 = (
    ((1, 1), "New Year", False), ((1, 2), "New Year", False), ((1, 7), "Orthodox Christmas", True),
    ((3, 8), "International Women's Day", False), ((3, 21), "Nauryz", False), ((3, 22), "Nauryz", False),
    ((3, 23), "Nauryz", False), ((5, 1), "Unity Day", False), ((5, 7), "Defender of the Fatherland Day", False),
    ((5, 9), "Victory Day", False), ((7, 6), "Capital Day", False), ((8, 30), "Constitution Day", False),
    ((12, 16), "Independence Day", False),
)
_KURBAN_AIT = {2019: date(2019, 8, 11), 2020: date(2020, 7, 31), 2021: date(2021, 7, 20),
               2022: date(2022, 7, 9), 2023: date(2023, 6, 28), 2024: date(2024, 6, 16)}


def historical_year(year: int):
    holidays = [Holiday(date(year, month, day), name, religious)
                for (month, day), name, religious in _FIXED_BEFORE_2025]
    if year <= 2021:
        holidays.append(Holiday(date(year, 12, 17), "Independence Day", False))
    if year >= 2022:
        holidays.append(Holiday(date(year, 10, 25), "Republic Day", False))
    if year in _KURBAN_AIT:
        holidays.append(Holiday(_KURBAN_AIT[year], "Kurban Ait", True))
    return build_year_calendar(year, holidays, source=f"demo scale: statutory holidays of {year}, no transfers")


def work_calendar(first_year: int) -> WorkCalendar:
    """The app's calendar, extended back to ``first_year`` with :func:`historical_year`."""
    app_calendar = default_calendar()
    covered = app_calendar.covered_years
    years = {year: historical_year(year) for year in range(first_year, covered.start)}
    years.update({year: app_calendar.year(year) for year in covered})
    return WorkCalendar(years)


@contextlib.contextmanager
def _one_hash(password_hash: str):
    """Let the account service store ``password_hash`` instead of hashing again (hashing is slow)."""

    class Reused:
        def hash(self, password: str) -> str:
            return password_hash

    extensions = current_app.extensions
    saved = extensions.get("pbi_password_hasher")
    extensions["pbi_password_hasher"] = Reused()
    try:
        yield
    finally:
        if saved is None:
            extensions.pop("pbi_password_hasher", None)
        else:
            extensions["pbi_password_hasher"] = saved


def staff_pool(password_hash: str) -> tuple[tuple[Staff, ...], tuple[Staff, ...], int]:
    """The generated officers, supervisors, and how many were created now (through the account service)."""
    wanted = [(f"officer{n:02d}@{DOMAIN}", Role.OFFICER) for n in range(1, OFFICERS + 1)]
    wanted += [(f"supervisor{n}@{DOMAIN}", Role.SUPERVISOR) for n in range(1, SUPERVISORS + 1)]
    existing = {user.email: user for user in db.session.scalars(
        select(User).where(User.email.in_([email for email, _ in wanted])))}
    names = random.Random(7)  # noqa: S311 (the same names on every instance)
    created = 0
    with _one_hash(password_hash):
        for email, role in wanted:
            name = vocabulary.person(names)[0]
            if email not in existing:
                existing[email], _ = accounts.create_staff(email=email, role=role, full_name=name,
                                                           password=DEMO_PASSWORD)
                created += 1
            if not two_factor.is_enrolled(existing[email].id):  # the demo's one TOTP secret (README)
                two_factor.enrol_with_secret(existing[email], DEMO_TOTP_SECRET)
    transactions.commit()

    def staff(role: Role) -> tuple[Staff, ...]:
        return tuple(Staff(existing[email].id, email, existing[email].full_name)
                     for email, r in wanted if r is role)

    return staff(Role.OFFICER), staff(Role.SUPERVISOR), created


@dataclass
class Report:
    summary: Summary
    seconds: float
    added: dict[str, int]
    cpu_writing: float = 0.0  # CPU seconds of this process (and all of it when generating in-process)
    cpu_generating: float = 0.0  # CPU seconds of the generating process


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


class Progress:
    """A one-line counter on stderr (redrawn on a terminal, a line per tenth otherwise)."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total, self.enabled, self.done = total, enabled, 0
        self.tty = sys.stderr.isatty()
        self.started = time.monotonic()
        self._shown = -1

    def add(self, count: int, phase: str = "complaints") -> None:
        self.done += count
        if not self.enabled:
            return
        elapsed = time.monotonic() - self.started
        share = self.done / self.total if self.total else 1.0
        line = f"demo scale: {phase} {self.done:,}/{self.total:,} ({share:.0%}) {elapsed:.0f} s"
        if self.tty:
            sys.stderr.write("\r" + line.ljust(70))
            sys.stderr.flush()
        elif int(share * 10) != self._shown:
            self._shown = int(share * 10)
            sys.stderr.write(line + "\n")

    def note(self, text: str) -> None:
        if self.enabled:
            sys.stderr.write(("\n" if self.tty and self.done else "") + f"demo scale: {text}\n")


def _produce(queue, settings: Settings, start, calendar) -> None:
    """The generating process: batches into ``queue``, then the summary (or the error)."""
    try:
        for item in generate(settings, start, calendar):
            queue.put(("ok", item))
    except BaseException:
        queue.put(("error", traceback.format_exc()))


def _batches(settings: Settings, start, calendar):
    if settings.complaints < IN_PROCESS_BELOW or "fork" not in multiprocessing.get_all_start_methods():
        yield from generate(settings, start, calendar)
        return
    context = multiprocessing.get_context("fork")
    queue = context.Queue(maxsize=4)
    producer = context.Process(target=_produce, args=(queue, settings, start, calendar), daemon=True)
    producer.start()
    try:
        while True:
            try:
                kind, item = queue.get(timeout=5)
            except Exception:
                if not producer.is_alive():
                    raise click.ClickException("the generating process ended unexpectedly") from None
                continue
            if kind == "error":
                raise click.ClickException(f"generating failed:\n{item}")
            yield item
            if isinstance(item[0], Summary):
                return
    finally:
        if producer.is_alive():
            producer.terminate()
        producer.join(timeout=10)


def scale(*, complaints: int, associations: int, seed: int, as_of: datetime | None = None,
          full_audit: bool = False, progress: bool = False) -> Report:
    """Add the synthetic data; returns what was added. Needs an application context."""
    began = time.monotonic()
    cpu_self, cpu_children = _cpu(resource.RUSAGE_SELF), _cpu(resource.RUSAGE_CHILDREN)
    as_of = (as_of or utcnow()).replace(microsecond=0)
    show = Progress(complaints, progress)
    password_hash = accounts.hasher().hash(DEMO_PASSWORD)
    pdf_sha256 = file_store().put(EVIDENCE_PDF)
    text = latest_published(texts(), STANDARD_TEXT)
    officers, supervisors, staff_created = staff_pool(password_hash)
    calendar = work_calendar(as_of.year - 6)
    settings = Settings(
        complaints=complaints, associations=associations, seed=seed, as_of=as_of, officers=officers,
        supervisors=supervisors, password_hash=password_hash, pdf_sha256=pdf_sha256, pdf_size=len(EVIDENCE_PDF),
        text_slug=text.slug, text_version=text.version, text_sha256=text.sha256, term_months=text.term_months,
        appeal_days=current_app.config["PBI_APPEAL_WINDOW_DAYS"], full_audit=full_audit,
    )
    db.session.remove()
    engine = db.engine
    loader = loader_for(engine)
    collecting = gc.isenabled()
    gc.disable()  # millions of short-lived tuples, no cycles: the collector would only slow the load
    try:
        start = loader.read_start()
        loader.defer_indexes(complaints)
        summary, first = None, True
        for batch, count in _batches(settings, start, calendar):
            if isinstance(batch, Summary):
                summary = batch
                break
            for table in TABLES:
                loader.insert(table, batch[table])
            if first:
                show.note(f"{len(batch['users']):,} entrepreneurs and {len(batch['businesses']):,} businesses "
                          f"written; the {associations:,} associations come with the complaints")
                first = False
            show.add(count)
        for step, run in (("counts, counters, audit head", lambda: loader.finish(summary)),
                          ("commit", loader.commit), ("statistics", loader.optimize)):
            began_step = time.monotonic()
            run()
            show.note(f"{step}: {time.monotonic() - began_step:.1f} s")
    except BaseException:
        loader.rollback()
        raise
    finally:
        loader.close()
        if collecting:
            gc.enable()
    added = {table: summary.rows.get(table, 0) for table in TABLES}
    added["users"] += staff_created
    return Report(summary, time.monotonic() - began, added, _cpu(resource.RUSAGE_SELF) - cpu_self,
                  _cpu(resource.RUSAGE_CHILDREN) - cpu_children)


def _as_of(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("an ISO date and time, e.g. 2026-12-01T09:00:00 (UTC)") from None
    return parsed if parsed.tzinfo is None else parsed.astimezone(UTC).replace(tzinfo=None)


@click.command("scale")
@click.option("--complaints", type=click.IntRange(min=0), required=True, help="Complaints to add.")
@click.option("--associations", type=click.IntRange(min=0), required=True,
              help="Associations to add, each with one agreement.")
@click.option("--seed", type=int, default=1, show_default=True, help="The same seed gives the same data.")
@click.option("--as-of", "as_of", default=None, metavar="ISO-TIME",
              help="Generate as of this UTC time instead of now (the last five years before it).")
@click.option("--audit", type=click.Choice(["filings", "full"]), default="filings", show_default=True,
              help="Audit rows: one per filing, or also every transition, decision letter and message "
                   "(about twice the time).")
@with_appcontext
def scale_command(complaints: int, associations: int, seed: int, as_of: str | None, audit: str) -> None:
    """Add realistic synthetic complaints, businesses, associations and agreements at volume."""
    report = scale(complaints=complaints, associations=associations, seed=seed, as_of=_as_of(as_of),
                   full_audit=audit == "full", progress=True)
    added = ", ".join(f"{count:,} {table}" for table, count in report.added.items() if count)
    click.echo(f"Added {added} in {report.seconds:.1f} s (CPU: writing {report.cpu_writing:.0f} s, "
               f"generating {report.cpu_generating:.0f} s).")
    statuses = ", ".join(f"{status} {count:,}" for status, count in sorted(report.summary.statuses.items()))
    if statuses:
        click.echo(f"Complaints by status: {statuses}.")
    click.echo(f"Generated accounts (officer01..{OFFICERS:02d}@{DOMAIN}, supervisor1..{SUPERVISORS}@{DOMAIN}, "
               f"entrepreneurs …@{DOMAIN}) share the demo password {DEMO_PASSWORD}.")
