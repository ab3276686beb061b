"""The page benchmarks (P2, P6, P7 api) still run: tiny sizes, on each backend the run has; format only.

No timing is asserted: the figures belong in BENCHMARKS.md (``make bench``). It measures
both backends itself, so it runs in the SQLite pass of ``make test`` only.
"""

from __future__ import annotations

import os
import re

import pytest

from bench import p2_pages, p6_statistics, p7_api
from tests.conftest import BACKEND

PAGES = ("officer queue page 1", "officer queue page 50", "search", "search, one common surname", "case page",
         "staff dashboard", "public registry")


STATISTICS_PAGES = ("staff, a year", "staff, a quarter", "public, warm", "public, computed")
ONLY_SQLITE = pytest.mark.skipif(BACKEND != "sqlite", reason="measures both backends itself: the SQLite pass runs it")


@pytest.fixture(scope="module")
def bench_dir(tmp_path_factory):
    """One folder for the module: P6 measures on the registries P2 made."""
    return tmp_path_factory.mktemp("bench")


def _backends() -> list[str]:
    return ["sqlite"] + (["postgresql"] if os.environ.get("PBI_TEST_POSTGRES_URL") else [])


@ONLY_SQLITE
def test_p2_prints_every_page_on_each_backend(bench_dir, monkeypatch, capsys) -> None:
    monkeypatch.setenv("PBI_BENCH_DIR", str(bench_dir))
    lines = p2_pages.run(tiny=True)
    printed = [line for line in capsys.readouterr().out.splitlines() if line.startswith("P2 ")]
    assert printed == lines  # each figure printed on its own line, as returned
    for backend in _backends():
        for page in PAGES:
            pattern = re.compile(rf"P2 {page}: 60 \d+\.\d ms, 600 \d+\.\d ms, ratio \d+\.\d\d \({backend}\)")
            assert any(pattern.fullmatch(line) for line in lines), (page, backend, lines)
        plans = (bench_dir / f"plans-{backend}.txt").read_text()
        assert "## search" in plans and "complaints" in plans


def _printed_lines(module, prefix: str, bench_dir, monkeypatch, capsys) -> list[str]:
    """The lines ``module.run(tiny=True)`` returned, checked to be the ones it printed."""
    monkeypatch.setenv("PBI_BENCH_DIR", str(bench_dir))
    lines = module.run(tiny=True)
    assert [line for line in capsys.readouterr().out.splitlines() if line.startswith(prefix)] == lines
    return lines


def _assert_each(lines: list[str], patterns: dict[str, str]) -> None:
    """Every pattern matched by one of the lines, on each backend of the run."""
    for backend in _backends():
        for name, pattern in patterns.items():
            full = re.compile(pattern + rf" \({backend}\)")
            assert any(full.fullmatch(line) for line in lines), (name, backend, lines)


@ONLY_SQLITE
def test_p6_prints_every_statistics_page_on_each_backend(bench_dir, monkeypatch, capsys) -> None:
    lines = _printed_lines(p6_statistics, "P6 ", bench_dir, monkeypatch, capsys)
    _assert_each(lines, {page: rf"P6 statistics {page}: 60 \d+\.\d ms, 600 \d+\.\d ms, ratio \d+\.\d\d"
                         for page in STATISTICS_PAGES})
    not_measured = [] if "postgresql" in _backends() else ["P6 postgresql: not measured"]
    assert len(lines) == len(STATISTICS_PAGES) * len(_backends()) + len(not_measured)


@ONLY_SQLITE
def test_p7_api_prints_every_variant_on_each_backend(bench_dir, monkeypatch, capsys) -> None:
    lines = _printed_lines(p7_api, "P7 api", bench_dir, monkeypatch, capsys)
    _assert_each(lines, {variant: rf"P7 api complaints page{variant}: 60 \d+\.\d ms, 600 \d+\.\d ms, "
                                  rf"ratio \d+\.\d\d" for variant in ("", " 5", ", one district")})
