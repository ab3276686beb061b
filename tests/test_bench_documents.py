"""The document benchmarks (P1 talon issuance, P5 verification, P8 NCA verification) still run: tiny size,
format only.

No timing is asserted: this machine is shared, and the figures belong in BENCHMARKS.md.
"""

from __future__ import annotations

import re

import pytest

from bench import p1_talon, p5_verify, p8_nca

NUMBER = r"\d+\.\d"
FORMATS = {
    p1_talon: re.compile(rf"P1 talon issuance: {NUMBER} ms, floor {NUMBER} ms, ratio \d+\.\d\d"),
    p5_verify: re.compile(rf"P5 verify: {NUMBER} ms, bare {NUMBER} ms, ratio \d+\.\d\d"),
    p8_nca: re.compile(rf"P8 nca verify: {NUMBER} ms \(gost\), {NUMBER} ms \(rsa\); floor: streebog-512 "
                       rf"{NUMBER} ms, sha-256 {NUMBER} ms; goal 300 ms"),
}


@pytest.mark.parametrize("module", list(FORMATS), ids=lambda module: module.__name__)
def test_bench_prints_its_line(module, capsys) -> None:
    lines = module.run(tiny=True)
    printed = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and printed == lines
    assert FORMATS[module].fullmatch(lines[0]), lines[0]
