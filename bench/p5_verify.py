"""P5: checking an uploaded talon at ``/api/v1/verify`` against bare pyHanko, in the same run.

The product side is a real HTTP request over TCP on the loopback: one ``multipart/form-data``
POST of the talon on a new connection, with a new boundary each time, as ``curl -F`` sends
it, answered by Werkzeug's WSGI server running the whole app (the access guard, the rate
limiter, the multipart parser, ``pdfcheck``, the registry look-up, the JSON answer).

The server handles each request in the measuring thread: the client writes the whole
request into the socket, the server accepts, reads, answers and closes, and the client
reads the answer. A server thread would add two thread hand-offs per request, each a wait
in the run queue on a loaded shared machine that only this side pays — the figure would
measure the neighbours' load, not the app.

The bare side is what pyHanko alone does with the same bytes in-process: read the PDF,
take its signature, ``validate_pdf_signature`` against the same department root (no
fetching). The two are interleaved (A B A B ...); the figures are medians.

Prints ``P5 verify: X ms, bare Y ms, ratio Z``.
"""

from __future__ import annotations

import io
import json
import secrets
import socket
import statistics
import time

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from werkzeug.serving import WSGIRequestHandler, make_server

from bench.p1_talon import bench_app, file_complaints, issue, make_entrepreneur

REPETITIONS, TINY_REPETITIONS = 40, 2
WARMUP = 2
_MAX_BUFFERED = 128 * 1024  # a talon is about 35 kB


def _talon_pdf(app) -> tuple[bytes, asn1_x509.Certificate]:
    """One issued talon, exactly as stored, and the department's root."""
    from app.documents import services as documents
    from app.documents.models import Document
    from app.documents.runtime import keystore
    from app.extensions import db

    [document_id] = file_complaints(app, make_entrepreneur(app), 1)
    issue(app, document_id)
    with app.app_context():
        pdf = documents.pdf_bytes(db.session.get(Document, document_id))
        root = keystore().root_certificate().public_bytes(serialization.Encoding.DER)
    return pdf, asn1_x509.Certificate.load(root)


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:  # one line per request would drown the figures
        pass


class _Server:
    """The app on a loopback port; :meth:`post` runs one request through it in this thread."""

    def __init__(self, app) -> None:
        self._server = make_server("127.0.0.1", 0, app, threaded=False, request_handler=_QuietHandler)
        self.port = self._server.server_port

    def __enter__(self) -> _Server:
        return self

    def __exit__(self, *exc) -> None:
        self._server.server_close()

    def post(self, path: str, body: bytes, content_type: str) -> tuple[int, bytes]:
        """POST ``body`` on a new connection; (status, response body)."""
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nUser-Agent: pbi-bench\r\n"
            f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode()
        request = head + body
        if len(request) > _MAX_BUFFERED:  # the server reads only after sendall() returns
            raise ValueError(f"a {len(request)}-byte request does not fit the socket buffers")
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as client:
            client.settimeout(60)
            client.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, _MAX_BUFFERED)
            # The kernel completes the connection and buffers the request until the server
            # accepts it and reads.
            client.connect(("127.0.0.1", self.port))
            client.sendall(request)
            # Half-close: the request is complete. (After answering, Werkzeug's server waits
            # up to 10 ms for a client's unread rest; the end of the stream ends that wait.)
            client.shutdown(socket.SHUT_WR)
            self._server.handle_request()  # accept, read, run the app, answer, close
            chunks = []
            while chunk := client.recv(65536):
                chunks.append(chunk)
        response = b"".join(chunks)
        status_line, _, rest = response.partition(b"\r\n")
        return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2]


def _multipart(pdf: bytes) -> tuple[bytes, str]:
    boundary = secrets.token_hex(16)
    body = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="document"; filename="talon.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode() + pdf + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def post_verify(server: _Server, pdf: bytes) -> dict:
    status, body = server.post("/api/v1/verify?lang=en", *_multipart(pdf))
    payload = json.loads(body)
    if status != 200 or payload.get("valid") is not True:
        raise RuntimeError(f"/api/v1/verify answered {status}: {payload}")
    return payload


def bare_validate(pdf: bytes, root: asn1_x509.Certificate) -> None:
    [embedded] = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    status = validate_pdf_signature(embedded, ValidationContext(trust_roots=[root], allow_fetching=False))
    if not (status.intact and status.valid and status.trusted):
        raise RuntimeError(f"pyHanko does not accept the talon: {status}")


def measure(tiny: bool) -> tuple[float, float]:
    """Median milliseconds of (HTTP verify, bare pyHanko), interleaved."""
    repetitions = TINY_REPETITIONS if tiny else REPETITIONS
    warmup = 1 if tiny else WARMUP
    # The limiter stays on (it is part of the path) but is set well above the run's requests.
    with bench_app(PBI_VERIFY_LIMIT="100000 per minute") as app:
        pdf, root = _talon_pdf(app)
        served, bare = [], []
        with _Server(app) as server:
            for index in range(warmup + repetitions):
                start = time.perf_counter()
                post_verify(server, pdf)
                middle = time.perf_counter()
                bare_validate(pdf, root)
                end = time.perf_counter()
                if index >= warmup:
                    served.append(middle - start)
                    bare.append(end - middle)
    return statistics.median(served) * 1000, statistics.median(bare) * 1000


def run(tiny: bool) -> list[str]:
    served, bare = measure(tiny)
    line = f"P5 verify: {served:.1f} ms, bare {bare:.1f} ms, ratio {served / bare:.2f}"
    print(line, flush=True)
    return [line]
