"""P2: staff and public pages at a small and a large registry, on SQLite and PostgreSQL.

``P2 <page>: 1k X ms, 1M Y ms, ratio Z (sqlite|postgresql)`` — the median time of the
page served by the real app (in-process WSGI, an officer signed in, the real argon2 cost
only at sign-in), with 1,000 complaints / 100 agreements and with 1,000,000 / 100,000,
measured interleaved in the same run. Goal: ratio ≤ 1.5 for every page on both backends.

The databases are made with ``flask --app wsgi init`` + ``flask --app wsgi demo scale``
in ``$PBI_BENCH_DIR`` (default ``/tmp/pbi-bench``) and kept between runs (a marker file
records what was generated; delete the folder to regenerate). With ``--tiny`` the sizes
are 60 / 600 complaints. PostgreSQL runs when ``PBI_TEST_POSTGRES_URL`` names a server
(``make bench`` starts the local cluster). The query plans of the pages' statements are
written to ``$PBI_BENCH_DIR/plans-<backend>.txt`` (see BENCHMARKS.md).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import event, text

ROOT = Path(__file__).resolve().parent.parent
FULL = ((1_000, 100, "1k"), (1_000_000, 100_000, "1M"))
TINY = ((60, 6, "60"), (600, 30, "600"))
OFFICER = "officer1@demo.pbi.kz"
PASSWORD = "Turkistan-Demo-2026"  # noqa: S105 (the documented demo password)


def _bench_dir() -> Path:
    return Path(os.environ.get("PBI_BENCH_DIR") or Path(tempfile.gettempdir()) / "pbi-bench")


def _database_url(backend: str, name: str) -> str | None:
    if backend == "sqlite":
        return None
    server = os.environ["PBI_TEST_POSTGRES_URL"]
    base = server.rpartition("/")[0]
    return f"{base}/{name}"


def _flask(instance: Path, database_url: str | None, *args: str) -> None:
    env = {**os.environ, "PBI_INSTANCE_PATH": str(instance)}
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args],  # noqa: S603 (our own CLI)
                   cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def _prepare(backend: str, complaints: int, associations: int) -> tuple[Path, str | None]:
    name = f"pbi_bench_{complaints}_{associations}"
    instance = _bench_dir() / f"{backend}-{complaints}-{associations}"
    database_url = _database_url(backend, name)
    marker = instance / "bench-data.json"
    wanted = {"complaints": complaints, "associations": associations, "seed": 7, "schema": _schema_head()}
    made = json.loads(marker.read_text()) if marker.exists() else None
    if made == wanted:
        return instance, database_url
    if made is not None and {**made, "schema": wanted["schema"]} == wanted:
        # The same data under an older schema: upgraded in place (`init` applies the migrations;
        # the staff enrolled with the demo secret, as `demo` and `demo scale` do now) rather
        # than generated again (a quarter of an hour at 1M).
        started = time.monotonic()
        _flask(instance, database_url, "init", "--history", "0")
        _enrol_staff(instance, database_url)
        print(f"# P2 {backend}: {complaints} complaints upgraded to schema {wanted['schema']} in "
              f"{time.monotonic() - started:.0f} s", flush=True)
        marker.write_text(json.dumps(wanted))
        return instance, database_url
    if instance.exists():
        shutil.rmtree(instance)
    instance.mkdir(parents=True)
    if database_url:
        import psycopg

        with psycopg.connect(os.environ["PBI_TEST_POSTGRES_URL"], autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
    started = time.monotonic()
    _flask(instance, database_url, "init", "--history", "0")
    _flask(instance, database_url, "demo", "scale", "--complaints", str(complaints), "--associations",
           str(associations), "--seed", "7")
    print(f"# P2 {backend}: generated {complaints} complaints, {associations} associations in "
          f"{time.monotonic() - started:.0f} s", flush=True)
    marker.write_text(json.dumps(wanted))
    return instance, database_url


def _schema_head() -> str:
    """The newest migration: data made under an older one is upgraded before it is measured."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(ROOT / "migrations")).get_current_head()


def _app(instance: Path, database_url: str | None):
    from app import create_app

    overrides = {"INSTANCE_PATH": str(instance), "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False}
    if database_url:
        overrides["SQLALCHEMY_DATABASE_URI"] = database_url.replace("postgresql://", "postgresql+psycopg://", 1)
    return create_app(overrides)


def _enrol_staff(instance: Path, database_url: str | None) -> None:
    """Every staff account without a second factor enrolled with the demo secret."""
    from sqlalchemy import select

    from app.accounts import two_factor
    from app.accounts.models import STAFF_ROLES, User
    from app.accounts.two_factor_models import SecondFactor
    from app.demo import DEMO_TOTP_SECRET
    from app.extensions import db

    app = _app(instance, database_url)
    with app.app_context():
        enrolled = select(SecondFactor.user_id)
        for user in db.session.scalars(select(User).where(User.role.in_(STAFF_ROLES), User.id.not_in(enrolled))):
            two_factor.enrol_with_secret(user, DEMO_TOTP_SECRET)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


class Site:
    """One instance of the app with an officer signed in, and what the pages need."""

    def __init__(self, instance: Path, database_url: str | None) -> None:
        self.app = _app(instance, database_url)
        self.client = self.app.test_client()
        answer = self.client.post("/login", data={"email": OFFICER, "password": PASSWORD})
        assert answer.status_code == 302, answer.status_code
        answer = self.client.post("/sign-in/code", data={"code": self._second_factor_code()})
        assert answer.status_code == 302, answer.status_code
        self.case_id, self.search_word = self._targets()

    def _second_factor_code(self) -> str:
        """The officer's current TOTP code (the demo secret), of a time step not used yet.

        A code is accepted once: when this officer signed in during the last steps
        already, wait for the next step rather than replay one.
        """
        from app.accounts import two_factor
        from app.accounts.services import find_by_email

        while True:
            with self.app.app_context():
                factor = two_factor.factor_of(find_by_email(OFFICER).id)
                now = two_factor.current_step()
                for step in (now, now + 1):  # not now - 1: the clock may cross a step first
                    if factor.last_used_step is None or step > factor.last_used_step:
                        return two_factor.code_at(factor.secret, step)
            time.sleep(two_factor.STEP_SECONDS - time.time() % two_factor.STEP_SECONDS + 0.1)

    def _targets(self) -> tuple[int, str]:
        from app.extensions import db

        with self.app.app_context():
            case_id = db.session.scalar(text(
                "SELECT id FROM complaints WHERE queue_rank = 0 ORDER BY id DESC LIMIT 1"))
            # An official's full name that occurs in few complaints: what an officer looks up.
            names = db.session.scalars(text(
                "SELECT official_name FROM complaints WHERE official_name IS NOT NULL ORDER BY id DESC LIMIT 200"
            )).all()
        names = [name for name in names if name]
        return case_id, min(names, key=lambda n: (names.count(n), n)) if names else "маман"

    def pages(self) -> dict[str, str]:
        return {
            "officer queue page 1": "/staff/complaints",
            "officer queue page 50": "/staff/complaints?page=50",
            "search": f"/staff/complaints?q={quote(self.search_word)}",
            "search, one common surname": f"/staff/complaints?q={quote(self.search_word.split()[0])}",
            "case page": f"/staff/complaints/{self.case_id}",
            "staff dashboard": "/staff/",
            "public registry": "/registry",
        }

    def get_ms(self, path: str) -> float:
        started = time.perf_counter()
        response = self.client.get(path)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (path, response.status_code)
        return elapsed

    def plans(self, path: str) -> list[str]:
        """The query plan of every SELECT the page sends."""
        from app.extensions import db

        statements: list[tuple[str, object]] = []

        def capture(conn, cursor, statement, parameters, context, executemany):
            if statement.lstrip().upper().startswith("SELECT") and not executemany:
                statements.append((statement, parameters))

        with self.app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", capture)
        try:
            self.client.get(path)
        finally:
            event.remove(engine, "before_cursor_execute", capture)
        lines = []
        with self.app.app_context():
            raw = db.engine.raw_connection()
            try:
                cursor = raw.cursor()
                for statement, parameters in statements:
                    prefix = "EXPLAIN QUERY PLAN " if db.engine.dialect.name == "sqlite" else "EXPLAIN "
                    cursor.execute(prefix + statement, parameters)
                    plan = [" | ".join(str(c) for c in row) for row in cursor.fetchall()]
                    lines.append(re.sub(r"\s+", " ", statement)[:300])
                    lines.extend("    " + line for line in plan)
            finally:
                raw.close()
        return lines


def interleaved_medians(timers, repetitions: int) -> list[float]:
    """The median of each timer (a function returning milliseconds), measured in turns after one warm call.

    In turns, so that a slow moment of the shared machine falls on every size alike.
    """
    for timer in timers:
        timer()  # warm: templates, caches, the database's pages
    samples: list[list[float]] = [[] for _ in timers]
    for _ in range(repetitions):
        for index, timer in enumerate(timers):
            samples[index].append(timer())
    return [statistics.median(s) for s in samples]


def _measure(backend: str, tiny: bool) -> list[str]:
    sizes = TINY if tiny else FULL
    sites = [Site(*_prepare(backend, complaints, associations)) for complaints, associations, _ in sizes]
    labels = [label for _, _, label in sizes]
    repetitions = 3 if tiny else 15
    out: list[str] = []
    for page in sites[0].pages():
        paths = [site.pages()[page] for site in sites]
        small, large = interleaved_medians(
            [lambda site=site, path=path: site.get_ms(path) for site, path in zip(sites, paths, strict=True)],
            repetitions)
        line = (f"P2 {page}: {labels[0]} {small:.1f} ms, {labels[1]} {large:.1f} ms, "
                f"ratio {large / small:.2f} ({backend})")
        print(line, flush=True)
        out.append(line)
    plans_file = _bench_dir() / f"plans-{backend}.txt"
    with plans_file.open("w") as handle:
        for page, path in sites[1].pages().items():
            handle.write(f"## {page} ({path}) at {labels[1]}\n")
            handle.write("\n".join(sites[1].plans(path)) + "\n\n")
    return out


def on_each_backend(bench_id: str, measure, tiny: bool) -> list[str]:
    """``measure(backend, tiny)`` on SQLite, then on PostgreSQL when a server is set (else a line saying so)."""
    lines = measure("sqlite", tiny)
    if os.environ.get("PBI_TEST_POSTGRES_URL"):
        lines += measure("postgresql", tiny)
    else:
        line = f"{bench_id} postgresql: not measured (no server in PBI_TEST_POSTGRES_URL; `make bench` starts one)"
        print(line, flush=True)
        lines.append(line)
    return lines


def run(tiny: bool) -> list[str]:
    return on_each_backend("P2", _measure, tiny)
