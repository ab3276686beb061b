"""P6: the statistics pages at a small and a large registry, on SQLite and PostgreSQL.

``P6 statistics <page>: 1k X ms, 1M Y ms, ratio Z (sqlite|postgresql)`` — the median time
of the page served by the real app (in-process WSGI, P2's officer signed in), with
P2's 1,000 and 1,000,000 complaints (``bench/p2_pages.py`` makes or upgrades them in
``$PBI_BENCH_DIR``), measured interleaved in the same run. Goal (issue 10): ratio ≤ 3 and
≤ 500 ms warm at 1M for the staff page over a year and for the public page.

The pages:

- **staff, a year**: ``/staff/statistics?period=year:YYYY`` for the current year — every
  figure, breakdown, chart and the comparison with the previous year;
- **staff, a quarter**: the default period of the page;
- **public, warm**: ``/statistics`` as served, its figures taken from the per-process cache
  (``PBI_PUBLIC_STATISTICS_MAX_AGE_SECONDS``) after the first request;
- **public, computed**: ``/statistics`` with the cache dropped before every request — the
  computation a visitor meets once per cache period, shown so that the cache does not hide it.

Warm: each page is requested once before it is timed (templates, the database's pages).
``--tiny``: P2's 60 and 600 complaints.
"""

from __future__ import annotations

import statistics

from bench import p2_pages


def _pages() -> dict[str, tuple[str, bool]]:
    """{name: (path, drop the public cache before each request)}."""
    from app.timeutil import local_today

    return {
        "staff, a year": (f"/staff/statistics?period=year:{local_today().year}", False),
        "staff, a quarter": ("/staff/statistics", False),
        "public, warm": ("/statistics", False),
        "public, computed": ("/statistics", True),
    }


def _get_ms(site: p2_pages.Site, path: str, fresh: bool) -> float:
    if fresh:
        from app.reporting import public

        with site.app.app_context():
            public.forget()
    return site.get_ms(path)


def _measure(backend: str, tiny: bool) -> list[str]:
    sizes = p2_pages.TINY if tiny else p2_pages.FULL
    sites = [p2_pages.Site(*p2_pages._prepare(backend, complaints, associations))
             for complaints, associations, _ in sizes]
    labels = [label for _, _, label in sizes]
    repetitions = 3 if tiny else 11
    out: list[str] = []
    for page, (path, fresh) in _pages().items():
        for site in sites:
            _get_ms(site, path, fresh)  # warm
        samples: list[list[float]] = [[], []]
        for _ in range(repetitions):
            for index, site in enumerate(sites):
                samples[index].append(_get_ms(site, path, fresh))
        small, large = (statistics.median(s) for s in samples)
        line = (f"P6 statistics {page}: {labels[0]} {small:.1f} ms, {labels[1]} {large:.1f} ms, "
                f"ratio {large / small:.2f} ({backend})")
        print(line, flush=True)
        out.append(line)
    return out


def run(tiny: bool) -> list[str]:
    return p2_pages.on_each_backend("P6", _measure, tiny)
