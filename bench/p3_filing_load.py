"""P3: entrepreneurs filing at once against a real gunicorn on loopback; and Memory.

``P3 filing load: X journeys/s, p95 Y ms, errors E, fraction of ceiling F``

50 users (3 at tiny size) each repeat one journey for 60 s (3 s): sign in (GET the login
page for its CSRF token, POST), open the filing form, file with a small PDF as evidence
(multipart with the form's CSRF and one-time submission tokens), open the case page,
download the talon (must be a signed PDF). Errors are answers other than 2xx/3xx, wrong
content (no form, no redirect to the case, not a PDF) and failed connections; a failed
journey stops at its first error and counts once. p95 is the journey's duration.

Ceiling = cores ÷ (talon floor + one password verification), measured in this run before
and after the loads with the server idle: the talon floor is WeasyPrint rendering the talon
HTML of a filed complaint plus one raw ECDSA P-256 signature (P1's ``floor`` from
``bench/p1_talon.py``; the same done here if that module is missing); the verification is
argon2-cffi ``verify`` at the app's configured cost (``PBI_ARGON2_*``). Both in CPU time
of this process (argon2 runs ``parallelism`` threads: its wall time on an idle machine
understates the CPU it takes from other requests). F = journeys/s ÷ ceiling.

``P3 filing load with a long search: ...`` repeats the load while an officer repeats a
queue search for a word every complaint has (``/staff/complaints?q=тексеру``) on a database
made big for it (1,000,000 complaints copied from one filed complaint, 2,000 at tiny size;
the same database for both loads): the others must see no error and less than 100 ms on
their p95.

``Memory: worker peak after P3 X MB; during 4 concurrent 100 MB filings Y MB (Z copies)``
— VmHWM of the workers after the loads; then a fresh gunicorn with one worker (so the four
filings share one process; its threads from the project's config) receives four filings
of four 25 MB PDFs each at once (1 MB files at tiny size); Z = (peak − RSS before) ÷ the
bytes of the files in flight.
"""

from __future__ import annotations

import os
import re
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from bench import loadgen
from bench.loadgen import Browser, Server

# A word every bulk complaint has ("inspection"): the full-text index finds them all, and the page
# must order all the matches to show the first 25 — an officer's broad search, the longest read there is.
SEARCH_TERM = "тексеру"
STEPS = ("login page", "sign-in", "form", "file", "case page", "talon")
MB = 1024 * 1024


@dataclass
class Load:
    duration: float
    journeys: list[float] = field(default_factory=list)  # durations of journeys finished in the window
    steps: loadgen.Stopwatch = field(default_factory=loadgen.Stopwatch)
    errors: dict[str, int] = field(default_factory=dict)
    searches: list[float] = field(default_factory=list)
    search_errors: dict[str, int] = field(default_factory=dict)
    completed: int = 0  # successful journeys, in the window or not
    elapsed: float = 0.0  # warm-up, window and the last journeys' drain
    server_cpu: float = 0.0
    machine_cpu: float = 0.0
    client_cpu: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def error(self, label: str, *, search: bool = False) -> None:
        with self.lock:
            target = self.search_errors if search else self.errors
            target[label] = target.get(label, 0) + 1

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    @property
    def rate(self) -> float:
        return len(self.journeys) / self.duration

    @property
    def p95_ms(self) -> float:
        return loadgen.percentile(self.journeys, 0.95) * 1000


class JourneyError(Exception):
    def __init__(self, step: str, problem: str) -> None:
        super().__init__(f"{step}: {problem}")
        self.label = f"{step}: {problem}"


def _expect(step: str, response: loadgen.Response, status: tuple[int, ...]) -> loadgen.Response:
    if response.status not in status:
        raise JourneyError(step, f"HTTP {response.status}")
    return response


def sign_in(browser: Browser, email: str, timed) -> None:
    page = _expect("login page", timed("login page", lambda: browser.get("/login")), (200,))
    form = loadgen.form_with(page.text, "password")
    if form is None or not form.fields.get("csrf_token"):
        raise JourneyError("login page", "no login form with a CSRF token")
    fields = {**form.fields, "email": email, "password": loadgen.PASSWORD}
    answer = _expect("sign-in", timed("sign-in", lambda: browser.post_form(form.action or "/login", fields)), (302,))
    if "/login" in answer.location:
        raise JourneyError("sign-in", "sent back to the login page")
    if email == loadgen.OFFICER_EMAIL:  # staff: the second factor
        page = _expect("sign-in", browser.get("/sign-in/code"), (200,))
        form = loadgen.form_with(page.text, "code")
        if form is None:
            raise JourneyError("sign-in", "no second-factor form")
        fields = {**form.fields, "code": loadgen.officer_code()}
        _expect("sign-in", browser.post_form(form.action or "/sign-in/code", fields), (302,))


def journey(port: int, email: str, evidence: bytes, timed) -> None:
    """One entrepreneur's visit; JourneyError (or OSError) at the first thing that goes wrong."""
    browser = Browser(port)
    try:
        sign_in(browser, email, timed)
        page = _expect("form", timed("form", lambda: browser.get("/portal/complaints/new")), (200,))
        form = loadgen.form_with(page.text, "submission_token")
        if form is None or not form.fields.get("submission_token") or not form.fields.get("csrf_token"):
            raise JourneyError("form", "no filing form with its tokens")
        fields = {**form.fields, "pressure_type": "unscheduled_inspection", "body_category": "sanitary",
                  "body_name": "Түркістан облысының санитариялық-эпидемиологиялық бақылау департаменті",
                  "official_position": "Бас маман", "incident_date": time.strftime("%Y-%m-%d"),
                  "incident_district": "turkistan", "description": loadgen.DESCRIPTION,
                  "keep_identity_confidential": "y", "consent": "y"}
        files = [("evidence", "акт-проверки.pdf", evidence)]
        filed = _expect("file", timed("file", lambda: browser.post_multipart("/portal/complaints/new", fields, files)),
                        (302, 303))
        match = re.search(r"/portal/complaints/(\d+)$", filed.location)
        if match is None:
            raise JourneyError("file", f"not sent to the case page ({filed.location[:80]!r})")
        case_path = f"/portal/complaints/{match.group(1)}"
        case = _expect("case page", timed("case page", lambda: browser.get(case_path)), (200,))
        if "PBI-C-" not in case.text:
            raise JourneyError("case page", "no complaint number on the page")
        talon = _expect("talon", timed("talon", lambda: browser.get(case_path + "/talon.pdf")), (200,))
        if not talon.headers.get("content-type", "").startswith("application/pdf") \
                or not talon.body.startswith(b"%PDF-") or b"/ByteRange" not in talon.body:
            raise JourneyError("talon", "not a signed PDF")
    finally:
        browser.close()


def run_load(port: int, users: list[str], *, duration: float, warmup: float, server: Server,
             search: bool = False) -> Load:
    """``users`` repeat journeys for ``warmup`` + ``duration`` seconds; the window is the last ``duration``."""
    load = Load(duration)
    evidence = loadgen.padded_pdf(20 * 1024)
    begin = time.monotonic()
    window = (begin + warmup, begin + warmup + duration)

    def one(email: str) -> None:
        marks: list[tuple[str, float]] = []

        def timed(step, call):
            t0 = time.monotonic()
            try:
                return call()
            finally:
                marks.append((step, time.monotonic() - t0))

        start = time.monotonic()
        try:
            journey(port, email, evidence, timed)
        except JourneyError as exc:
            load.error(exc.label)
            time.sleep(0.1)  # no hot loop against a failing server
            return
        except OSError as exc:
            load.error(f"{marks[-1][0] if marks else 'connect'}: {type(exc).__name__}")
            time.sleep(0.1)
            return
        end = time.monotonic()
        with load.lock:
            load.completed += 1
        if window[0] <= end <= window[1]:
            with load.lock:
                load.journeys.append(end - start)
            for step, seconds in marks:
                load.steps.add(step, seconds)

    def user(email: str) -> None:
        while time.monotonic() < window[1]:
            one(email)

    def officer() -> None:
        browser = Browser(port, timeout=300)
        try:
            sign_in(browser, loadgen.OFFICER_EMAIL, lambda _step, call: call())
        except (JourneyError, OSError) as exc:
            load.error(f"officer sign-in: {exc}", search=True)
            return
        while time.monotonic() < window[1]:
            t0 = time.monotonic()
            try:
                answer = browser.get(f"/staff/complaints?q={quote(SEARCH_TERM)}")
            except OSError as exc:
                load.error(type(exc).__name__, search=True)
                time.sleep(0.1)
                continue
            if answer.status != 200:
                load.error(f"HTTP {answer.status}", search=True)
                time.sleep(0.1)
                continue
            load.searches.append(time.monotonic() - t0)
        browser.close()

    threads = [threading.Thread(target=user, args=(email,), daemon=True) for email in users]
    if search:
        threads.append(threading.Thread(target=officer, daemon=True))
    cpu0, machine0, client0 = server.cpu_seconds(), loadgen.machine_busy_seconds(), time.process_time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    load.elapsed = time.monotonic() - begin
    load.server_cpu = server.cpu_seconds() - cpu0
    load.client_cpu = time.process_time() - client0
    load.machine_cpu = loadgen.machine_busy_seconds() - machine0
    return load


def timed_search(port: int) -> float:
    """Seconds of one officer's queue search on the idle server."""
    browser = Browser(port, timeout=300)
    sign_in(browser, loadgen.OFFICER_EMAIL, lambda _step, call: call())
    start = time.monotonic()
    _expect("search", browser.get(f"/staff/complaints?q={quote(SEARCH_TERM)}"), (200,))
    elapsed = time.monotonic() - start
    browser.close()
    return elapsed


def serial_cpu(server: Server, email: str, journeys: int) -> dict[str, float]:
    """Server CPU seconds per step, one journey at a time (nothing else runs on the server)."""
    evidence = loadgen.padded_pdf(20 * 1024)
    spent: dict[str, float] = {}

    def timed(step, call):
        before = server.cpu_seconds()
        try:
            return call()
        finally:
            spent[step] = spent.get(step, 0.0) + server.cpu_seconds() - before

    for _ in range(journeys):
        journey(server.port, email, evidence, timed)
    return {step: seconds / journeys for step, seconds in spent.items()}


# --- the ceiling ------------------------------------------------------------------------------

@dataclass
class Floor:
    talon_cpu: float
    talon_wall: float
    argon2_cpu: float
    argon2_wall: float

    @property
    def journey_cpu(self) -> float:
        return self.talon_cpu + self.argon2_cpu


def measure_floor(instance: loadgen.Instance, repeats: int) -> Floor:
    """Talon floor (WeasyPrint render + one raw ECDSA P-256 signature) and one argon2 verification."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from sqlalchemy import select

    from app.accounts import passwords
    from app.complaints.rendering import talon_html
    from app.documents import services as documents
    from app.documents.models import Document, DocumentKind
    from app.documents.pdf import render_pdf
    from app.extensions import db
    from app.timeutil import utcnow

    app = instance.app()
    with app.test_request_context("/"):
        document = db.session.scalars(select(Document).where(
            Document.kind == DocumentKind.COMPLAINT_RECEIPT.value).order_by(Document.id)).first()
        info = documents.DocumentInfo(
            id=document.id, number=document.number, kind=document.kind, subject_type=document.subject_type,
            subject_id=document.subject_id, subject_number=document.subject_number,
            verification_code=document.verification_code,
            verification_url=documents.verification_url(document.number, document.verification_code),
            issued_at=utcnow().replace(microsecond=0))
        html = talon_html(info)
        cfg = app.config
        hasher = passwords.make_hasher(cfg["PBI_ARGON2_TIME_COST"], cfg["PBI_ARGON2_MEMORY_COST"],
                                       cfg["PBI_ARGON2_PARALLELISM"])
        db.session.remove()
        db.engine.dispose()
    key = ec.generate_private_key(ec.SECP256R1())
    password_hash = hasher.hash(loadgen.PASSWORD)
    p1_floor = _p1_floor()

    def talon():
        if p1_floor is not None:
            p1_floor(html, key)
        else:
            key.sign(render_pdf(html, asset_dir=documents.ASSETS), ec.ECDSA(hashes.SHA256()))

    def verify():
        hasher.verify(password_hash, loadgen.PASSWORD)

    def timed(call) -> tuple[float, float]:
        call()  # warm: fonts, caches
        cpu, wall = [], []
        for _ in range(repeats):
            c0, w0 = time.process_time(), time.perf_counter()
            call()
            cpu.append(time.process_time() - c0)
            wall.append(time.perf_counter() - w0)
        return statistics.median(cpu), statistics.median(wall)

    talon_cpu, talon_wall = timed(talon)
    argon2_cpu, argon2_wall = timed(verify)
    return Floor(talon_cpu, talon_wall, argon2_cpu, argon2_wall)


def _p1_floor():
    """P1's talon floor (bench/p1_talon.py ``floor(html, key)``) when it is there, so P1 and P3 agree."""
    try:
        from bench.p1_talon import floor
    except ImportError:
        return None
    return floor


def _merge(floors: list[Floor]) -> Floor:
    return Floor(*(statistics.median(getattr(f, name) for f in floors)
                   for name in ("talon_cpu", "talon_wall", "argon2_cpu", "argon2_wall")))


# --- memory -----------------------------------------------------------------------------------

@dataclass
class Peak:
    before_mb: float  # worker RSS just before (its peak reset to it)
    peak_mb: float  # VmHWM after
    sampled_mb: float  # highest RSS sampled every 5 ms: a cross-check of VmHWM
    copies: float  # (peak - before) / the bytes of the files in flight


def _big_filings(server: Server, instance: loadgen.Instance, worker: int, filings: int, files: int,
                 file_size: int) -> Peak:
    """``filings`` entrepreneurs (signed in, forms open) send ``files`` × ``file_size`` bytes each at once."""
    browsers, bodies = [], []
    for index in range(filings):
        browser = Browser(server.port, timeout=600)
        sign_in(browser, instance.entrepreneurs[index % len(instance.entrepreneurs)], lambda _s, call: call())
        form = loadgen.form_with(browser.get("/portal/complaints/new").text, "submission_token")
        fields = {**form.fields, "pressure_type": "unscheduled_inspection", "body_category": "sanitary",
                  "body_name": "Бенчмарк органы", "incident_date": time.strftime("%Y-%m-%d"),
                  "description": loadgen.DESCRIPTION, "consent": "y"}
        evidence = [("evidence", f"big-{i}.pdf", loadgen.padded_pdf(file_size)) for i in range(files)]
        bodies.append(loadgen.multipart(fields, evidence))
        browsers.append(browser)
    loadgen.reset_peak(worker)  # the sign-ins above peaked at argon2's 64 MB per verification
    before = loadgen.status_kb(worker, "VmRSS")
    barrier = threading.Barrier(filings)
    results: list[str] = []
    sampled, done = [before], threading.Event()

    def send(browser: Browser, body: tuple[bytes, str]) -> None:
        barrier.wait()
        answer = browser.request("POST", "/portal/complaints/new", body[0],
                                 {"Content-Type": body[1], "Content-Length": str(len(body[0]))})
        results.append(f"HTTP {answer.status} {answer.location}")

    def sample() -> None:
        while not done.wait(0.005):
            sampled.append(loadgen.status_kb(worker, "VmRSS"))

    threads = [threading.Thread(target=send, args=pair) for pair in zip(browsers, bodies, strict=True)]
    sampler = threading.Thread(target=sample)
    sampler.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    sampler.join()
    peak = loadgen.status_kb(worker, "VmHWM")
    for browser in browsers:
        browser.close()
    bad = [r for r in results if not re.search(r"HTTP 30[23] .*/portal/complaints/\d+$", r)]
    if bad or len(results) != filings:
        raise RuntimeError(f"big filings failed: {bad or results}; server: {server.last_traceback()}")
    return Peak(before / 1024, peak / 1024, max(sampled) / 1024,
                (peak - before) * 1024 / (filings * files * file_size))


def memory_filings(instance: loadgen.Instance, log_dir: Path, *, filings: int, files: int,
                   file_size: int) -> tuple[Peak, Peak]:
    """(one filing alone, ``filings`` at once) in one fresh worker, its threads as the config says (≥ filings)."""
    env = {**instance.env, "WEB_CONCURRENCY": "1"}
    env["PBI_THREADS"] = str(max(filings, int(env.get("PBI_THREADS", "4"))))
    with Server("wsgi:app", env, log_dir, name="memory") as server:
        (worker,) = server.workers()
        try:
            journey(server.port, instance.entrepreneurs[0], loadgen.padded_pdf(20 * 1024), lambda _s, call: call())
        except JourneyError as exc:
            raise RuntimeError(f"memory warm-up journey failed ({exc}); server: {server.last_traceback()}") from exc
        alone = _big_filings(server, instance, worker, 1, files, file_size)
        together = _big_filings(server, instance, worker, filings, files, file_size)
    return alone, together


# --- the benchmark ----------------------------------------------------------------------------

def _steps_line(load: Load) -> str:
    parts = [f"{step} {loadgen.percentile(load.steps.samples.get(step, []), 0.95) * 1000:.0f}" for step in STEPS]
    return ", ".join(parts)


def _detail(title: str, load: Load, users: int, n: int, floor: Floor) -> str:
    """Where the time went: steps, CPU per journey, what else ran on the machine."""
    journeys = max(1, load.completed)
    others = max(0.0, load.machine_cpu - load.server_cpu - load.client_cpu) / load.elapsed
    left = max(0.01, n - others)
    return (f"{title}: {users} users, {len(load.journeys)} journeys in {load.duration:.0f} s, "
            f"p50 {loadgen.percentile(load.journeys, 0.5) * 1000:.0f} ms; step p95 ms: {_steps_line(load)}; "
            f"server CPU per journey {load.server_cpu / journeys * 1000:.0f} ms (floor "
            f"{floor.journey_cpu * 1000:.0f} ms), server used {load.server_cpu / load.elapsed:.2f} cores, "
            f"client {load.client_cpu / load.elapsed:.2f}, other processes {others:.2f}; fraction of the ceiling "
            f"of the {left:.2f} cores left {load.rate / (left / floor.journey_cpu):.2f}"
            + (f"; errors: {_errors_text(load.errors)}" if load.errors else ""))


def _errors_text(errors: dict[str, int]) -> str:
    return "; ".join(f"{label} ×{count}" for label, count in sorted(errors.items(), key=lambda kv: -kv[1])[:5])


_STARTED = time.monotonic()


def _trace(what: str) -> None:
    """``PBI_BENCH_TRACE=1``: where the time of a run goes, on stderr."""
    if os.environ.get("PBI_BENCH_TRACE"):
        print(f"  [{time.monotonic() - _STARTED:6.1f} s] {what}", file=sys.stderr, flush=True)


def run(tiny: bool) -> list[str]:
    users = 3 if tiny else 50
    duration, warmup = (3.0, 1.0) if tiny else (60.0, 10.0)
    bulk = 2_000 if tiny else 1_000_000
    big_file = 1 * MB if tiny else 25 * MB
    repeats = 1 if tiny else 7
    lines: list[str] = []

    def out(line: str) -> None:
        print(line, flush=True)
        lines.append(line)

    with loadgen.workdir("pbi-bench-p3-") as tmp_path:
        _trace('start')
        instance = loadgen.make_instance(tmp_path, entrepreneurs=users)
        _trace('instance')
        loadgen.file_template_complaint(instance)
        loadgen.bulk_complaints(instance, bulk)
        _trace('bulk complaints')
        floors = [measure_floor(instance, repeats)]
        _trace('floor')
        with Server("wsgi:app", instance.env, tmp_path) as server:
            if not tiny:  # every worker has rendered a talon once (at tiny size: the load's own warm-up)
                run_load(server.port, instance.entrepreneurs[:4], duration=0.0, warmup=5.0, server=server)
            _trace('server up, warmed')
            search_alone = timed_search(server.port)
            serial = serial_cpu(server, instance.entrepreneurs[0], 2 if tiny else 12)
            errors_before = server.server_errors()
            base = run_load(server.port, instance.entrepreneurs, duration=duration, warmup=warmup, server=server)
            _trace('load')
            with_search = run_load(server.port, instance.entrepreneurs, duration=duration, warmup=warmup,
                                   server=server, search=True)
            worker_peak = max(loadgen.status_kb(pid, "VmHWM") for pid in server.workers()) / 1024
            server_errors = server.server_errors() - errors_before
            locked = server.log_text().count("database is locked")
            last_traceback = server.last_traceback()
        _trace('load with search, server stopped')
        if not tiny:
            floors.append(measure_floor(instance, repeats))
        _trace('floor')
        floor = _merge(floors)
        n = loadgen.cores()
        ceiling = n / floor.journey_cpu
        out(f"P3 filing load: {base.rate:.2f} journeys/s, p95 {base.p95_ms:.0f} ms, errors {base.error_count}, "
            f"fraction of ceiling {base.rate / ceiling:.2f}")
        out(f"P3 ceiling: {ceiling:.2f} journeys/s = {n} cores ÷ (talon floor {floor.talon_cpu * 1000:.0f} ms "
            f"+ argon2 verify {floor.argon2_cpu * 1000:.0f} ms) CPU time; wall {floor.talon_wall * 1000:.0f} ms "
            f"+ {floor.argon2_wall * 1000:.0f} ms")
        out(_detail("P3 filing load detail", base, users, n, floor))
        out("P3 server CPU per step, one journey at a time (ms): "
            + ", ".join(f"{step} {serial.get(step, 0) * 1000:.0f}" for step in STEPS)
            + f"; total {sum(serial.values()) * 1000:.0f} (floor: sign-in's argon2 {floor.argon2_cpu * 1000:.0f}, "
            f"file's talon {floor.talon_cpu * 1000:.0f})")
        delta = with_search.p95_ms - base.p95_ms
        out(f"P3 filing load with a long search: {with_search.rate:.2f} journeys/s, p95 {with_search.p95_ms:.0f} ms "
            f"({delta:+.0f} ms), errors {with_search.error_count}")
        search_s = statistics.median(with_search.searches) if with_search.searches else 0.0
        out(f"P3 long search detail: {bulk:,} complaints; alone {search_alone:.1f} s, during the load "
            f"{len(with_search.searches)} × median {search_s:.1f} s, errors {sum(with_search.search_errors.values())}"
            + (f" ({_errors_text(with_search.search_errors)})" if with_search.search_errors else "")
            + f"; server log over both loads: {server_errors} 5xx/timeouts, {locked} 'database is locked'"
            + (f", last exception {last_traceback!r}; " if last_traceback else "; ")
            + _detail("others", with_search, users, n, floor))
        alone, together = memory_filings(instance, tmp_path, filings=4, files=4, file_size=big_file)
        _trace('memory')
        filing_mb = 4 * big_file // MB
        out(f"Memory: worker peak after P3 {worker_peak:.0f} MB; during 4 concurrent {filing_mb} MB filings "
            f"{together.peak_mb:.0f} MB ({together.copies:.1f} copies of the files)")
        out(f"Memory detail: one fresh worker; each filing 4 distinct PDFs of {big_file // MB} MB; one filing alone: "
            f"RSS {alone.before_mb:.0f} → peak {alone.peak_mb:.0f} MB ({alone.copies:.1f} copies); four at once: "
            f"RSS {together.before_mb:.0f} → peak {together.peak_mb:.0f} MB (sampled every 5 ms: "
            f"{together.sampled_mb:.0f} MB)")
    return lines


if __name__ == "__main__":
    run(tiny="--tiny" in sys.argv)
    os._exit(0)
