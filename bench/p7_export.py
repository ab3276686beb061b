"""P7: the queue exported as CSV at the large registry — rows per second and peak memory.

``P7 export: N rows csv R rows/s, peak RSS M MiB (sqlite|postgresql)`` — every complaint
(the unfiltered queue, a supervisor's export: the identity columns filled in) read by
:func:`app.reporting.queue_export.rows` in keyset batches and written by
:func:`app.reporting.exports.csv_chunks`, the bytes discarded, in a child process of its
own so that its peak RSS (``ru_maxrss``) is the export's; the RSS before the export (the
app loaded) and the export's CPU time (beside its wall time: the machine is shared) are
printed beside it. The data are P2's (``bench/p2_pages.py`` makes or
upgrades them in ``$PBI_BENCH_DIR``); the export only reads. It runs inside a request
context without HTTP: the route adds the step-up check and one audit entry, nothing per
row. ``--tiny``: P2's 600-complaint registry.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from bench import p2_pages


def _child(instance: str, database_url: str) -> None:
    from app.accounts.models import Role, User
    from app.complaints import clock
    from app.complaints.queries import QueueFilter
    from app.reporting import exports, queue_export
    from app.timeutil import local_today

    app = p2_pages._app(Path(instance), database_url or None)
    with app.test_request_context("/staff/complaints/export.csv?lang=kk"):
        reader = User(id=0, role=Role.SUPERVISOR.value)  # not stored: only its role is asked
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        counted = {"rows": 0, "bytes": 0}

        def counting(rows):
            for row in rows:
                counted["rows"] += 1
                yield row

        started, cpu_started = time.perf_counter(), time.process_time()
        rows = queue_export.rows(QueueFilter(), clock.window(local_today()), reader)
        for chunk in exports.csv_chunks(queue_export.header(), counting(rows)):
            counted["bytes"] += len(chunk)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({**counted, "seconds": seconds, "cpu_seconds": cpu, "before_kib": before, "peak_kib": peak}))


def _measure(backend: str, tiny: bool) -> str:
    complaints, associations, _label = (p2_pages.TINY if tiny else p2_pages.FULL)[-1]
    instance, database_url = p2_pages._prepare(backend, complaints, associations)
    result = subprocess.run(  # noqa: S603 (this module, as a child)
        [sys.executable, "-m", "bench.p7_export", "--child", str(instance), database_url or ""],
        cwd=p2_pages.ROOT, check=True, capture_output=True, text=True, env={**os.environ})
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    line = (f"P7 export: {figures['rows']} rows csv {figures['rows'] / figures['seconds']:.0f} rows/s, "
            f"peak RSS {figures['peak_kib'] / 1024:.0f} MiB ({backend}; {figures['before_kib'] / 1024:.0f} MiB "
            f"before the export, {figures['bytes'] / 2**20:.1f} MiB written, {figures['cpu_seconds']:.1f} s CPU "
            f"in {figures['seconds']:.1f} s)")
    print(line, flush=True)
    return line


def run(tiny: bool) -> list[str]:
    lines = [_measure("sqlite", tiny)]
    if os.environ.get("PBI_TEST_POSTGRES_URL"):
        lines.append(_measure("postgresql", tiny))
    return lines


if __name__ == "__main__" and sys.argv[1:2] == ["--child"]:
    _child(sys.argv[2], sys.argv[3])
