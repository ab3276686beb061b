"""Load benchmarks' tools: a bench instance, a real gunicorn on loopback, a small HTTP client.

Used by P3 (filing load, memory) and P4 (pages vs a bare Flask app). Nothing here imports
the app at module level, so ``bench.loadgen`` stays cheap to import.

- :func:`make_instance` initialises an instance folder in a temporary directory the way
  ``flask --app wsgi init --production`` does (config with a random secret, migrations, the
  department's keys), then creates entrepreneurs with one business each and an officer
  through the app's own services. The demo data is not created: it takes half a minute
  to render its PDFs, and the loads need their own accounts anyway. The instance is served
  with ``PBI_ENV=development`` (plain-HTTP cookies on loopback) and the key passphrase in
  the environment, as production would pass it.
- :class:`Server` runs ``gunicorn --config gunicorn.conf.py`` (the project's settings:
  ``WEB_CONCURRENCY`` workers × ``PBI_THREADS`` threads) on a free loopback port.
- :class:`Browser` is one user: a keep-alive ``http.client`` connection and a cookie jar;
  :func:`forms` reads the forms of a page (CSRF token, one-time submission token, choices).
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "Bench-Load-Qx7-Turkistan"  # noqa: S105 (bench accounts in a throw-away instance)
EMAIL_DOMAIN = "load.bench.pbi.kz"
OFFICER_EMAIL = f"officer@{EMAIL_DOMAIN}"


def cores() -> int:
    return len(os.sched_getaffinity(0))


@contextlib.contextmanager
def workdir(prefix: str):
    """A temporary directory for an instance and the server logs; ``PBI_BENCH_KEEP=1`` keeps it."""
    import shutil
    import tempfile

    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        if os.environ.get("PBI_BENCH_KEEP"):
            print(f"  kept {path}", file=sys.stderr, flush=True)
        else:
            shutil.rmtree(path, ignore_errors=True)


# --- the instance -------------------------------------------------------------------------

@dataclass
class Instance:
    path: Path
    passphrase: str
    entrepreneurs: list[str] = field(default_factory=list)  # e-mails

    @property
    def env(self) -> dict[str, str]:
        """The environment gunicorn and the CLI run with (on top of this process's)."""
        return {**os.environ, "PBI_INSTANCE_PATH": str(self.path), "PBI_KEY_PASSPHRASE": self.passphrase,
                "PBI_ENV": "development"}

    @property
    def database(self) -> Path:
        return self.path / "app.db"

    def app(self):
        """The app of this instance in this process (for the services and the floor)."""
        from app import create_app

        return create_app({"INSTANCE_PATH": str(self.path), "PBI_KEY_PASSPHRASE": self.passphrase,
                           "PBI_ENV": "development"})


def _bin_number(serial: int) -> str:
    """A valid BIN of a resident legal entity (head office), from ``serial`` upwards."""
    from app.businesses.identifiers import compute_check_digit

    while True:
        first11 = f"2001400{serial % 10000:04d}"
        digit = compute_check_digit(first11)
        if digit is not None:
            return first11 + str(digit)
        serial += 1


def make_instance(directory: Path, *, entrepreneurs: int, officer: bool = True) -> Instance:
    """An initialised instance folder in ``directory`` with ``entrepreneurs`` filing accounts."""
    instance = Instance(Path(directory) / "instance", secrets.token_urlsafe(24))
    subprocess.run(  # noqa: S603 (our own CLI)
        [str(BIN / "flask"), "--app", "wsgi", "init", "--production"], cwd=ROOT, env=instance.env,
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    app = instance.app()
    from app.accounts import services as accounts
    from app.accounts import two_factor
    from app.accounts.models import Role
    from app.businesses import services as businesses
    from app.businesses.models import BusinessKind
    from app.demo import DEMO_TOTP_SECRET
    from app.extensions import db

    with app.app_context():
        serial = 1
        for index in range(entrepreneurs):
            email = f"user{index:03d}@{EMAIL_DOMAIN}"
            user = accounts.register_entrepreneur(email=email, password=PASSWORD, full_name=f"Кәсіпкер {index}",
                                                  email_verified=True,  # as if the link was followed
                                                  phone=f"+770{index:08d}", iin=None, locale="ru")
            number = _bin_number(serial)
            serial = int(number[7:11]) + 1
            businesses.register_business(user, kind=BusinessKind.LEGAL_ENTITY, number=number,
                                         name=f"ТОО «Жүктеме {index}»", address="Түркістан қ., Тәуке хан д., 1",
                                         district="turkistan", sector="trade")
            instance.entrepreneurs.append(email)
        if officer:
            staff, _ = accounts.create_staff(email=OFFICER_EMAIL, role=Role.OFFICER, full_name="Тексеруші Офицер",
                                             password=PASSWORD)
            two_factor.enrol_with_secret(staff, DEMO_TOTP_SECRET)  # staff sign in with a second factor
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return instance


def file_template_complaint(instance: Instance) -> None:
    """One complaint filed through the services (talon reserved, not produced): bulk rows copy it."""
    import datetime

    from sqlalchemy import select

    from app.accounts.models import User
    from app.businesses.models import Business
    from app.complaints import services as complaints
    from app.extensions import db

    app = instance.app()
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email == instance.entrepreneurs[0])).one()
        business_id = db.session.scalars(select(Business.id).where(Business.created_by_id == user.id)).first()
        filing = complaints.Filing(
            business_id=business_id, association_id=None, association_may_follow=False,
            pressure_type="unscheduled_inspection", body_category="sanitary",
            body_name="Түркістан облысының санитариялық-эпидемиологиялық бақылау департаменті",
            official_name=None, official_position="Бас маман",
            incident_date=datetime.date.today() - datetime.timedelta(days=3), incident_district="turkistan",
            description=DESCRIPTION, amount_demanded=None, keep_identity_confidential=True, consent=True,
            submission_token=uuid.uuid4().hex)
        complaints.file_complaint(user, filing, [])
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def bulk_complaints(instance: Instance, count: int) -> None:
    """Copy the first complaint ``count`` times (new numbers and tokens) straight in SQLite.

    Every column the table has is copied, whatever later migrations add; triggers on the
    table (e.g. a search index) run as for any insert. Not the app's data path: this only
    makes the database big enough for a long search.
    """
    connection = sqlite3.connect(instance.database, timeout=60)
    try:
        columns = [row[1] for row in connection.execute("PRAGMA table_info(complaints)")]
        copied = [c for c in columns if c not in ("id", "number", "submission_token", "talon_document_id")]
        template = connection.execute("SELECT min(id) FROM complaints").fetchone()[0]
        names = ", ".join(f'"{c}"' for c in copied)
        connection.execute(
            f"INSERT INTO complaints (number, submission_token, {names}) "  # noqa: S608 (column names from the schema)
            "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ?) "
            f"SELECT 'PBI-C-1990-' || printf('%07d', n), 'bench-bulk-' || n, {names} "
            "FROM seq, complaints WHERE complaints.id = ?", (count, template))
        connection.commit()
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        with contextlib.suppress(sqlite3.Error):
            connection.execute("PRAGMA optimize")
    finally:
        connection.close()


DESCRIPTION = ("Жоспардан тыс тексеру кезінде лауазымды тұлға айыппұл салмау үшін ақша талап етті. "
               "Во время внеплановой проверки должностное лицо потребовало деньги за неналожение штрафа.")


# --- gunicorn -------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """``gunicorn --config gunicorn.conf.py`` serving ``target`` on a free loopback port."""

    def __init__(self, target: str, env: dict[str, str], log_dir: Path, *, name: str = "gunicorn") -> None:
        self.target, self.env, self.port = target, env, free_port()
        self.log_path = Path(log_dir) / f"{name}-{self.port}.log"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen(  # noqa: S603 (the project's gunicorn)
            [str(BIN / "gunicorn"), "--config", str(ROOT / "gunicorn.conf.py"),
             "--bind", f"127.0.0.1:{self.port}", self.target],
            cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT)
        started = time.monotonic()
        while time.monotonic() < started + 90:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log_path.read_text(errors='replace')[-2000:]}")
            try:
                status = Browser(self.port).get("/healthz").status
            except OSError:
                status = None
            # All workers up (the config's default is 2); after 30 s, whatever the config made.
            if status == 200 and (len(self.workers()) >= int(self.env.get("WEB_CONCURRENCY", "2"))
                                  or time.monotonic() > started + 30):
                return self
            time.sleep(0.2)
        self.__exit__(None, None, None)
        raise RuntimeError("gunicorn did not come up within 90 s")

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()

    def workers(self) -> list[int]:
        """The pids of gunicorn's worker processes (the master's children)."""
        assert self.process is not None
        try:
            text = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text()
        except OSError:
            return []
        return [int(pid) for pid in text.split()]

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the master and its workers."""
        assert self.process is not None
        return sum(process_cpu_seconds(pid) for pid in [self.process.pid, *self.workers()])

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def last_traceback(self) -> str:
        """The last exception line of a traceback in the log ('' when none)."""
        lines = self.log_text().splitlines()
        for index in range(len(lines) - 1, -1, -1):
            if lines[index].startswith("Traceback"):
                following = [line for line in lines[index + 1:] if line and not line.startswith((" ", "\t"))]
                return following[0][:200] if following else "Traceback"
        return ""

    def server_errors(self) -> int:
        """5xx answers in gunicorn's access log, and worker timeouts or crashes."""
        text = self.log_text()
        return len(re.findall(r'" 5\d\d ', text)) + text.count("WORKER TIMEOUT")


def process_cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU time spent by everything on this machine so far (all cores, not idle or iowait)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def status_kb(pid: int, key: str) -> int:
    """A ``/proc/<pid>/status`` memory figure (VmRSS, VmHWM) in kB; 0 when the process is gone."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    match = re.search(rf"^{key}:\s+(\d+) kB", text, re.MULTILINE)
    return int(match.group(1)) if match else 0


def reset_peak(pid: int) -> None:
    """Reset the process's VmHWM to its current RSS (Linux: ``5`` into ``/proc/<pid>/clear_refs``)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


# --- the client -----------------------------------------------------------------------------

@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


class Browser:
    """One user: a keep-alive connection to 127.0.0.1:``port`` and the cookies the site set."""

    def __init__(self, port: int, *, timeout: float = 120) -> None:
        self.port, self.timeout = port, timeout
        self.cookies: dict[str, str] = {}
        self.connection: http.client.HTTPConnection | None = None
        self.reconnects = 0

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def request(self, method: str, path: str, body=None, headers: dict[str, str] | None = None) -> Response:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (0, 1):
            fresh = self.connection is None
            if fresh:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            try:
                self.connection.request(method, path, body=body, headers=headers)
                raw = self.connection.getresponse()
                data = raw.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # The server closed an idle keep-alive connection: reconnect once, as browsers do
                # (a filing is safe to resend: its one-time submission token makes it idempotent).
                self.close()
                if fresh or attempt:
                    raise
                self.reconnects += 1
                if hasattr(body, "seek"):
                    body.seek(0)
                continue
            except BaseException:
                self.close()
                raise
            break
        response = Response(raw.status, {k.lower(): v for k, v in raw.getheaders()}, data)
        for name, value in raw.getheaders():
            if name.lower() == "set-cookie":
                cookie = value.split(";", 1)[0]
                key, _, val = cookie.partition("=")
                if "max-age=0" in value.lower() or "expires=thu, 01 jan 1970" in value.lower():
                    self.cookies.pop(key.strip(), None)
                else:
                    self.cookies[key.strip()] = val.strip()
        if raw.will_close:
            self.close()
        return response

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post_form(self, path: str, fields: dict[str, str]) -> Response:
        from urllib.parse import urlencode

        return self.request("POST", path, urlencode(fields).encode(),
                            {"Content-Type": "application/x-www-form-urlencoded"})

    def post_multipart(self, path: str, fields: dict[str, str], files: list[tuple[str, str, bytes]]) -> Response:
        body, content_type = multipart(fields, files)
        return self.request("POST", path, body, {"Content-Type": content_type, "Content-Length": str(len(body))})


def multipart(fields: dict[str, str], files: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    """A multipart/form-data body: ``files`` are (field, file name, bytes)."""
    boundary = "----pbibench" + uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, filename, data in files:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f"Content-Type: application/pdf\r\n\r\n".encode())
        parts.append(data)
        parts.append(b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)  # what a browser sends by default
    choices: dict[str, list[str]] = field(default_factory=dict)  # select name -> option values


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(a.get("action", ""), a.get("method", "get").lower()))
        if not self.forms:
            return
        form = self.forms[-1]
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    form.fields[name] = a.get("value", "on")
            elif kind not in ("file", "submit", "button"):
                form.fields[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select = name
            form.choices[name] = []
        elif tag == "option" and self._select:
            form.choices[self._select].append(a.get("value", ""))
            if "selected" in a or self._select not in form.fields:
                form.fields[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            form.fields[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self.forms:
            self.forms[-1].fields[self._textarea] += data


def forms(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def form_with(html: str, field_name: str) -> Form | None:
    """The first form of the page that has ``field_name``."""
    return next((f for f in forms(html) if field_name in f.fields or field_name in f.choices), None)


# --- evidence files ---------------------------------------------------------------------------

def padded_pdf(size: int, *, seed: bytes | None = None) -> bytes:
    """A valid one-page PDF of exactly ``size`` bytes: the padding is an unused binary stream object.

    Random padding (or ``seed``-derived bytes) so that two files never share content (the
    store is content-addressed) and nothing compresses.
    """
    head = (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n")

    def build(pad: int) -> bytes:
        offsets, out = [], bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        for obj in head.split(b"\n")[2:5]:
            offsets.append(len(out))
            out += obj + b"\n"
        offsets.append(len(out))
        out += b"4 0 obj<</Length %d>>stream\n" % pad
        out += (seed * (pad // len(seed) + 1))[:pad] if seed else os.urandom(pad)
        out += b"\nendstream\nendobj\n"
        xref = len(out)
        out += b"xref\n0 5\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets)
        out += b"trailer<</Size 5/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % xref
        return bytes(out)

    pad = max(0, size - len(build(0)))
    for _ in range(8):  # the digits of the length and of startxref grow with the padding
        data = build(pad)
        if len(data) == size:
            return data
        pad += size - len(data)
        if pad < 0:
            break
    raise ValueError(f"cannot build a PDF of exactly {size} bytes")


# --- numbers --------------------------------------------------------------------------------

def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) by the nearest-rank method; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 1))))
    return ordered[rank - 1]


class Stopwatch:
    """A thread-safe list of samples with labels."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.samples: dict[str, list[float]] = {}

    def add(self, label: str, seconds: float) -> None:
        with self.lock:
            self.samples.setdefault(label, []).append(seconds)


_last_step = [0]  # the last time step whose code the officer used (a code is accepted once)


def officer_code() -> str:
    """The officer's TOTP code of a time step not used yet (the server allows one step of drift)."""
    from app.accounts import two_factor
    from app.demo import DEMO_TOTP_SECRET

    while True:
        now = two_factor.current_step()
        for step in (now, now + 1):  # not now - 1: the clock may cross a step first
            if step > _last_step[0]:
                _last_step[0] = step
                return two_factor.code_at(DEMO_TOTP_SECRET, step)
        time.sleep(two_factor.STEP_SECONDS - time.time() % two_factor.STEP_SECONDS + 0.1)
