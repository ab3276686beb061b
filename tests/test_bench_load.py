"""The load benchmarks (P3, P4) still run: tiny size, their lines in their formats. No timing asserted.

They serve an SQLite instance of their own whatever the test backend, so they run in the
SQLite pass only (``PBI_TEST_BACKEND=postgresql`` skips the two tiny runs).
"""

from __future__ import annotations

import io
import os
import re

import pytest
from pypdf import PdfReader

from bench import loadgen, p3_filing_load, p4_pages

NUMBER = r"\d+(?:\.\d+)?"
P3_LINES = [
    rf"P3 filing load: {NUMBER} journeys/s, p95 {NUMBER} ms, errors \d+, fraction of ceiling {NUMBER}",
    rf"P3 filing load with a long search: {NUMBER} journeys/s, p95 {NUMBER} ms \([+-]{NUMBER} ms\), errors \d+",
    rf"Memory: worker peak after P3 {NUMBER} MB; during 4 concurrent {NUMBER} MB filings {NUMBER} MB "
    rf"\({NUMBER} copies of the files\)",
]
P4_LINES = [rf"P4 {page}: {NUMBER} req/s, bare {NUMBER} req/s, ratio {NUMBER}" for page in ("/healthz", "/")]


def _assert_lines(lines: list[str], printed: str, patterns: list[str]) -> None:
    assert lines == printed.splitlines()
    for pattern in patterns:
        assert [line for line in lines if re.fullmatch(pattern, line)], f"no line matches {pattern!r} in {lines}"


sqlite_pass_only = pytest.mark.skipif(
    os.environ.get("PBI_TEST_BACKEND", "sqlite").strip().lower() not in ("", "sqlite"),
    reason="the load benchmarks serve their own SQLite instance; the SQLite pass runs them")


@sqlite_pass_only
def test_p3_filing_load_tiny(capsys):
    lines = p3_filing_load.run(tiny=True)
    _assert_lines(lines, capsys.readouterr().out, P3_LINES)
    # Without competition the journey works end to end: sign in, file with evidence, case page, talon.
    assert re.search(r"^P3 filing load: .*, errors 0,", lines[0])


@sqlite_pass_only
def test_p4_pages_tiny(capsys):
    lines = p4_pages.run(tiny=True)
    _assert_lines(lines, capsys.readouterr().out, P4_LINES)


def test_p4_python_client_without_wrk(tmp_path):
    """The fallback client P4 uses when wrk is not installed counts answers."""
    env = {**loadgen.Instance(tmp_path, "unused").env}
    with loadgen.Server("bench.bare_app:app", env, tmp_path, name="bare") as server:
        requests, seconds, errors, p99 = p4_pages._python_client(server.port, "/healthz", 0.5)
    assert requests > 0 and errors == 0 and seconds >= 0.5 and p99 > 0


@pytest.mark.parametrize("size", [2_000, 1024 * 1024 + 3])
def test_padded_pdf_is_a_pdf_of_the_size_asked(size):
    data = loadgen.padded_pdf(size)
    assert len(data) == size and data.startswith(b"%PDF-")
    assert len(PdfReader(io.BytesIO(data), strict=True).pages) == 1


def test_forms_reads_what_a_browser_would_send():
    html = """<form method="post" action="/x"><input type="hidden" name="csrf_token" value="t">
    <input type="checkbox" name="keep" value="y" checked><input type="checkbox" name="no" value="y">
    <select name="s"><option value="a">A</option><option value="b" selected>B</option></select>
    <textarea name="d">text</textarea><input type="file" name="f"></form>"""
    (form,) = loadgen.forms(html)
    assert form.action == "/x" and form.method == "post"
    assert form.fields == {"csrf_token": "t", "keep": "y", "s": "b", "d": "text"}
    assert form.choices == {"s": ["a", "b"]}
