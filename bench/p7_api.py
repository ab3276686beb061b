"""P7 api: a page of ``/api/v1/complaints`` at a small and a large registry, on SQLite and PostgreSQL.

``P7 api complaints page<variant>: 1k X ms, 1M Y ms, ratio Z (sqlite|postgresql)`` — the
median time of the request served by the real app (in-process WSGI) with a
``complaints:read`` token, P2's 1,000 and 1,000,000 complaints (``bench/p2_pages.py``
makes or upgrades them in ``$PBI_BENCH_DIR``), measured interleaved in the same run. Each
request is the whole operation: the token looked up by its hash, the rate limit, the
keyset page, the audit entry (``api.token_use``, with the page's numbers) and its commit.
Goal (issue 11): ratio ≤ 1.5.

The variants: the first page (50 complaints, the queue's order); the 20th page, the small
registry's last (reached with the cursors of the pages before it: a keyset page costs the
same wherever it is);
one district's first page. The bench's token is created in the bench's database (named
"bench", revoked when the run ends). ``--tiny``: P2's 60 and 600 complaints.
"""

from __future__ import annotations

import time

from bench import p2_pages


class ApiSite:
    def __init__(self, instance, database_url) -> None:
        from app.api import tokens
        from app.extensions import db

        self.app = p2_pages._app(instance, database_url)
        self.client = self.app.test_client()
        with self.app.app_context():
            token, self.secret = tokens.create(name="bench", scopes=[tokens.COMPLAINTS_READ], days=1)
            self.token_id = token.id
            db.session.commit()
        self.headers = {"Authorization": f"Bearer {self.secret}"}

    def get(self, query: str) -> dict:
        answer = self.client.get(f"/api/v1/complaints?{query}", headers=self.headers)
        assert answer.status_code == 200, (query, answer.status_code, answer.get_data()[:300])
        return answer.get_json()

    def get_ms(self, query: str) -> float:
        started = time.perf_counter()
        self.get(query)
        return (time.perf_counter() - started) * 1000

    def _cursor(self, page: int, limit: int) -> str:
        """The cursor of page ``page`` (walked there from the first page)."""
        cursor = None
        for _ in range(page - 1):
            cursor = self.get(f"limit={limit}" + (f"&cursor={cursor}" if cursor else ""))["next_cursor"]
            if cursor is None:
                raise AssertionError("the registry has fewer pages than asked")
        return cursor

    def close(self) -> None:
        from app.api import tokens
        from app.extensions import db

        with self.app.app_context():
            tokens.revoke(self.token_id)
            db.session.commit()
            db.session.remove()
            db.engine.dispose()


def _measure(backend: str, tiny: bool) -> list[str]:
    sizes = p2_pages.TINY if tiny else p2_pages.FULL
    sites = [ApiSite(*p2_pages._prepare(backend, complaints, associations)) for complaints, associations, _ in sizes]
    labels = [label for _, _, label in sizes]
    # The last full page of the small registry (1,000 / 50; tiny: 60 / 10 has six).
    pages, limit = (5, 10) if tiny else (20, 50)
    variants = {"": [f"limit={limit}"] * 2,
                f" {pages}": [f"limit={limit}&cursor={site._cursor(pages, limit)}" for site in sites],
                ", one district": ["district=kentau&limit=" + str(limit)] * 2}
    repetitions = 3 if tiny else 21
    out: list[str] = []
    for variant, queries in variants.items():
        small, large = p2_pages.interleaved_medians(
            [lambda site=site, query=query: site.get_ms(query) for site, query in zip(sites, queries, strict=True)],
            repetitions)
        line = (f"P7 api complaints page{variant}: {labels[0]} {small:.1f} ms, {labels[1]} {large:.1f} ms, "
                f"ratio {large / small:.2f} ({backend})")
        print(line, flush=True)
        out.append(line)
    for site in sites:
        site.close()
    return out


def run(tiny: bool) -> list[str]:
    return p2_pages.on_each_backend("P7 api", _measure, tiny)
