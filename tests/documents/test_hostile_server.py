"""A real gunicorn under hostile uploads: eight at once, while a normal page keeps answering.

The project's own ``gunicorn --config gunicorn.conf.py`` (2 workers, 4 threads each) serves an
instance folder made here. Eight uploads to ``/api/v1/verify`` of a PDF that only the CPU
budget stops (an object stream the byte-level scan cannot see into; pyHanko alone takes over
ten seconds on it) are sent at once; meanwhile another client reads ``/healthz`` in a loop.
Every upload gets an answer — a verdict, or 503 "busy" with Retry-After — and no read of the
normal page takes long: verification holds at most two threads of a worker.
"""

from __future__ import annotations

import http.client
import json
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from app import create_app
from app.documents.runtime import keystore
from app.extensions import db
from tests.documents import hostile
from tests.test_instances import flask_cli, gunicorn, make_instance

UPLOADS = 8
PAGE_BOUND = 2.0  # seconds for /healthz while the uploads run
UPLOAD_BOUND = 10.0  # seconds for each upload's answer (CPU budget 0.8 s, on a shared machine)


def request(port: int, method: str, path: str, body: bytes = b"", content_type: str = "") -> tuple[int, dict, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        headers = {"Connection": "close"}
        if content_type:
            headers["Content-Type"] = content_type
        connection.request(method, path, body=body or None, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def upload(port: int, data: bytes) -> tuple[int, dict, bytes]:
    boundary = secrets.token_hex(12)
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"document\"; filename=\"a.pdf\"\r\n"
            "Content-Type: application/pdf\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return request(port, "POST", "/api/v1/verify?lang=en", body, f"multipart/form-data; boundary={boundary}")


def test_eight_hostile_uploads_at_once_leave_the_site_answering(tmp_path):
    instance = make_instance(tmp_path / "instance", secrets.token_hex(32))
    flask_cli(instance, "db", "upgrade")
    app = create_app({"INSTANCE_PATH": str(instance.path)})
    with app.app_context():
        keystore().initialize()
        db.session.remove()
        db.engine.dispose()
    hostile_pdf, dag = hostile.array_in_object_stream(), hostile.dag_field_tree()
    with gunicorn(instance, workers=2, logs=tmp_path / "logs") as server:
        # The workers start their verifier processes after they boot: wait until both answer fast.
        deadline = time.monotonic() + 120
        quick = 0
        while quick < 4 and time.monotonic() < deadline:
            started = time.monotonic()
            status, _headers, _body = upload(server.port, dag)
            quick = quick + 1 if status == 200 and time.monotonic() - started < 0.5 else 0
        assert quick == 4, "the verifier processes did not start"

        page_times: list[float] = []
        stop = threading.Event()

        def read_pages() -> None:
            while not stop.is_set():
                started = time.monotonic()
                status, _headers, _body = request(server.port, "GET", "/healthz")
                page_times.append(time.monotonic() - started)
                assert status == 200
                time.sleep(0.05)

        reader = threading.Thread(target=read_pages)
        reader.start()
        time.sleep(0.3)
        try:
            with ThreadPoolExecutor(max_workers=UPLOADS) as pool:
                started = time.monotonic()
                timed = list(pool.map(lambda _: (upload(server.port, hostile_pdf), time.monotonic() - started),
                                      range(UPLOADS)))
        finally:
            stop.set()
            reader.join(timeout=30)

    verdicts, busy, errors = [], 0, 0
    for (status, headers, body), elapsed in timed:
        answer = json.loads(body)
        assert elapsed < UPLOAD_BOUND, elapsed
        if status == 503:
            busy += 1
            # (the rate limiter's own Retry-After, the end of its window, may replace the app's 5 s)
            assert answer["reason"] == "busy" and int(headers["Retry-After"]) >= 1
        elif status == 200:
            verdicts.append(answer["reason"])
        else:
            errors += 1
    assert errors == 0 and verdicts and set(verdicts) == {"too_complex"}
    assert len(page_times) >= 5 and max(page_times) < PAGE_BOUND, page_times
    print(f"gunicorn: {UPLOADS} hostile uploads at once: {len(verdicts)} too complex, {busy} busy (503); "
          f"/healthz slowest {max(page_times):.2f} s over {len(page_times)} reads")
