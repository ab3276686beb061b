"""GOST R 34.11-2012 (Streebog): RFC 6986's examples, the native path against the pure-Python
reference, and both against the real ``openssl dgst -engine gost``.

RFC 6986 prints messages and hashes as numbers, most significant byte first, whose least
significant byte is the *first* byte of the byte string; so the byte strings here are the RFC's
hex reversed (M1 reversed is the ASCII digits, M2 reversed is CP1251 text).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.nca import streebog as sb

# RFC 6986 section 10.1, as printed (a number, most significant byte first).
RFC_M1 = "323130393837363534333231303938373635343332313039383736353433323130393837363534333231303938373635343332313039383736353433323130"  # noqa: E501
RFC_H512_M1 = (
    "486f64c1917879417fef082b3381a4e211c324f074654c38823a7b76f830ad00"
    "fa1fbae42b1285c0352f227524bc9ab16254288dd6863dccd5b9f54a1ad0541b"
)
RFC_H256_M1 = "00557be5e584fd52a449b16b0251d05d27f94ab76cbaa6da890b59d8ef1e159d"

# RFC 6986 section 10.2.
RFC_M2 = (
    "fbe2e5f0eee3c820fbeafaebef20fffbf0e1e0f0f520e0ed20e8ece0ebe5f0f2"
    "f120fff0eeec20f120faf2fee5e2202ce8f6f3ede220e8e6eee1e8f0f2d1202c"
    "e8f0f2e5e220e5d1"
)
RFC_H512_M2 = (
    "28fbc9bada033b1460642bdcddb90c3fb3e56c497ccd0f62b8a2ad4935e85f03"
    "7613966de4ee00531ae60f3b5a47f8dae06915d5f2f194996fcabf2622e6881e"
)
RFC_H256_M2 = "508f7e553c06501d749a66fc28c6cac0b005746d97537fa85d9e40904efed29d"

M1 = b"012345678901234567890123456789012345678901234567890123456789012"
M2 = bytes.fromhex(RFC_M2)[::-1]

# The digests as OpenSSL prints them; written out so that a test fails on a reversed digest even
# if the RFC-to-bytes conversion below were wrong in the same way as the code.
OPENSSL_H512_M1 = (
    "1b54d01a4af5b9d5cc3d86d68d285462b19abc2475222f35c085122be4ba1ffa"
    "00ad30f8767b3a82384c6574f024c311e2a481332b08ef7f41797891c1646f48"
)
OPENSSL_H256_M1 = "9d151eefd8590b89daa6ba6cb74af9275dd051026bb149a452fd84e5e57b5500"

VECTORS = [
    pytest.param(M1, 64, RFC_H512_M1, id="M1-512"),
    pytest.param(M1, 32, RFC_H256_M1, id="M1-256"),
    pytest.param(M2, 64, RFC_H512_M2, id="M2-512"),
    pytest.param(M2, 32, RFC_H256_M2, id="M2-256"),
]
FAST = {64: sb.streebog512, 32: sb.streebog256}
REFERENCE = {64: sb.streebog512_reference, 32: sb.streebog256_reference}
OPENSSL_NAMES = {64: "md_gost12_512", 32: "md_gost12_256"}


def _unavailable(message: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def native() -> None:
    """The fast path needs Debian's libengine-gost-openssl: skip without it, except in CI."""
    try:
        sb.streebog512(b"")
    except sb.StreebogUnavailable as exc:
        _unavailable(str(exc))


def test_the_rfc_messages_read_as_their_texts():
    """The byte-order convention itself: the RFC's hex reversed is the real message."""
    assert bytes.fromhex(RFC_M1)[::-1] == M1
    assert len(M1) == 63
    assert len(M2) == 72
    assert M2.decode("cp1251") == "Се ветри, Стрибожи внуци, веютъ с моря стрелами на храбрыя плъкы Игоревы"


@pytest.mark.parametrize(("message", "size", "rfc_hex"), VECTORS)
def test_reference_matches_rfc_6986(message, size, rfc_hex):
    digest = REFERENCE[size](message)
    assert len(digest) == size
    assert digest == bytes.fromhex(rfc_hex)[::-1]
    assert digest == int(rfc_hex, 16).to_bytes(size, "little")


@pytest.mark.parametrize(("message", "size", "rfc_hex"), VECTORS)
def test_fast_path_matches_rfc_6986(native, message, size, rfc_hex):
    digest = FAST[size](message)
    assert type(digest) is bytes
    assert len(digest) == size
    assert digest == bytes.fromhex(rfc_hex)[::-1]


def test_output_is_openssls_byte_order_not_the_rfcs_printing(native):
    for hash_function in (sb.streebog512, sb.streebog512_reference):
        assert hash_function(M1).hex() == OPENSSL_H512_M1
        assert hash_function(M1).hex() != RFC_H512_M1
    for hash_function in (sb.streebog256, sb.streebog256_reference):
        assert hash_function(M1).hex() == OPENSSL_H256_M1
        assert hash_function(M1).hex() != RFC_H256_M1


def test_256_is_not_a_truncated_512():
    long, short = sb.streebog512_reference(M1), sb.streebog256_reference(M1)
    assert short not in (long[:32], long[32:])


@given(st.binary(min_size=0, max_size=300))
@settings(max_examples=60, deadline=None)
def test_fast_path_equals_reference_on_random_messages(native, data):
    assert sb.streebog512(data) == sb.streebog512_reference(data)
    assert sb.streebog256(data) == sb.streebog256_reference(data)


@pytest.mark.parametrize("length", [0, 1, 55, 56, 62, 63, 64, 65, 127, 128, 129, 191, 192, 193])
def test_fast_path_equals_reference_around_block_boundaries(native, length):
    data = bytes((i * 37 + 11) & 0xFF for i in range(length))
    assert sb.streebog512(data) == sb.streebog512_reference(data)
    assert sb.streebog256(data) == sb.streebog256_reference(data)


def test_all_ff_blocks_exercise_the_512_bit_sum_carry(native):
    """Σ wraps modulo 2^512 only with large blocks; 0xff blocks make every addition carry."""
    data = b"\xff" * 128 + b"\xfe" * 64 + b"\xff" * 7
    assert sb.streebog512(data) == sb.streebog512_reference(data)
    assert sb.streebog256(data) == sb.streebog256_reference(data)


def test_bytes_like_inputs_and_rejected_types(native):
    assert sb.streebog512(bytearray(M1)) == sb.streebog512(memoryview(M1)) == sb.streebog512(M1)
    assert sb.streebog256_reference(bytearray(M1)) == sb.streebog256(M1)
    for wrong in ("0123", 5, None):
        with pytest.raises(TypeError):
            sb.streebog512(wrong)
        with pytest.raises(TypeError):
            sb.streebog512_reference(wrong)


def test_threads_share_the_engine_but_not_a_context(native):
    payloads = [os.urandom(1000 + 97 * i) for i in range(8)]
    expected = [sb.streebog512_reference(p) for p in payloads[:2]]
    results: dict[int, list[bytes]] = {}

    def work(index: int) -> None:
        results[index] = [sb.streebog512(payloads[index % 2]) for _ in range(50)]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for index, digests in results.items():
        assert set(digests) == {expected[index % 2]}
    assert len(results) == 8


@pytest.mark.parametrize("size", [64, 32])
def test_fast_path_agrees_with_the_openssl_cli_on_200_kb(native, tmp_path: Path, size):
    if shutil.which("openssl") is None:
        _unavailable("the openssl command line tool (Debian package openssl) is not installed")
    data = os.urandom(200 * 1024)
    path = tmp_path / "document.pdf"
    path.write_bytes(data)
    command = ["openssl", "dgst", "-engine", "gost", f"-{OPENSSL_NAMES[size]}", "-binary", str(path)]
    result = subprocess.run(command, capture_output=True, check=False, timeout=60)
    assert result.returncode == 0, result.stderr.decode("utf-8", "replace")
    assert len(result.stdout) == size, result.stdout
    assert FAST[size](data) == result.stdout


MODULE_PATH = Path(sb.__file__)

# Run in a fresh interpreter: OpenSSL keeps a loaded engine for the life of the process. The
# module is loaded from its file, so the child does not import the whole app.
CHILD = """
import importlib.util, sys
spec = importlib.util.spec_from_file_location("streebog_child", sys.argv[1])
sb = importlib.util.module_from_spec(spec)
spec.loader.exec_module(sb)
if sys.argv[2] != "-":
    sb._engines_dir = lambda lib: sys.argv[2]
try:
    print(sb.streebog512(b"012345678901234567890123456789012345678901234567890123456789012").hex())
except sb.StreebogUnavailable as exc:
    print("UNAVAILABLE", exc)
"""


def _child(tmp_path: Path, engines_dir: str) -> str:
    empty = tmp_path / "no-engines"
    empty.mkdir(exist_ok=True)
    env = {**os.environ, "OPENSSL_ENGINES": str(empty)}  # ENGINE_by_id("gost") finds nothing there
    command = [sys.executable, "-c", CHILD, str(MODULE_PATH), engines_dir]
    result = subprocess.run(command, capture_output=True, check=False, timeout=120, env=env)
    assert result.returncode == 0, result.stderr.decode("utf-8", "replace")
    return result.stdout.decode("utf-8").strip()


def test_engine_loads_through_the_dynamic_so_path_when_engine_by_id_fails(native, tmp_path: Path):
    assert _child(tmp_path, "-") == OPENSSL_H512_M1


def test_missing_engine_so_raises_streebog_unavailable_naming_the_package(tmp_path: Path):
    output = _child(tmp_path, str(tmp_path / "no-engines"))
    assert output.startswith("UNAVAILABLE"), output
    assert "libengine-gost-openssl" in output


def test_unavailable_engine_raises_a_typed_error_naming_the_package(monkeypatch):
    """With no engine found, the fast path says what to install and never computes slowly."""

    def no_engine(lib):
        raise sb.StreebogUnavailable(f"no gost engine here; {sb._hint()}")

    monkeypatch.setattr(sb, "_native", None)
    monkeypatch.setattr(sb, "_find_engine", no_engine)
    monkeypatch.setattr(sb, "_reference", lambda *args: pytest.fail("fell back to the pure-Python path"))
    with pytest.raises(sb.StreebogUnavailable, match="libengine-gost-openssl"):
        sb.streebog512(b"x" * 200_000)
    with pytest.raises(sb.StreebogError):
        sb.streebog256(b"")


def test_an_engine_that_does_not_give_the_rfc_hashes_is_not_used(native, monkeypatch):
    """The engine is checked against RFC 6986's example 1 when it is loaded (here: an expected hash changed)."""
    from app.nca import streebog as module

    wrong = dict(module._SELF_TEST_HASHES)
    wrong[64] = bytes(64)
    monkeypatch.setattr(module, "_SELF_TEST_HASHES", wrong)
    monkeypatch.setattr(module, "_native", None)
    with pytest.raises(module.StreebogUnavailable, match="RFC 6986"):
        module.streebog512(b"abc")
    monkeypatch.undo()
    assert module.streebog512(bytes.fromhex(RFC_M1)[::-1]) == bytes.fromhex(RFC_H512_M1)[::-1]
