"""The page benchmark (P2) still runs: tiny sizes, on each backend the run has; format only.

No timing is asserted: the figures belong in BENCHMARKS.md (``make bench``). It measures
both backends itself, so it runs in the SQLite pass of ``make test`` only.
"""

from __future__ import annotations

import os
import re

import pytest

from bench import p2_pages
from tests.conftest import BACKEND

PAGES = ("officer queue page 1", "officer queue page 50", "search", "search, one common surname", "case page",
         "staff dashboard", "public registry")


@pytest.mark.skipif(BACKEND != "sqlite", reason="measures both backends itself: the SQLite pass runs it")
def test_p2_prints_every_page_on_each_backend(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("PBI_BENCH_DIR", str(tmp_path))
    lines = p2_pages.run(tiny=True)
    printed = [line for line in capsys.readouterr().out.splitlines() if line.startswith("P2 ")]
    assert printed == lines  # each figure printed on its own line, as returned
    backends = ["sqlite"] + (["postgresql"] if os.environ.get("PBI_TEST_POSTGRES_URL") else [])
    for backend in backends:
        for page in PAGES:
            pattern = re.compile(rf"P2 {page}: 60 \d+\.\d ms, 600 \d+\.\d ms, ratio \d+\.\d\d \({backend}\)")
            assert any(pattern.fullmatch(line) for line in lines), (page, backend, lines)
        plans = (tmp_path / f"plans-{backend}.txt").read_text()
        assert "## search" in plans and "complaints" in plans
