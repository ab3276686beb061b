"""Proof: ``crash: worker|master killed during 100 filings, A acknowledged, A stored, talons issuable, integrity ok``.

Entrepreneurs file 100 complaints with evidence through the project's gunicorn (2 workers)
on an SQLite instance. Once a fifth of them are acknowledged, one process is killed with
SIGKILL — in one run a worker (the master starts another and the clients go on), in the
other the master; its orphaned workers may go on answering for a while, so those still
running 2 s later are killed too (the service is gone: the rest of the filings fail). A filing is
acknowledged when the server answered with the redirect to the new case. Then:

- every acknowledged complaint is stored, with its evidence file, which decrypts and
  matches its SHA-256 (a filing killed before its commit left nothing behind);
- ``flask documents issue-pending`` finishes the talons that were reserved but not made,
  and every acknowledged complaint's talon is then a valid signature by the department;
- ``PRAGMA integrity_check`` is ``ok`` and the audit chain verifies;
- no half-written file is in the store: writes go to a temporary name in the same folder,
  fsynced, then renamed, so only such temporaries can be left by a kill;
  ``flask storage leftovers --min-age 0 --remove`` reports and removes them, after which
  none is left.

SQLite pass only: this is about the database file and the store on this machine's disk;
PostgreSQL's own crash safety is the server's.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from app.audit import services as audit
from app.complaints.models import Complaint, Evidence
from app.documents import services as documents
from app.documents.models import Document
from app.documents.runtime import file_store
from app.extensions import db
from bench import loadgen
from tests.backup import live
from tests.conftest import proof, sqlite_only
from tests.factories import add_user, make_business
from tests.test_instances import flask_cli

FILINGS = 100
CLIENTS = 8

pytestmark = pytest.mark.proof


class Filings:
    """CLIENTS entrepreneurs making FILINGS attempts in all; which were acknowledged."""

    def __init__(self, port: int, emails: list[str]) -> None:
        self.port, self.emails = port, emails
        self.acknowledged: list[int] = []
        self.failed = 0
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._client, args=(index,)) for index in range(CLIENTS)]

    def _client(self, index: int) -> None:
        browser = loadgen.Browser(self.port, timeout=120)
        signed_in = False
        for _ in range(FILINGS // CLIENTS + (1 if index < FILINGS % CLIENTS else 0)):
            try:
                if not signed_in:
                    live.sign_in(browser, self.emails[index])
                    signed_in = True
                complaint_id = live.file_complaint(browser, live.filing_form(browser), loadgen.padded_pdf(2500))
            except (live.HttpError, OSError, http.client.HTTPException):  # refused, reset, cut short
                browser.close()
                with self.lock:
                    self.failed += 1
                time.sleep(0.2)
                continue
            with self.lock:
                self.acknowledged.append(complaint_id)
        browser.close()

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def wait_for(self, count: int, timeout: float = 600) -> None:
        deadline = time.monotonic() + timeout
        while len(self.acknowledged) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.acknowledged) >= count, f"only {len(self.acknowledged)} filings acknowledged"

    def join(self) -> None:
        for thread in self.threads:
            thread.join(timeout=900)


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    with contextlib.suppress(OSError):  # a zombie child of the master we started: it is gone
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    return False


def _end(pids: list[int], timeout: float) -> int:
    """Wait for ``pids`` (the workers of a killed master) to stop by themselves, else SIGKILL them; how many."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not all(_gone(pid) for pid in pids):
        time.sleep(0.2)
    killed = 0
    for pid in pids:
        if not _gone(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
                killed += 1
    return killed


@sqlite_only("the database file and the store on this disk after SIGKILL")
@pytest.mark.parametrize("victim", ["worker", "master"])
def test_filings_acknowledged_before_a_kill_are_stored_and_issuable(tmp_path, victim):
    instance = live.new_instance(tmp_path / "instance")
    app = live.instance_app(instance)
    emails = [add_user(app, email=f"crash{index}@load.pbi.kz") for index in range(CLIENTS)]
    for email in emails:
        make_business(app, email)
    with app.app_context():
        db.engine.dispose()

    with loadgen.Server("wsgi:app", {**instance.env, "WEB_CONCURRENCY": "2"}, tmp_path) as server:
        filings = Filings(server.port, emails)
        filings.start()
        filings.wait_for(FILINGS // 5)
        workers, orphans = server.workers(), 0
        if victim == "worker":
            os.kill(workers[0], signal.SIGKILL)
        else:
            os.kill(server.process.pid, signal.SIGKILL)
            server.process.wait()
            # Orphaned workers may go on answering for a while; the service is gone: so are they, soon.
            orphans = _end(workers, timeout=2)
        filings.join()
        if victim == "worker":
            assert server.process.poll() is None and len(server.workers()) == 2  # the master replaced it
    acknowledged = sorted(filings.acknowledged)
    assert acknowledged and len(acknowledged) + filings.failed == FILINGS

    leftovers = flask_cli(instance, "storage", "leftovers", "--min-age", "0", "--remove")
    pending = flask_cli(instance, "documents", "issue-pending").strip().splitlines()[-1].split()[0]
    assert live.integrity_ok(instance)
    with live.app_context(instance):
        complaints = {c.id: c for c in db.session.scalars(select(Complaint))}
        assert set(acknowledged) <= set(complaints), "an acknowledged filing is not stored"
        store = file_store()
        for complaint_id in acknowledged:
            evidence = db.session.scalars(select(Evidence).where(Evidence.complaint_id == complaint_id)).one()
            store.get(evidence.sha256)
        for complaint in complaints.values():
            talon = db.session.get(Document, complaint.talon_document_id)
            verdict = documents.verify_upload(documents.pdf_bytes(talon))
            assert verdict.valid and verdict.record.subject_number == complaint.number
        assert audit.verify_chain().ok
        temporaries = [p for p in store.root.rglob(".*") if p.is_file()]
    assert temporaries == []
    unanswered = len(complaints) - len(acknowledged)
    removed = leftovers.strip().splitlines()[-1].split("; ")[-1]
    if orphans:
        victim = f"master (and {orphans} orphaned worker{'s' if orphans > 1 else ''} 2 s later)"
    proof(f"crash: {victim} killed during {FILINGS} filings, {len(acknowledged)} acknowledged, "
               f"{len(acknowledged)} stored, talons issuable, integrity ok ({filings.failed} failed, "
               f"{unanswered} stored without an answer, {pending} talons issued afterwards, {removed})")
