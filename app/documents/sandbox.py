"""Verification of uploaded PDFs in short-lived, resource-limited worker processes.

Decision (issue 8, "a 1 KB PDF ties up the server"): the checks of :mod:`app.documents.pdfcheck`
carry their own budgets (visited sets, node, object, revision and signature limits), but a
parser as large as pyHanko's can always hide one more slow or greedy path. So the whole
check of an uploaded file runs in a separate process that can be stopped for real:

* **Workers.** Each web process keeps a small pool of verifier processes, made by the
  ``forkserver`` start method from a server that has imported the checker once (a new worker
  costs a fork, not an import of pyHanko; it never inherits the web process's threads, locks
  or sockets). A worker checks one file at a time, then waits for the next; it retires itself
  once it has grown by ``RSS_GROWTH_LIMIT`` or checked ``MAX_JOBS_PER_WORKER`` files, so no
  hostile file keeps memory in a long-lived process.
* **Memory.** ``RLIMIT_AS`` caps a worker at its size after start-up plus
  ``PBI_VERIFY_MEMORY_MB`` (default 256 MB): an allocation beyond it fails with MemoryError
  (answered as "too complex") instead of growing the web worker.
* **Time.** A check may use ``PBI_VERIFY_CPU_SECONDS`` of CPU (default 0.8; a talon needs
  about 0.03): a profiling timer (``ITIMER_PROF``) interrupts it there and the worker answers
  "too complex" and retires. CPU time rather than wall-clock time, so that a busy machine does
  not fail honest documents. Two harder stops behind it, for work that never returns to the
  interpreter (a long call into C): ``RLIMIT_CPU`` (one second more, rounded up) kills the
  worker, and the caller waits at most ``PBI_VERIFY_TIMEOUT`` seconds of wall-clock time
  (default 5) before it kills the worker (SIGKILL) itself and answers "too complex".
* **Concurrency.** At most ``PBI_VERIFY_CONCURRENCY`` checks (default 2) run at once per web
  process; a request that finds every slot taken for ``PBI_VERIFY_QUEUE_WAIT`` seconds (default
  0.1) gets :class:`VerificationBusy`, which the views answer with 503 and ``Retry-After``, so
  verification can never occupy every worker thread of gunicorn.

The cost for a normal talon is one pipe round trip of its bytes (tens of kilobytes) and a
pickled verdict, plus two context switches: measured on the shared 2-core machine under heavy
load, a median of 100 ms in a worker against 91 ms in-process (``bench P5`` measures the whole
request). Workers start in the background right after a gunicorn worker boots
(``post_worker_init`` in gunicorn.conf.py); elsewhere on the first upload.

One caveat of ``forkserver``: the server imports the main module of the program, as
``spawn`` does, so a script that uses this module must guard its entry point with
``if __name__ == "__main__"`` (gunicorn, flask, pytest and ``python -m`` do).
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import resource
import signal
import threading
from dataclasses import dataclass

from flask import current_app

from app.documents import pdfcheck

DEFAULT_CONCURRENCY = 2
DEFAULT_CPU_SECONDS = 0.8  # CPU time per check
DEFAULT_TIMEOUT = 5.0  # seconds of wall-clock time per check, the last stop
DEFAULT_MEMORY_MB = 256  # address space a worker may add to its start-up size
DEFAULT_QUEUE_WAIT = 0.1  # seconds a request waits for a free slot before "busy"
RETRY_AFTER_SECONDS = 5
MAX_JOBS_PER_WORKER = 500
RSS_GROWTH_LIMIT = 64 * 1024 * 1024  # a worker that grew by more retires after its answer


class VerificationBusy(Exception):
    """Every verification slot of this process is taken: retry after ``retry_after`` seconds."""

    retry_after = RETRY_AFTER_SECONDS


@dataclass(frozen=True)
class Limits:
    concurrency: int = DEFAULT_CONCURRENCY
    cpu_seconds: float = DEFAULT_CPU_SECONDS
    timeout: float = DEFAULT_TIMEOUT
    memory_bytes: int = DEFAULT_MEMORY_MB * 1024 * 1024
    queue_wait: float = DEFAULT_QUEUE_WAIT

    @classmethod
    def from_config(cls, config) -> Limits:
        return cls(
            concurrency=max(1, int(config.get("PBI_VERIFY_CONCURRENCY", DEFAULT_CONCURRENCY))),
            cpu_seconds=float(config.get("PBI_VERIFY_CPU_SECONDS", DEFAULT_CPU_SECONDS)),
            timeout=float(config.get("PBI_VERIFY_TIMEOUT", DEFAULT_TIMEOUT)),
            memory_bytes=int(config.get("PBI_VERIFY_MEMORY_MB", DEFAULT_MEMORY_MB)) * 1024 * 1024,
            queue_wait=float(config.get("PBI_VERIFY_QUEUE_WAIT", DEFAULT_QUEUE_WAIT)),
        )


# --- the worker side ------------------------------------------------------------------------

def _status_bytes(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _set_cpu_limit(seconds: float) -> None:
    """The kernel's stop: SIGXCPU (fatal) once this process used ``seconds`` more CPU, rounded up."""
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = int(_cpu_seconds() + seconds) + 1
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


class _OverBudget(BaseException):
    """Raised by the profiling timer; a BaseException, so no ``except Exception`` swallows it."""


def _on_profiling_timer(signum, frame) -> None:
    raise _OverBudget


def _check_within_budget(data: bytes, roots: list[bytes], cpu_seconds: float) -> tuple[pdfcheck.PdfCheck, bool]:
    """(verdict, whether the worker must retire) for one file, in at most ``cpu_seconds`` of CPU."""
    _set_cpu_limit(cpu_seconds + 1)
    signal.setitimer(signal.ITIMER_PROF, cpu_seconds)
    try:
        return pdfcheck.check_signed_pdf_der(data, roots), False
    except (_OverBudget, MemoryError, RecursionError):
        return pdfcheck.failed(data, pdfcheck.Reason.TOO_COMPLEX), True
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)


def _worker_main(connection, memory_bytes: int, cpu_seconds: float) -> None:
    """Check files sent over ``connection`` until it closes or the worker retires."""
    signal.signal(signal.SIGPROF, _on_profiling_timer)
    base_vm = _status_bytes("VmSize")
    if base_vm:
        resource.setrlimit(resource.RLIMIT_AS, (base_vm + memory_bytes, resource.RLIM_INFINITY))
    base_rss = _status_bytes("VmRSS")
    for jobs in range(1, MAX_JOBS_PER_WORKER + 1):
        try:
            data, roots = connection.recv()
        except (EOFError, OSError):
            return
        try:
            check, retiring = _check_within_budget(data, roots, cpu_seconds)
        except _OverBudget:  # the timer fired just after the check returned
            check, retiring = pdfcheck.failed(data, pdfcheck.Reason.TOO_COMPLEX), True
        del data
        retiring = retiring or jobs == MAX_JOBS_PER_WORKER or _status_bytes("VmRSS") - base_rss > RSS_GROWTH_LIMIT
        connection.send((check, retiring))
        if retiring:
            return


# --- the web process side -------------------------------------------------------------------

_context = multiprocessing.get_context("forkserver")
_context.set_forkserver_preload(["app.documents.pdfcheck"])


class _Worker:
    def __init__(self, limits: Limits) -> None:
        self.connection, child = _context.Pipe()
        self.process = _context.Process(
            target=_worker_main, args=(child, limits.memory_bytes, limits.cpu_seconds),
            name="pbi-verify", daemon=True,
        )
        self.process.start()
        child.close()

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.connection.close()


class Sandbox:
    """The verifier processes of one web process, at most ``limits.concurrency`` busy at once."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.pid = os.getpid()
        self._slots = threading.BoundedSemaphore(limits.concurrency)
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()

    def check(self, data: bytes, roots_der: list[bytes]) -> pdfcheck.PdfCheck:
        if not self._slots.acquire(timeout=self.limits.queue_wait):
            raise VerificationBusy()
        try:
            return self._run(data, roots_der)
        finally:
            self._slots.release()

    def _take(self) -> _Worker:
        with self._lock:
            while self._idle:
                worker = self._idle.pop()
                if worker.process.is_alive():
                    return worker
                worker.stop()
        return _Worker(self.limits)

    def _run(self, data: bytes, roots_der: list[bytes]) -> pdfcheck.PdfCheck:
        worker = self._take()
        try:
            worker.connection.send((data, roots_der))
            if not worker.connection.poll(self.limits.timeout):
                raise TimeoutError
            check, retiring = worker.connection.recv()
        except (TimeoutError, EOFError, OSError):  # too slow, or killed by its own limits
            worker.stop()
            return pdfcheck.failed(data, pdfcheck.Reason.TOO_COMPLEX)
        except BaseException:
            worker.stop()
            raise
        if retiring:
            worker.stop()
        else:
            with self._lock:
                self._idle.append(worker)
        return check

    def prestart(self) -> None:
        """Start a worker per slot now, so that the first uploads do not wait for them."""
        workers = [_Worker(self.limits) for _ in range(self.limits.concurrency)]
        with self._lock:
            self._idle.extend(workers)

    def close(self) -> None:
        with self._lock:
            workers, self._idle = self._idle, []
        for worker in workers:
            worker.stop()


_sandboxes: dict[Limits, Sandbox] = {}
_sandboxes_lock = threading.Lock()


def sandbox_for(limits: Limits) -> Sandbox:
    """This process's sandbox for ``limits`` (a forked child never reuses its parent's)."""
    with _sandboxes_lock:
        found = _sandboxes.get(limits)
        if found is None or found.pid != os.getpid():
            found = _sandboxes[limits] = Sandbox(limits)
        return found


@atexit.register
def _close_all() -> None:
    for sandbox in list(_sandboxes.values()):
        if sandbox.pid == os.getpid():
            sandbox.close()


def warm_up(config) -> threading.Thread:
    """Start this process's verifier workers in the background (gunicorn's ``post_worker_init``)."""
    limits = Limits.from_config(config)
    thread = threading.Thread(target=lambda: sandbox_for(limits).prestart(), name="pbi-verify-warm-up", daemon=True)
    thread.start()
    return thread


def check_upload(data: bytes, roots_der: list[bytes]) -> pdfcheck.PdfCheck:
    """:func:`pdfcheck.check_signed_pdf` of an uploaded file, in a worker, under the app's limits.

    Raises :class:`VerificationBusy` when every slot stays taken for the queue wait.
    """
    config = current_app.config
    limits = Limits.from_config(config)
    max_bytes = int(config.get("PBI_VERIFY_MAX_BYTES", pdfcheck.DEFAULT_MAX_BYTES))
    if len(data) > max_bytes or not data.startswith(b"%PDF-"):  # nothing to parse: answer here
        return pdfcheck.failed(data, pdfcheck.Reason.NOT_PDF)
    return sandbox_for(limits).check(data, roots_der)
