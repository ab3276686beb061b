"""Proof: ``backup: restored, N files identical, documents verify`` — on the run's backend.

An instance with filings (evidence, signed talons) is served by the project's gunicorn.

1. While an entrepreneur keeps filing over HTTP, ``flask backup create`` copies it; the
   copy is restored into a fresh instance: the database passes its integrity check, every
   filing acknowledged before the backup began is there, every file the restored database
   refers to is in the restored store and decrypts, documents whose PDF the snapshot caught
   half-issued are finished by ``documents issue-pending``, and every talon verifies.
2. With the filings stopped (the server still answering readers), a second backup is
   restored into another fresh instance: every table holds exactly the original's rows
   (plus the restore's own audit row; ``audit verify`` passes), every stored file and key
   file has the original's SHA-256, and every talon verifies — with the app's verifier
   against the restored keys and with Poppler's ``pdfsig``.
"""

from __future__ import annotations

import hashlib
import subprocess
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from app.audit import services as audit
from app.complaints.models import Complaint, Evidence
from app.complaints.services import Upload
from app.documents import services as documents
from app.documents.models import Document
from app.documents.runtime import file_store
from app.extensions import db
from bench import loadgen
from tests.backup import live
from tests.conftest import BACKEND, proof
from tests.factories import add_user, filed_complaint, make_business
from tests.test_instances import BIN, ROOT, gunicorn
from tests.tools import assert_signed_whole_and_valid

pytestmark = pytest.mark.proof


def flask(instance, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=instance.env,
                          capture_output=True, text=True, timeout=300, check=False)


def file_hashes(folder: Path) -> dict[str, str]:
    return {path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file() and not path.name.startswith(".")}


def seed(instance) -> list[str]:
    """Two entrepreneurs, three filings with evidence and talons; the entrepreneurs' e-mails."""
    app = live.instance_app(instance)
    try:
        owners = [add_user(app, email=f"owner{n}@backup.pbi.kz") for n in (1, 2)]
        for index, owner in enumerate([*owners, owners[0]]):
            uploads = [Upload(loadgen.padded_pdf(4000 + index), f"акт-{index}.pdf")]
            filed_complaint(app, owner, make_business(app, owner), uploads=uploads)
    finally:
        with app.app_context():
            db.engine.dispose()
    return owners


class Filer(threading.Thread):
    """An entrepreneur filing over HTTP until stopped; (id, acknowledged at) of each success."""

    def __init__(self, port: int, email: str) -> None:
        super().__init__(daemon=True)
        self.port, self.email, self.stop = port, email, threading.Event()
        self.acknowledged: list[tuple[int, float]] = []
        self.errors: list[str] = []

    def run(self) -> None:
        browser = loadgen.Browser(self.port)
        try:
            live.sign_in(browser, self.email)
            while not self.stop.is_set():
                fields = live.filing_form(browser)
                complaint_id = live.file_complaint(browser, fields, loadgen.padded_pdf(3000))
                self.acknowledged.append((complaint_id, time.monotonic()))
                self.stop.wait(0.5)  # a steady trickle, not a load test
        except (live.HttpError, OSError) as exc:
            self.errors.append(repr(exc))
        finally:
            browser.close()


def check_restored(instance, *, expect_complaints: set[int] | None = None) -> int:
    """Integrity, references, talons of a restored instance; how many documents verify."""
    assert live.integrity_ok(instance)
    verified = 0
    with live.app_context(instance):
        pending = list(db.session.scalars(select(Document.id).where(Document.sha256.is_(None))))
        for document_id in pending:  # what the snapshot caught half-issued (as `documents issue-pending`)
            documents.produce(document_id)
        complaints = set(db.session.scalars(select(Complaint.id)))
        if expect_complaints is not None:
            assert expect_complaints <= complaints
        for digest in db.session.scalars(select(Evidence.sha256)):
            file_store().get(digest)  # present, authentic, hash-checked
        for document in db.session.scalars(select(Document)):
            verdict = documents.verify_upload(documents.pdf_bytes(document))
            assert verdict.valid and verdict.record.number == document.number, (document.number, verdict)
            verified += 1
    return verified


def test_backup_of_a_running_instance_restores_identically(tmp_path):
    original = live.new_instance(tmp_path / "original" / "instance")
    owners = seed(original)
    logs = tmp_path / "logs"
    with gunicorn(original, workers=1, logs=logs) as server:
        # 1. A backup taken while filings arrive.
        filer = Filer(server.port, owners[1])
        filer.start()
        deadline = time.monotonic() + 120
        while not filer.acknowledged and not filer.errors and time.monotonic() < deadline:
            time.sleep(0.1)
        began = time.monotonic()
        before = {complaint_id for complaint_id, _ in filer.acknowledged}
        made = flask(original, "backup", "create", str(tmp_path / "during"))
        ended = time.monotonic()
        time.sleep(1)
        filer.stop.set()
        filer.join(timeout=120)
        assert made.returncode == 0, made.stdout + made.stderr
        assert not filer.errors, filer.errors
        during = [c for c, at in filer.acknowledged if began <= at <= ended]
        assert during, "no filing was acknowledged while the backup ran"

        # 2. A backup taken while the server only answers readers.
        stop_reading, read_errors = threading.Event(), []

        def read() -> None:
            browser = loadgen.Browser(server.port)
            while not stop_reading.is_set():
                for path in ("/healthz", "/verify", "/"):
                    if browser.get(path).status != 200:
                        read_errors.append(path)
            browser.close()

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        quiet = flask(original, "backup", "create", str(tmp_path / "quiet"))
        stop_reading.set()
        reader.join(timeout=60)
        assert quiet.returncode == 0, quiet.stdout + quiet.stderr
        assert not read_errors
    assert (tmp_path / "quiet").stat().st_mode & 0o777 == 0o700
    assert {p.stat().st_mode & 0o777 for p in (tmp_path / "quiet").rglob("*") if p.is_file()} == {0o600}

    first = live.fresh_instance(tmp_path / "first" / "instance", like=original)
    restored = flask(first, "backup", "restore", str(tmp_path / "during"))
    assert restored.returncode == 0, restored.stdout + restored.stderr
    check_restored(first, expect_complaints=before)

    second = live.fresh_instance(tmp_path / "second" / "instance", like=original)
    restored = flask(second, "backup", "restore", str(tmp_path / "quiet"))
    assert restored.returncode == 0, restored.stdout + restored.stderr
    was, now = live.table_rows(original), live.table_rows(second)
    assert set(now) == set(was)
    appended = set(now.pop("audit_log")) - set(was.pop("audit_log"))
    assert len(appended) == 1 and "backup.restored" in repr(appended)
    now.pop("audit_head"), was.pop("audit_head")  # moved by that row; `audit verify` checks it below
    assert now == was
    with live.app_context(second):
        assert audit.verify_chain().ok
    files = {}
    for part in ("storage", "keys"):
        files.update({f"{part}/{k}": v for k, v in file_hashes(original.path / part).items()})
    assert {f"{p}/{k}": v for p in ("storage", "keys") for k, v in file_hashes(second.path / p).items()} == files
    verified = check_restored(second)
    with live.app_context(second):
        talons = list(db.session.scalars(select(Document).where(Document.kind == "complaint_receipt")))
        assert len(talons) == 3 + len(filer.acknowledged)
        for talon in talons:
            path = tmp_path / f"{talon.number}.pdf"
            path.write_bytes(documents.pdf_bytes(talon))
            assert_signed_whole_and_valid(path)
    proof(f"backup: restored, {len(files)} files identical, documents verify "
               f"({verified} documents, {BACKEND}; {len(during)} filings acknowledged during the other backup, "
               f"restored and consistent)")
