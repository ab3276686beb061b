"""Benchmarks (`make bench`): each prints its figures, one per line, starting with its id.

Every benchmark compares the product with a floor or a bare peer measured in the same
run (this machine is shared: absolute times drift, ratios hold). ``make test`` runs each
once at tiny size (``tests/test_bench.py``) to prove it still works — never as a timed test.

A benchmark module exposes ``run(tiny: bool) -> list[str]``: the lines it printed.
"""

# The benchmarks in the order `make bench` runs them: (id, module under bench/).
BENCHES = (
    ("P1", "p1_talon"),
    ("P2", "p2_pages"),
    ("P3", "p3_filing_load"),
    ("P4", "p4_pages"),
    ("P5", "p5_verify"),
    ("P6", "p6_statistics"),
    ("P7", "p7_export"),
    ("P7API", "p7_api"),  # its lines read "P7 api complaints page…" (issue 11 named it P7 beside the export's)
    ("P8", "p8_nca"),
)
