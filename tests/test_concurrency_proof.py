"""Proof: ``concurrency: N filings, N stored, gap-free, N talons valid, 0 errors`` — and 20 officers racing.

50 entrepreneurs, each signed in once (a browser keeps its session), file together against
the project's gunicorn on loopback (2 workers × the configured threads), each filing a
multipart form with its CSRF and one-time tokens and a PDF as evidence, as a browser does.
The talon of each is made by the server right after the filing commits, as always.
Afterwards, in this process: every acknowledged filing is stored with its evidence (the
file decrypts and matches its SHA-256), the complaint numbers are 1..N without a gap, and
every talon is a valid signature by the department over the whole file and names its
complaint (the app's verifier, pyHanko; Poppler's pdfsig on a sample); gunicorn's access
log has no 5xx. Then 20 officers press *Take the case* on one complaint at once: exactly
one is assigned, every other gets a clear refusal (the notice "not possible in the
current state" or the 409 page "someone else changed this record"), none a 5xx.

N is ``PBI_PROOF_FILINGS`` (default 1000, about 5 minutes on two idle cores: each talon
costs about 0.4 s of CPU to render and sign; ``make proof`` runs 3000). SQLite pass only:
the PostgreSQL pass proves the same numbering under concurrency in tests/complaints
(``file_in_parallel``) without a server.
"""

from __future__ import annotations

import html
import os
import re
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.complaints.models import Complaint, Evidence
from app.documents import services as documents
from app.documents.models import Document
from app.documents.runtime import file_store
from app.extensions import db
from bench import loadgen
from tests.backup import live
from tests.conftest import proof, sqlite_only, translated
from tests.factories import PASSWORD, add_user, make_business
from tests.test_instances import Client, create_officers, gunicorn
from tests.tools import assert_signed_whole_and_valid

FILINGS = int(os.environ.get("PBI_PROOF_FILINGS", "1000"))
CLIENTS = min(50, FILINGS)
OFFICERS = 20
TAKEN = "You have taken the case."
REFUSALS = ("This action is not possible in the complaint's current state.",
            "Someone else changed this record at the same moment, so nothing was saved. "
            "Reload the page, check it and try again.")

pytestmark = pytest.mark.proof


def file_all(port: int, emails: list[str]) -> tuple[list[int], list[str]]:
    """Every client files its share (all released together); the acknowledged ids and the errors."""
    shares = [FILINGS // CLIENTS + (1 if index < FILINGS % CLIENTS else 0) for index in range(CLIENTS)]
    barrier, lock = threading.Barrier(CLIENTS), threading.Lock()
    acknowledged: list[int] = []
    errors: list[str] = []

    def client(index: int) -> None:
        browser = loadgen.Browser(port, timeout=300)
        try:
            live.sign_in(browser, emails[index])
            barrier.wait(timeout=600)
            for _ in range(shares[index]):
                complaint_id = live.file_complaint(browser, live.filing_form(browser), loadgen.padded_pdf(1500))
                with lock:
                    acknowledged.append(complaint_id)
        except (live.HttpError, OSError, threading.BrokenBarrierError) as exc:
            with lock:
                errors.append(f"client {index}: {exc!r}")
            barrier.abort()
        finally:
            browser.close()

    threads = [threading.Thread(target=client, args=(index,)) for index in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=3600)
    return acknowledged, errors


def race_to_take(port: int, officers: list[str], complaint_id: int) -> list[tuple[int, str]]:
    """All officers press *Take the case* at once; (status, the page they end on) of each."""
    clients = []
    for email in officers:
        client = Client(port)
        assert client.sign_in(email, PASSWORD, client.csrf_token("/login")) == 302
        assert client.second_factor() == 302  # staff: the code step (each officer's first code)
        clients.append((client, client.csrf_token(f"/staff/complaints/{complaint_id}")))
    barrier, answers = threading.Barrier(len(clients)), []

    def take(client: Client, token: str) -> None:
        barrier.wait(timeout=120)
        answer = client.post(f"/staff/complaints/{complaint_id}/take", {"csrf_token": token})
        page = client.get(answer.location.replace(f"http://127.0.0.1:{port}", "")) if answer.status == 302 else answer
        answers.append((answer.status, page.text))

    threads = [threading.Thread(target=take, args=pair) for pair in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return answers


def notices(page: str) -> list[tuple[str, str]]:
    """(category, text) of the flashed notices on a page."""
    return [(kind, html.unescape(text).strip())
            for kind, text in re.findall(r'<div class="notice notice-(\w+)" role="status">([^<]*)</div>', page)]


def is_refusal(status: int, page: str, refusals: set[str]) -> bool:
    if status == 409:  # the concurrent-change page
        return any(text in html.unescape(page) for text in refusals)
    return any(kind == "error" and text in refusals for kind, text in notices(page))


@sqlite_only("one real server's numbering and talons; the numbering race on PostgreSQL is in tests/complaints")
def test_concurrent_filings_are_stored_gap_free_with_valid_talons(tmp_path):
    instance = live.new_instance(tmp_path / "instance")
    app = live.instance_app(instance)
    emails = [add_user(app, email=f"filer{index:02d}@load.pbi.kz") for index in range(CLIENTS)]
    for email in emails:
        make_business(app, email)
    officers = [f"officer{index:02d}@race.pbi.kz" for index in range(OFFICERS)]
    create_officers(instance, *officers)
    with app.app_context():
        db.engine.dispose()

    with gunicorn(instance, workers=2, logs=tmp_path / "logs") as server:
        started = time.monotonic()
        acknowledged, errors = file_all(server.port, emails)
        seconds = time.monotonic() - started
        race = race_to_take(server.port, officers, min(acknowledged)) if acknowledged else []
        server_errors = [answer for answer in server.answers() if answer[3] >= 500]
    assert not errors, errors[:5]
    assert len(acknowledged) == len(set(acknowledged)) == FILINGS
    assert not server_errors, server_errors[:5]

    with live.app_context(instance) as app:
        complaints = list(db.session.scalars(select(Complaint).order_by(Complaint.id)))
        assert {c.id for c in complaints} == set(acknowledged)
        serials = sorted(int(c.number.rsplit("-", 1)[1]) for c in complaints)
        assert serials == list(range(1, FILINGS + 1)), "complaint numbers have a gap or a repeat"
        store = file_store()
        stored = 0
        for evidence in db.session.scalars(select(Evidence)):
            store.get(evidence.sha256)  # there, authentic, matching its digest
            stored += 1
        assert stored == FILINGS
        valid = 0
        for complaint in complaints:
            talon = db.session.get(Document, complaint.talon_document_id)
            verdict = documents.verify_upload(documents.pdf_bytes(talon))
            assert verdict.valid and verdict.record.subject_number == complaint.number, (complaint.number, verdict)
            valid += 1
        for complaint in complaints[:: max(1, FILINGS // 3)][:3]:
            path = Path(tmp_path / f"{complaint.number}.pdf")
            path.write_bytes(documents.pdf_bytes(db.session.get(Document, complaint.talon_document_id)))
            assert_signed_whole_and_valid(path)
        target = db.session.get(Complaint, min(acknowledged))
        assigned = db.session.get(User, target.assigned_officer_id) if target.assigned_officer_id else None
        taken = {translated(app, lang, TAKEN) for lang in app.config["LANGUAGES"]}
        refusals = {translated(app, lang, text) for lang in app.config["LANGUAGES"] for text in REFUSALS}

    assert len(race) == OFFICERS and all(status in (302, 409) for status, _ in race), [s for s, _ in race]
    won = [page for _, page in race if any(kind == "success" and text in taken for kind, text in notices(page))]
    refused = [page for status, page in race if is_refusal(status, page, refusals)]
    assert len(won) == 1 and assigned is not None and assigned.email in officers
    assert len(refused) == OFFICERS - 1, [notices(page) for _, page in race]
    proof(f"concurrency: {FILINGS} filings, {stored} stored, gap-free, {valid} talons valid, "
               f"{len(errors) + len(server_errors)} errors ({CLIENTS} clients, {seconds:.0f} s; "
               f"{OFFICERS} officers racing to take one case: 1 won, {len(refused)} refused with a clear message)")
