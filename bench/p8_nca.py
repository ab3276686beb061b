"""P8: verifying an association's NCA RK signature — a detached CMS over a 200 KB agreement PDF.

``P8 nca verify: X ms (gost), Y ms (rsa); floor: streebog-512 A ms, sha-256 B ms; goal 300 ms``.

Each side is the whole of :func:`app.nca.cms_verify.verify_detached`: decoding the CMS, hashing the content,
the signing-certificate attribute, the signature, the chain to the anchors and, for GOST, the TEST CRL of the
issuing CA (already parsed, as the application keeps it). GOST: the ``legal_valid_head`` TEST key (GOST
2015-512, Streebog-512), accepted. RSA: the RSA TEST key (sha256WithRSA), judged at 2019-01-01 when its chain
was valid, no CRL: it runs every step to the role, where it is refused (an individual's key) — the bin step it
skips is a string comparison. Every measured CMS is a fresh signature (the verifier caches certificate
signatures it checked, as a warm server does, never a CMS signature), and the chain's are warmed once first.

The floor is the content hash alone on the same 200 KB, measured in the same run: Streebog-512 through
OpenSSL's GOST engine for the GOST side, SHA-256 for the RSA side. The figures are medians; ``--tiny``
measures 3 of each instead of 25.
"""

from __future__ import annotations

import hashlib
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.nca.cms_verify import verify_detached
from app.nca.pki import parse_certificate, parse_crl
from app.nca.streebog import streebog512
from tests.nca.signer import sign_detached_cms

NCA = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "nca"
TEST = NCA / "test-2022"
REPETITIONS, TINY_REPETITIONS = 25, 3
CONTENT_BYTES = 200 * 1024
GOAL_MS = 300


def _median_ms(function, count: int) -> float:
    times = []
    for index in range(count):
        started = time.perf_counter()
        function(index)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def run(tiny: bool) -> list[str]:
    count = TINY_REPETITIONS if tiny else REPETITIONS
    content = b"%PDF-1.7\n" + random.Random(8).randbytes(CONTENT_BYTES - 16) + b"\n%%EOF\n"  # noqa: S311 - filler
    root = parse_certificate((TEST / "root_test_gost_2022.cer").read_bytes())
    issuing = parse_certificate((TEST / "nca_gost2022_test.cer").read_bytes())
    crl = parse_crl((TEST / "nca_gost2022_test.crl").read_bytes())
    gost_at = datetime(2026, 9, 1, tzinfo=UTC)
    rsa_key = next((NCA / "rsa-test").glob("RSA256_*.p12"))
    rsa_anchor = parse_certificate((NCA / "previous-production" / "nca_rsa.crt").read_bytes())
    rsa_at = datetime(2019, 1, 1, tzinfo=UTC)
    signed_at = datetime(2018, 12, 1, tzinfo=UTC)

    gost = [sign_detached_cms(content, TEST / "keys" / "legal_valid_head.p12",
                              signing_time=gost_at - timedelta(seconds=index + 1)) for index in range(count + 1)]
    rsa = [sign_detached_cms(content, rsa_key, signing_time=signed_at + timedelta(seconds=index))
           for index in range(count + 1)]

    def verify_gost(index: int) -> None:
        result = verify_detached(gost[index], content, anchors=[root], intermediates=[issuing], crls=[crl],
                                 expected_bin="123456789021", at=gost_at)
        assert result.accepted, result.steps[-1]

    def verify_rsa(index: int) -> None:
        result = verify_detached(rsa[index], content, anchors=[rsa_anchor], expected_bin="123456789021",
                                 at=rsa_at, require_revocation=False)
        assert result.reason == "role", result.steps[-1]

    verify_gost(count)  # warm-up: the chain's certificate signatures, the curve tables
    verify_rsa(count)
    gost_ms = _median_ms(verify_gost, count)
    rsa_ms = _median_ms(verify_rsa, count)
    streebog_ms = _median_ms(lambda _index: streebog512(content), count)
    sha_ms = _median_ms(lambda _index: hashlib.sha256(content).digest(), count)
    line = (f"P8 nca verify: {gost_ms:.1f} ms (gost), {rsa_ms:.1f} ms (rsa); floor: streebog-512 "
            f"{streebog_ms:.1f} ms, sha-256 {sha_ms:.1f} ms; goal {GOAL_MS} ms")
    print(line, flush=True)
    return [line]
