"""Hostile PDFs at the verification endpoints: each answered within a second, with a reason.

The corpus (tests/documents/hostile.py) is made by code. Every file goes through the app's
test client to ``/api/v1/verify`` and ``/verify/upload`` — the real sandbox, worker processes
and limits, nothing mocked. Then the budgets behind the checker's own limits: a parse that only
the CPU timer stops, a memory bound, the wall-clock kill, and the 503 when every slot is busy.
"""

from __future__ import annotations

import io
import threading
import time

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.pdf_utils.reader import PdfFileReader

from app.documents import pdfbudget, pdfcheck, sandbox
from app.documents.pdfcheck import Reason
from tests.conftest import build_app, proof
from tests.documents import hostile
from tests.factories import PASSWORD, add_user, complaint_form, make_business

ANSWER_BOUND = 1.0  # seconds, per file, request to answer
STRUCTURE = {"too_complex"}
ANY_REFUSAL = {"not_pdf", "no_signature", "signature_invalid", "modified_after_signing", "too_complex"}
EXPECTED = {
    "dag field tree (10**12 paths)": STRUCTURE,
    "deep field tree (5000 levels)": STRUCTURE,
    "wide field tree (20000 fields)": STRUCTURE,
    "huge array (4 MB)": STRUCTURE,
    "many objects (100000)": STRUCTURE,
    "xref loop": {"not_pdf"},
    "flate bomb in the xref stream (256 MB)": {"not_pdf"},
    "flate bomb in an object stream (256 MB)": {"not_pdf", "signature_invalid"},
    "deep array nesting": STRUCTURE | {"not_pdf"},
    "deep dictionary nesting": STRUCTURE | {"not_pdf"},
    "truncated talon": {"not_pdf", "signature_invalid", "modified_after_signing"},
    "talon cut to its header": {"not_pdf"},
    "polyglot talon + zip": {"modified_after_signing"},
    "zip with a pdf header": {"not_pdf"},
}


@pytest.fixture(scope="module")
def issued(tmp_path_factory):
    """(instance folder, issued talon, trust roots), and the default sandbox started and warm."""
    instance, talon, roots = hostile.issued_talon(tmp_path_factory.mktemp("hostile"))
    warm = sandbox.sandbox_for(sandbox.Limits())
    warm.prestart()
    roots_der = [root.public_bytes(Encoding.DER) for root in roots]
    for _ in range(sandbox.DEFAULT_CONCURRENCY):  # each worker's first check, outside the timings
        assert warm.check(talon, roots_der).ok
    return instance, talon, roots_der


@pytest.fixture
def verify_app(tmp_path, issued):
    instance, _talon, _roots = issued
    app = build_app(tmp_path, INSTANCE_PATH=str(instance))
    yield app
    from app.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def post(client, path: str, data: bytes):
    return client.post(f"{path}?lang=en", data={"document": (io.BytesIO(data), "doc.pdf")},
                       content_type="multipart/form-data")


def _file_evidence(app, client, business_id: int, name: str, data: bytes):
    form = dict(complaint_form(business_id))
    form["evidence"] = [(io.BytesIO(data), name)]
    return client.post("/portal/complaints/new?lang=en", data=form, content_type="multipart/form-data")


def test_every_hostile_file_is_answered_within_a_second_with_a_reason(verify_app, issued):
    """PDFs at both verification endpoints, office documents and ZIPs as evidence of a complaint."""
    _instance, talon, _roots = issued
    corpus = hostile.pdf_corpus(talon)
    assert set(corpus) == set(EXPECTED)
    client = verify_app.test_client()
    answered, server_errors, slowest = 0, 0, 0.0
    for name, data in corpus.items():
        for path in ("/api/v1/verify", "/verify/upload"):
            started = time.perf_counter()
            response = post(client, path, data)
            elapsed = time.perf_counter() - started
            server_errors += response.status_code >= 500
            assert response.status_code == 200, (name, path, response.status_code)
            if path == "/api/v1/verify":
                body = response.get_json()
                assert body["valid"] is False and body["reason"] in EXPECTED[name], (name, body)
                assert body["message"] and "could not be verified" not in body["message"]
            else:
                page = response.get_data(as_text=True)
                assert "The document is authentic" not in page
            assert elapsed <= ANSWER_BOUND, f"{name} at {path}: {elapsed:.2f} s"
            slowest = max(slowest, elapsed)
        answered += 1
    # The real talon still verifies after all of that (workers recycled, nothing stuck).
    assert post(client, "/api/v1/verify", talon).get_json()["reason"] in (None, "not_registered")

    email = add_user(verify_app)
    business_id = make_business(verify_app, email)
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    messages = {"external": "loads content from the Internet", "type": "this type of file is not accepted"}
    for name, (data, problem) in hostile.ooxml_corpus().items():
        started = time.perf_counter()
        response = _file_evidence(verify_app, client, business_id, "evidence.docx", data)
        elapsed = time.perf_counter() - started
        server_errors += response.status_code >= 500
        assert response.status_code == 400, (name, response.status_code)
        assert messages[problem] in response.get_data(as_text=True), name
        assert elapsed <= ANSWER_BOUND, f"{name}: {elapsed:.2f} s"
        slowest = max(slowest, elapsed)
        answered += 1
    assert server_errors == 0
    print(f"slowest hostile file: {slowest:.2f} s")
    proof(f"hostile files: {answered} files, each answered in ≤ 1 s, {server_errors} server errors")


def test_a_field_tree_shaped_as_a_dag_is_refused_without_walking_it(issued):
    data = hostile.dag_field_tree(levels=40, fanout=50)  # 50**40 paths for a walk without a visited set
    started = time.process_time()
    assert pdfcheck.check_signed_pdf_der(data, issued[2]).reason is Reason.TOO_COMPLEX
    assert time.process_time() - started < 0.5


def test_a_nested_field_tree_is_walked_in_document_order():
    data = hostile.pdf(*hostile._catalog(b"[4 0 R 7 0 R]"),
                       b"<< /T (parent) /FT /Sig /Kids [5 0 R 6 0 R] >>",
                       b"<< /T (a) /V << /Type /Sig >> >>",  # /FT inherited from the parent
                       b"<< /T (b) /FT /Tx /V (text) >>",
                       b"<< /T (c) /FT /Sig /V << /Type /Sig >> >>")
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    assert [name for name, _ref in pdfbudget.signature_fields(reader)] == ["parent.a", "c"]
    shared = data.replace(b"/Kids [5 0 R 6 0 R]", b"/Kids [5 0 R 5 0 R]")
    with pytest.raises(pdfbudget.OverBudget):
        pdfbudget.signature_fields(PdfFileReader(io.BytesIO(shared), strict=False))


def test_the_byte_level_scan_looks_at_syntax_not_at_stream_data():
    drawing = b"0 0 m 10 10 l f\n0 0 m 5 5 l n\n" * 40_000  # path operators: " f", " n" by the thousand
    binary = bytes(range(256)) * 4096 + b"obj" * 100 + bytes(range(256)) * 4096  # "obj" inside data
    for content in (drawing, binary):
        stream = b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"
        assert pdfbudget.within_scan_budget(hostile.pdf(*hostile._catalog(b"[]"), stream))
    assert not pdfbudget.within_scan_budget(hostile.huge_array(1))
    assert not pdfbudget.within_scan_budget(hostile.many_objects(pdfbudget.MAX_OBJECTS + 1))


def test_the_too_complex_message_is_translated(verify_app):
    client = verify_app.test_client()
    messages = {lang: client.post(f"/api/v1/verify?lang={lang}",
                                  data={"document": (io.BytesIO(hostile.dag_field_tree()), "a.pdf")},
                                  content_type="multipart/form-data").get_json()["message"]
                for lang in ("kk", "ru", "en")}
    assert len(set(messages.values())) == 3 and "too complex" in messages["en"]


# --- the limits behind the checker's own budgets ---------------------------------------------

def test_a_parse_only_the_cpu_budget_can_stop_is_stopped(issued):
    """The byte-level scan cannot see inside a compressed object stream; the CPU timer stops it."""
    data = hostile.array_in_object_stream()
    box = sandbox.Sandbox(sandbox.Limits(cpu_seconds=0.5, timeout=30))
    try:
        started = time.process_time()
        check = box.check(data, issued[2])
        assert check.reason is Reason.TOO_COMPLEX
        assert time.process_time() - started < 0.5  # the caller itself spent nothing on it
        assert box.check(issued[1], issued[2]).ok  # a fresh worker took over
    finally:
        box.close()


def test_memory_is_bounded(issued):
    """With a 16 MB allowance and no time limit to speak of, the same parse fails on memory."""
    box = sandbox.Sandbox(sandbox.Limits(cpu_seconds=60, timeout=60, memory_bytes=16 * 1024 * 1024))
    try:
        started = time.perf_counter()
        assert box.check(hostile.array_in_object_stream(), issued[2]).reason is Reason.TOO_COMPLEX
        assert time.perf_counter() - started < 30
        assert box.check(issued[1], issued[2]).ok
    finally:
        box.close()


def test_the_wall_clock_limit_kills_the_worker(issued):
    box = sandbox.Sandbox(sandbox.Limits(concurrency=1, cpu_seconds=60, timeout=0.3))
    try:
        box.prestart()
        [worker] = box._idle
        started = time.perf_counter()
        assert box.check(hostile.array_in_object_stream(), issued[2]).reason is Reason.TOO_COMPLEX
        assert time.perf_counter() - started < 2
        assert not worker.process.is_alive() and worker.process.exitcode == -9  # SIGKILL
    finally:
        box.close()


def test_when_every_slot_is_busy_the_answer_is_503_with_retry_after(tmp_path, issued):
    instance, _talon, _roots = issued
    app = build_app(tmp_path, INSTANCE_PATH=str(instance), PBI_VERIFY_CONCURRENCY=1, PBI_VERIFY_QUEUE_WAIT=0.05,
                    PBI_VERIFY_CPU_SECONDS=3, PBI_VERIFY_TIMEOUT=10)
    slow = hostile.array_in_object_stream()
    results = {}
    started = threading.Event()

    def occupy():
        started.set()
        results["slow"] = post(app.test_client(), "/api/v1/verify", slow)

    thread = threading.Thread(target=occupy)
    limits = sandbox.Limits.from_config(app.config)
    sandbox.sandbox_for(limits).prestart()
    thread.start()
    started.wait()
    time.sleep(0.5)  # the slow check holds the only slot
    busy_api = post(app.test_client(), "/api/v1/verify", slow)
    busy_page = post(app.test_client(), "/verify/upload", slow)
    thread.join(timeout=30)
    assert busy_api.status_code == 503 and busy_api.headers["Retry-After"] == "5"
    assert busy_api.get_json()["reason"] == "busy" and "try again" in busy_api.get_json()["message"]
    assert busy_page.status_code == 503 and "try again" in busy_page.get_data(as_text=True)
    assert results["slow"].status_code == 200 and results["slow"].get_json()["reason"] == "too_complex"
    sandbox.sandbox_for(limits).close()
