"""P4: light pages at 8 concurrent connections against a bare Flask app on the same gunicorn settings.

``P4 <page>: X req/s, bare Y req/s, ratio Z`` for ``/healthz`` and the home page ``/``.

Both servers run ``gunicorn --config gunicorn.conf.py`` (the project's workers × threads)
on loopback at the same time; the product serves an instance initialised like ``flask
--app wsgi init --production`` (see ``bench.loadgen``), the peer is ``bench/bare_app.py``
with bodies of the size the product answered in this run. Rounds are interleaved
(product, bare, product, bare ...: 5 rounds of 5 s per page and server; 1 round of 1 s at
tiny size) so that drift on this shared machine hits both alike. The client is ``wrk``
(Debian package ``wrk``) with keep-alive connections; without it, a Python client with
one keep-alive connection per thread (slower than wrk: it shares the cores with the
servers, and the figures say ``python client``).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

from bench import loadgen
from bench.loadgen import Browser, Server

PAGES = ("/healthz", "/")
CONNECTIONS = 8


@dataclass
class Tally:
    requests: int = 0
    seconds: float = 0.0
    errors: int = 0
    latencies_p99: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0}


def _wrk(port: int, path: str, seconds: float) -> tuple[int, float, int, float]:
    """(requests, seconds, errors, p99 seconds) from one wrk run."""
    command = ["wrk", "-t", "2", "-c", str(CONNECTIONS), "-d", f"{max(1, round(seconds))}s", "--latency",
               f"http://127.0.0.1:{port}{path}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    match = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", out)
    if match is None:
        raise RuntimeError(f"unexpected wrk output: {out}")
    requests = int(match.group(1))
    unit = 60.0 if match.group(3) == "m" else _UNITS[match.group(3)]
    elapsed = float(match.group(2)) * unit
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if socket:
        errors += sum(int(n) for n in socket.groups())
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    return requests, elapsed, errors, float(p99.group(1)) * _UNITS[p99.group(2)] if p99 else 0.0


def _python_client(port: int, path: str, seconds: float) -> tuple[int, float, int, float]:
    """The same measurement without wrk: CONNECTIONS threads, one keep-alive connection each."""
    counts, errors, latencies = [0] * CONNECTIONS, [0] * CONNECTIONS, [[] for _ in range(CONNECTIONS)]
    start = time.monotonic()
    deadline = start + seconds

    def worker(index: int) -> None:
        browser = Browser(port, timeout=30)
        while time.monotonic() < deadline:
            t0 = time.monotonic()
            try:
                status = browser.get(path).status
            except OSError:
                errors[index] += 1
                browser.close()
                continue
            latencies[index].append(time.monotonic() - t0)
            counts[index] += 1
            if not 200 <= status < 400:
                errors[index] += 1
        browser.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - start
    return sum(counts), elapsed, sum(errors), loadgen.percentile([x for xs in latencies for x in xs], 0.99)


def run(tiny: bool) -> list[str]:
    rounds, seconds = (1, 1.0) if tiny else (5, 5.0)
    client = _wrk if shutil.which("wrk") else _python_client
    client_name = "wrk" if client is _wrk else "python client"
    lines: list[str] = []
    with loadgen.workdir("pbi-bench-p4-") as tmp_path:
        instance = loadgen.make_instance(tmp_path, entrepreneurs=0, officer=False)
        with Server("wsgi:app", instance.env, tmp_path, name="product") as product:
            probe = Browser(product.port)
            sizes = {page: len(probe.get(page).body) for page in PAGES}
            probe.close()
            bare_env = {**instance.env, "PBI_BARE_HEALTHZ_BYTES": str(sizes["/healthz"]),
                        "PBI_BARE_HOME_BYTES": str(sizes["/"])}
            with Server("bench.bare_app:app", bare_env, tmp_path, name="bare") as bare:
                servers = {"product": product, "bare": bare}
                for server in servers.values():  # warm: imports, templates, connections
                    for page in PAGES:
                        client(server.port, page, 1.0)
                tallies = {(name, page): Tally() for name in servers for page in PAGES}
                for _ in range(rounds):
                    for page in PAGES:
                        for name, server in servers.items():
                            requests, elapsed, errors, p99 = client(server.port, page, seconds)
                            tally = tallies[(name, page)]
                            tally.requests += requests
                            tally.seconds += elapsed
                            tally.errors += errors
                            tally.latencies_p99.append(p99)
    for page in PAGES:
        mine, peer = tallies[("product", page)], tallies[("bare", page)]
        line = (f"P4 {page}: {mine.rate:.0f} req/s, bare {peer.rate:.0f} req/s, "
                f"ratio {mine.rate / peer.rate if peer.rate else 0:.2f}")
        print(line, flush=True)
        lines.append(line)
    detail = "; ".join(
        f"{page} p99 {max(tallies[('product', page)].latencies_p99) * 1000:.1f} ms "
        f"(bare {max(tallies[('bare', page)].latencies_p99) * 1000:.1f} ms), "
        f"errors {tallies[('product', page)].errors} (bare {tallies[('bare', page)].errors}), "
        f"{sizes[page]} bytes" for page in PAGES)
    line = (f"P4 detail: {client_name}, {CONNECTIONS} connections, {rounds} × {seconds:.0f} s interleaved "
            f"per page and server, {loadgen.cores()} cores; {detail}")
    print(line, flush=True)
    lines.append(line)
    return lines


if __name__ == "__main__":
    run(tiny="--tiny" in sys.argv)
