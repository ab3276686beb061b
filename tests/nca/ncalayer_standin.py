"""A test-only stand-in for NCALayer, the NCA RK desktop signer, for the browser tests.

NCALayer is a Java desktop application on the user's computer; web pages reach it over a WebSocket on
``wss://127.0.0.1:13579`` and ask its modules to sign. It cannot run here (no desktop, no Java, a key store
that prompts the user), so this stand-in takes its place in the tests: a WebSocket server on the same address
that speaks the part of NCALayer's protocol the agreement page uses, and signs with a TEST key of
``tests/fixtures/nca`` through :func:`tests.nca.signer.sign_detached_cms` (a Kalkan-like detached CMS).

What it speaks (``kz.gov.pki.knca.basics``, named ``args``, answers ``{status, body | code, message}``):

* on connection, the version greeting ``{"result": {"version": …}}`` real NCALayer sends;
* ``sign`` with ``format: "cms"``: ``data`` is the base64 of the bytes to sign (``signingParams.decode``
  true), ``encapsulate`` false gives a detached signature; ``signerParams`` filter the keys offered — every
  OID of ``extKeyUsageOids`` must be in the key's certificate, ``bin``/``iin`` when not empty must be its.
  A key that passes is "chosen by the user" and signs: ``{"status": true, "body": {"result": [cms]}}``. No
  key passing the filters: ``{"status": false, "code": "EMPTY_KEY_LIST"}``; a stand-in made with
  ``cancel=True`` answers as when the user closes the window: ``{"status": false, "code": "USER_CANCELED"}``;
* anything else: ``{"status": false, "code": "UNKNOWN_METHOD"}``.

TLS: a certificate for 127.0.0.1 made at start (the real one is installed by NCALayer into the system store);
the browser context that talks to it ignores certificate errors. One stand-in at a time on this machine: the
port is fixed, so :meth:`NcaLayerStandIn.__enter__` takes a file lock that tests in other workers wait for.
"""

from __future__ import annotations

import asyncio
import base64
import fcntl
import ipaddress
import json
import ssl
import tempfile
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from websockets.asyncio.server import serve

from app.nca.pki import parse_certificate
from tests.nca.signer import read_key, sign_detached_cms

HOST, PORT = "127.0.0.1", 13579
BASICS = "kz.gov.pki.knca.basics"
VERSION = "1.4 (stand-in)"
_LOCK = Path(tempfile.gettempdir()) / "pbi-ncalayer-standin.lock"


def _tls_files(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "standin.crt", folder / "standin.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class NcaLayerStandIn:
    """``with NcaLayerStandIn(p12_path) as layer:`` — NCALayer on wss://127.0.0.1:13579 with that one key."""

    def __init__(self, p12_path: Path, *, signing_time: datetime | None = None, cancel: bool = False) -> None:
        self.p12_path = Path(p12_path)
        self.signing_time = signing_time
        self.cancel = cancel
        self.certificate = parse_certificate(read_key(self.p12_path).certificate)
        self.requests: list[dict] = []  # every request received, parsed
        self.signed: list[bytes] = []  # the CMS it returned
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._lock_file = None
        self._folder = tempfile.TemporaryDirectory(prefix="ncalayer-")

    # --- protocol ------------------------------------------------------------------------------------------

    def _offers_key(self, signer: dict) -> bool:
        usages = signer.get("extKeyUsageOids") or []
        if not all(oid in self.certificate.extended_key_usage for oid in usages):
            return False
        if signer.get("bin") and signer["bin"] != self.certificate.subject.bin:
            return False
        return not (signer.get("iin") and signer["iin"] != self.certificate.subject.iin)

    def answer(self, request: dict) -> dict:
        if request.get("module") != BASICS or request.get("method") != "sign":
            return {"status": False, "code": "UNKNOWN_METHOD", "message": "not supported by the stand-in"}
        args = request.get("args") or {}
        params = args.get("signingParams") or {}
        if args.get("format") != "cms" or params.get("decode") is not True or params.get("encapsulate") is not False:
            return {"status": False, "code": "WRONG_PARAMETERS", "message": "the stand-in makes detached CMS only"}
        if self.cancel:
            return {"status": False, "code": "USER_CANCELED", "message": "the user closed the window"}
        if not self._offers_key(args.get("signerParams") or {}):
            return {"status": False, "code": "EMPTY_KEY_LIST", "message": "no key matches the filters"}
        data = base64.b64decode(args.get("data") or "", validate=True)
        cms = sign_detached_cms(data, self.p12_path, signing_time=self.signing_time or datetime.now(UTC))
        self.signed.append(cms)
        return {"status": True, "body": {"result": [base64.b64encode(cms).decode("ascii")]}}

    async def _handle(self, connection) -> None:
        await connection.send(json.dumps({"result": {"version": VERSION}}))
        async for message in connection:
            try:
                request = json.loads(message)
            except ValueError:
                continue  # NCALayer ignores what it cannot read (heartbeats)
            self.requests.append(request)
            answer = await asyncio.to_thread(self.answer, request)
            await connection.send(json.dumps(answer))

    # --- running -------------------------------------------------------------------------------------------

    async def _main(self) -> None:
        cert_path, key_path = _tls_files(Path(self._folder.name))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_path, key_path)
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        async with serve(self._handle, HOST, PORT, ssl=context):
            self._ready.set()
            await self._stop.wait()

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # reported to the test that started it
            self._failure = exc
            self._ready.set()

    def __enter__(self) -> NcaLayerStandIn:
        self._lock_file = open(_LOCK, "w")  # held until __exit__
        fcntl.flock(self._lock_file, fcntl.LOCK_EX)
        self._thread = threading.Thread(target=self._run, name="ncalayer-standin", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout=30) or self._failure is not None:
            self.__exit__(None, None, None)
            raise RuntimeError(f"the NCALayer stand-in did not start: {self._failure!r}")
        return self

    def __exit__(self, *exc_info) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._lock_file is not None:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None
        self._folder.cleanup()
