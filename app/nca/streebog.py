"""GOST R 34.11-2012 ("Streebog") hash, 512- and 256-bit, for NCA RK signatures.

What
    ``streebog512(data)`` and ``streebog256(data)`` return the digest as a byte string of 64 or 32
    bytes. They run natively, in this process: OpenSSL's GOST engine (the Debian package
    ``libengine-gost-openssl``, ``gost.so`` in OpenSSL's ENGINESDIR) driven through ctypes, on the
    very libcrypto.so.3 that Python's ``_hashlib`` has loaded. ``streebog512_reference`` and
    ``streebog256_reference`` are a small pure-Python implementation written from RFC 6986, kept to
    cross-check the fast path in the tests and usable for tiny inputs; they are far too slow for
    documents.

Byte order
    The digest is the byte string that OpenSSL prints (``openssl dgst -engine gost -md_gost12_512``),
    that CMS/PKCS#7 ``messageDigest`` attributes carry, and that every other Streebog library returns.
    RFC 6986 writes every vector -- messages, constants and hashes alike -- as a number, most
    significant byte first, where a vector a = a_63 || ... || a_0 has its *first* byte a_0 as the
    number's *least* significant byte. Hence, for the hex string ``rfc_hex`` printed in the RFC:

        digest  == bytes.fromhex(rfc_hex)[::-1] == int(rfc_hex, 16).to_bytes(len, "little")
        message == bytes.fromhex(rfc_hex)[::-1]

    For example the RFC's M1 (``3231...3130``) reversed is the ASCII text ``"0123...9012"`` (63 bytes)
    and its H512 ``486f64c1...1ad0541b`` reversed is the digest ``1b54d01a...c1646f48``. The 256-bit
    hash is the most significant half of the final 512-bit state (RFC: MSB_256), i.e. bytes 32..63
    of that state's little-endian byte string -- not the first 32 bytes of ``streebog512``; it also
    starts from another IV, so the two digests are unrelated.

Fast path
    Loaded lazily, once, behind a lock: ``ENGINE_by_id("gost")`` (OpenSSL looks in ``OPENSSL_ENGINES``
    or its compiled-in ENGINESDIR), else the ``dynamic`` engine with ``SO_PATH`` = ENGINESDIR/gost.so;
    then ``ENGINE_init`` and ``ENGINE_get_digest`` for the NIDs of ``md_gost12_512``/``md_gost12_256``.
    The engine keeps its functional reference for the life of the process. Each call makes its own
    ``EVP_MD_CTX`` (so calls are thread-safe; ctypes drops the GIL around them) and frees it. When
    the engine cannot be loaded the functions raise ``StreebogUnavailable``, naming the Debian
    package; they never fall back to the pure-Python code.

Measured speed (Debian 12, OpenSSL 3.0.19, gost engine 3.0.1, a 2-core VM while another job kept
both cores busy; best of 20 calls, three runs)
    streebog512, 200 KB:                  1.8-2.7 ms
    streebog512, 1 MiB:                   9.5-10.4 ms (about 100-110 MB/s)
    first call (loading the engine):      4-11 ms, once per process
    streebog512_reference, 64 KiB:        0.35-0.6 s (about 0.1-0.2 MB/s)
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import threading

__all__ = [
    "StreebogError",
    "StreebogUnavailable",
    "streebog256",
    "streebog256_reference",
    "streebog512",
    "streebog512_reference",
]

DEBIAN_PACKAGE = "libengine-gost-openssl"


class StreebogError(RuntimeError):
    """OpenSSL refused a Streebog operation (the message carries OpenSSL's error queue)."""


class StreebogUnavailable(StreebogError):
    """The native Streebog (OpenSSL's GOST engine) cannot be loaded in this process."""


# --------------------------------------------------------------------------------------------
# Fast path: OpenSSL's GOST engine through ctypes
# --------------------------------------------------------------------------------------------

_OPENSSL_ENGINES_DIR = 5  # OpenSSL_version(): "ENGINESDIR: \"...\""
_OPENSSL_INIT_ENGINE_DYNAMIC = 0x00000400
_EVP_MAX_MD_SIZE = 64
_DIGEST_NAMES = {64: b"md_gost12_512", 32: b"md_gost12_256"}

_P = ctypes.c_void_p
_SIGNATURES = {
    # name: (restype, argtypes)
    "OpenSSL_version_num": (ctypes.c_ulong, []),
    "OpenSSL_version": (ctypes.c_char_p, [ctypes.c_int]),
    "OPENSSL_init_crypto": (ctypes.c_int, [ctypes.c_uint64, _P]),
    "ERR_get_error": (ctypes.c_ulong, []),
    "ERR_error_string_n": (None, [ctypes.c_ulong, ctypes.c_char_p, ctypes.c_size_t]),
    "ENGINE_by_id": (_P, [ctypes.c_char_p]),
    "ENGINE_ctrl_cmd_string": (ctypes.c_int, [_P, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int]),
    "ENGINE_init": (ctypes.c_int, [_P]),
    "ENGINE_finish": (ctypes.c_int, [_P]),
    "ENGINE_free": (ctypes.c_int, [_P]),
    "ENGINE_get_digest": (_P, [_P, ctypes.c_int]),
    "OBJ_txt2nid": (ctypes.c_int, [ctypes.c_char_p]),
    "EVP_MD_get_size": (ctypes.c_int, [_P]),
    "EVP_MD_CTX_new": (_P, []),
    "EVP_MD_CTX_free": (None, [_P]),
    "EVP_DigestInit_ex": (ctypes.c_int, [_P, _P, _P]),
    "EVP_DigestUpdate": (ctypes.c_int, [_P, ctypes.c_char_p, ctypes.c_size_t]),
    "EVP_DigestFinal_ex": (ctypes.c_int, [_P, ctypes.c_char_p, ctypes.POINTER(ctypes.c_uint)]),
}


class _Native:
    """The loaded libcrypto, the initialised GOST engine and its two EVP_MDs."""

    def __init__(self, lib: ctypes.CDLL, engine: int, mds: dict[int, int]) -> None:
        self.lib = lib
        self.engine = engine
        self.mds = mds


_native: _Native | None = None
_native_lock = threading.Lock()


def _hint() -> str:
    return f"install the Debian package {DEBIAN_PACKAGE} (apt-get install {DEBIAN_PACKAGE}; scripts/system-deps.sh)"


def _openssl_errors(lib: ctypes.CDLL) -> str:
    """Drain this thread's OpenSSL error queue into one line."""
    messages = []
    buf = ctypes.create_string_buffer(256)
    for _ in range(32):
        code = lib.ERR_get_error()
        if not code:
            break
        lib.ERR_error_string_n(code, buf, len(buf))
        messages.append(buf.value.decode("ascii", "replace"))
    return "; ".join(messages) or "no OpenSSL error recorded"


def _libcrypto_path() -> str:
    """The libcrypto that Python's _hashlib has loaded (so both share one OpenSSL state)."""
    import _hashlib  # noqa: F401  (loads libcrypto into the process if nothing has yet)

    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            for line in maps:
                fields = line.split()
                if len(fields) >= 6 and os.path.basename(fields[-1]).startswith("libcrypto.so"):
                    return fields[-1]
    except OSError:
        pass
    return ctypes.util.find_library("crypto") or "libcrypto.so.3"


def _open_libcrypto() -> ctypes.CDLL:
    path = _libcrypto_path()
    try:
        lib = ctypes.CDLL(path)
        for name, (restype, argtypes) in _SIGNATURES.items():
            func = getattr(lib, name)
            func.restype = restype
            func.argtypes = argtypes
    except (OSError, AttributeError) as exc:
        raise StreebogUnavailable(f"Streebog: cannot use {path} with the ENGINE API ({exc})") from exc
    if lib.OpenSSL_version_num() < 0x30000000:
        raise StreebogUnavailable(f"Streebog: {path} is older than OpenSSL 3, which the GOST engine needs")
    return lib


def _engines_dir(lib: ctypes.CDLL) -> str:
    text = (lib.OpenSSL_version(_OPENSSL_ENGINES_DIR) or b"").decode("utf-8", "replace")
    # 'ENGINESDIR: "/usr/lib/x86_64-linux-gnu/engines-3"'
    _, _, value = text.partition(":")
    return value.strip().strip('"')


def _find_engine(lib: ctypes.CDLL) -> int:
    """A structural reference to the "gost" engine, or StreebogUnavailable."""
    engine = lib.ENGINE_by_id(b"gost")
    if engine:
        return engine
    first = _openssl_errors(lib)
    so_path = os.path.join(_engines_dir(lib), "gost.so")
    if lib.OPENSSL_init_crypto(_OPENSSL_INIT_ENGINE_DYNAMIC, None) != 1:
        raise StreebogUnavailable(f"Streebog: no GOST engine ({first}; {_openssl_errors(lib)}); {_hint()}")
    dynamic = lib.ENGINE_by_id(b"dynamic")
    if not dynamic:
        raise StreebogUnavailable(f"Streebog: no GOST engine ({first}; {_openssl_errors(lib)}); {_hint()}")
    commands = ((b"SO_PATH", so_path.encode()), (b"ID", b"gost"), (b"LOAD", None))
    for command, argument in commands:
        if lib.ENGINE_ctrl_cmd_string(dynamic, command, argument, 0) != 1:
            detail = _openssl_errors(lib)
            lib.ENGINE_free(dynamic)
            raise StreebogUnavailable(
                f"Streebog: OpenSSL's GOST engine cannot be loaded from {so_path} ({first}; {detail}); {_hint()}"
            )
    return dynamic  # after LOAD, the dynamic engine *is* the gost engine


def _load() -> _Native:
    global _native
    native = _native
    if native is not None:
        return native
    with _native_lock:
        if _native is not None:
            return _native
        lib = _open_libcrypto()
        engine = _find_engine(lib)
        if lib.ENGINE_init(engine) != 1:
            detail = _openssl_errors(lib)
            lib.ENGINE_free(engine)
            raise StreebogUnavailable(f"Streebog: ENGINE_init(gost) failed ({detail}); {_hint()}")
        mds: dict[int, int] = {}
        for size, name in _DIGEST_NAMES.items():
            nid = lib.OBJ_txt2nid(name)
            md = lib.ENGINE_get_digest(engine, nid) if nid else None
            if not md or lib.EVP_MD_get_size(md) != size:
                detail = _openssl_errors(lib)
                lib.ENGINE_finish(engine)
                lib.ENGINE_free(engine)
                raise StreebogUnavailable(
                    f"Streebog: the GOST engine has no {name.decode()} digest of {size} bytes ({detail}); {_hint()}"
                )
            mds[size] = md
        # Keep the functional reference (ENGINE_init) for the life of the process; drop the
        # structural one from ENGINE_by_id, which the functional reference does not need.
        lib.ENGINE_free(engine)
        candidate = _Native(lib, engine, mds)
        for size, expected in _SELF_TEST_HASHES.items():
            if _digest(candidate, size, _SELF_TEST_MESSAGE) != expected:
                raise StreebogUnavailable(f"Streebog: the GOST engine's {size * 8}-bit hash of RFC 6986's example 1 "
                                          f"is not the RFC's; {_hint()}")
        _native = candidate
        return _native


# RFC 6986, example 1: M1 (the 63 ASCII digits "0123…9012") and its hashes, in OpenSSL's byte order (the RFC's
# hex strings reversed, see "Byte order" above). Checked once, when the engine is loaded: an engine that does
# not give them is not used.
_SELF_TEST_MESSAGE = b"012345678901234567890123456789012345678901234567890123456789012"
_SELF_TEST_HASHES = {
    64: bytes.fromhex("486f64c1917879417fef082b3381a4e211c324f074654c38823a7b76f830ad00"
                      "fa1fbae42b1285c0352f227524bc9ab16254288dd6863dccd5b9f54a1ad0541b")[::-1],
    32: bytes.fromhex("00557be5e584fd52a449b16b0251d05d27f94ab76cbaa6da890b59d8ef1e159d")[::-1],
}


def _native_digest(size: int, data: bytes) -> bytes:
    if not isinstance(data, bytes):
        data = memoryview(data).tobytes()  # TypeError for str, int and other non-buffers
    return _digest(_load(), size, data)


def _digest(native: _Native, size: int, data: bytes) -> bytes:
    lib = native.lib
    ctx = lib.EVP_MD_CTX_new()
    if not ctx:
        raise StreebogError(f"Streebog: EVP_MD_CTX_new failed ({_openssl_errors(lib)})")
    try:
        if lib.EVP_DigestInit_ex(ctx, native.mds[size], native.engine) != 1:
            raise StreebogError(f"Streebog: EVP_DigestInit_ex failed ({_openssl_errors(lib)})")
        if lib.EVP_DigestUpdate(ctx, data, len(data)) != 1:
            raise StreebogError(f"Streebog: EVP_DigestUpdate failed ({_openssl_errors(lib)})")
        out = ctypes.create_string_buffer(_EVP_MAX_MD_SIZE)
        out_len = ctypes.c_uint(0)
        if lib.EVP_DigestFinal_ex(ctx, out, ctypes.byref(out_len)) != 1:
            raise StreebogError(f"Streebog: EVP_DigestFinal_ex failed ({_openssl_errors(lib)})")
        if out_len.value != size:
            raise StreebogError(f"Streebog: OpenSSL returned {out_len.value} bytes instead of {size}")
        return out.raw[:size]
    finally:
        lib.EVP_MD_CTX_free(ctx)


def streebog512(data: bytes) -> bytes:
    """GOST R 34.11-2012 512-bit hash of ``data`` (64 bytes, OpenSSL's byte order), native."""
    return _native_digest(64, data)


def streebog256(data: bytes) -> bytes:
    """GOST R 34.11-2012 256-bit hash of ``data`` (32 bytes, OpenSSL's byte order), native."""
    return _native_digest(32, data)


# --------------------------------------------------------------------------------------------
# Reference: pure Python, from RFC 6986
#
# A 512-bit vector a = a_63 || ... || a_0 is held as the Python int Int512(a); byte a_i is byte i
# of its little-endian encoding, so a message block is int.from_bytes(block, "little").
# --------------------------------------------------------------------------------------------

_MASK512 = (1 << 512) - 1

# RFC 6986 section 6.1: the bijection Pi' of V8, Pi'(i) for i = 0..255.
_PI = (
    252, 238, 221, 17, 207, 110, 49, 22, 251, 196, 250, 218, 35, 197, 4, 77,
    233, 119, 240, 219, 147, 46, 153, 186, 23, 54, 241, 187, 20, 205, 95, 193,
    249, 24, 101, 90, 226, 92, 239, 33, 129, 28, 60, 66, 139, 1, 142, 79,
    5, 132, 2, 174, 227, 106, 143, 160, 6, 11, 237, 152, 127, 212, 211, 31,
    235, 52, 44, 81, 234, 200, 72, 171, 242, 42, 104, 162, 253, 58, 206, 204,
    181, 112, 14, 86, 8, 12, 118, 18, 191, 114, 19, 71, 156, 183, 93, 135,
    21, 161, 150, 41, 16, 123, 154, 199, 243, 145, 120, 111, 157, 158, 178, 177,
    50, 117, 25, 61, 255, 53, 138, 126, 109, 84, 198, 128, 195, 189, 13, 87,
    223, 245, 36, 169, 62, 168, 67, 201, 215, 121, 214, 246, 124, 34, 185, 3,
    224, 15, 236, 222, 122, 148, 176, 188, 220, 232, 40, 80, 78, 51, 10, 74,
    167, 151, 96, 115, 30, 0, 98, 68, 26, 184, 56, 130, 100, 159, 38, 65,
    173, 69, 70, 146, 39, 94, 85, 47, 140, 163, 165, 125, 105, 213, 149, 59,
    7, 88, 179, 64, 134, 172, 29, 247, 48, 55, 107, 228, 136, 217, 231, 137,
    225, 27, 131, 73, 76, 63, 248, 254, 141, 83, 170, 144, 202, 216, 133, 97,
    32, 113, 103, 164, 45, 43, 9, 91, 203, 155, 37, 208, 190, 229, 108, 82,
    89, 166, 116, 210, 230, 244, 180, 192, 209, 102, 175, 194, 57, 75, 99, 182,
)  # fmt: skip
_PI_BYTES = bytes(_PI)  # for bytes.translate

# RFC 6986 section 6.2: the permutation tau of Z_64 (byte i of P(a) is byte tau(i) of a).
_TAU = (
    0, 8, 16, 24, 32, 40, 48, 56,
    1, 9, 17, 25, 33, 41, 49, 57,
    2, 10, 18, 26, 34, 42, 50, 58,
    3, 11, 19, 27, 35, 43, 51, 59,
    4, 12, 20, 28, 36, 44, 52, 60,
    5, 13, 21, 29, 37, 45, 53, 61,
    6, 14, 22, 30, 38, 46, 54, 62,
    7, 15, 23, 31, 39, 47, 55, 63,
)  # fmt: skip

# RFC 6986 section 6.3: the rows A_0..A_63 of the linear map l of V64.
_A = (
    0x8E20FAA72BA0B470, 0x47107DDD9B505A38, 0xAD08B0E0C3282D1C, 0xD8045870EF14980E,
    0x6C022C38F90A4C07, 0x3601161CF205268D, 0x1B8E0B0E798C13C8, 0x83478B07B2468764,
    0xA011D380818E8F40, 0x5086E740CE47C920, 0x2843FD2067ADEA10, 0x14AFF010BDD87508,
    0x0AD97808D06CB404, 0x05E23C0468365A02, 0x8C711E02341B2D01, 0x46B60F011A83988E,
    0x90DAB52A387AE76F, 0x486DD4151C3DFDB9, 0x24B86A840E90F0D2, 0x125C354207487869,
    0x092E94218D243CBA, 0x8A174A9EC8121E5D, 0x4585254F64090FA0, 0xACCC9CA9328A8950,
    0x9D4DF05D5F661451, 0xC0A878A0A1330AA6, 0x60543C50DE970553, 0x302A1E286FC58CA7,
    0x18150F14B9EC46DD, 0x0C84890AD27623E0, 0x0642CA05693B9F70, 0x0321658CBA93C138,
    0x86275DF09CE8AAA8, 0x439DA0784E745554, 0xAFC0503C273AA42A, 0xD960281E9D1D5215,
    0xE230140FC0802984, 0x71180A8960409A42, 0xB60C05CA30204D21, 0x5B068C651810A89E,
    0x456C34887A3805B9, 0xAC361A443D1C8CD2, 0x561B0D22900E4669, 0x2B838811480723BA,
    0x9BCF4486248D9F5D, 0xC3E9224312C8C1A0, 0xEFFA11AF0964EE50, 0xF97D86D98A327728,
    0xE4FA2054A80B329C, 0x727D102A548B194E, 0x39B008152ACB8227, 0x9258048415EB419D,
    0x492C024284FBAEC0, 0xAA16012142F35760, 0x550B8E9E21F7A530, 0xA48B474F9EF5DC18,
    0x70A6A56E2440598E, 0x3853DC371220A247, 0x1CA76E95091051AD, 0x0EDD37C48A08A6D8,
    0x07E095624504536C, 0x8D70C431AC02A736, 0xC83862965601DD1B, 0x641C314B2B8EE083,
)  # fmt: skip


def _hex512(*parts: str) -> int:
    value = int("".join(parts), 16)
    assert value.bit_length() <= 512
    return value


# RFC 6986 section 6.4: the iteration constants C_1..C_12, as the RFC prints them (numbers).
_C = (
    _hex512("b1085bda1ecadae9ebcb2f81c0657c1f2f6a76432e45d016714eb88d7585c4fc",
            "4b7ce09192676901a2422a08a460d31505767436cc744d23dd806559f2a64507"),
    _hex512("6fa3b58aa99d2f1a4fe39d460f70b5d7f3feea720a232b9861d55e0f16b50131",
            "9ab5176b12d699585cb561c2db0aa7ca55dda21bd7cbcd56e679047021b19bb7"),
    _hex512("f574dcac2bce2fc70a39fc286a3d843506f15e5f529c1f8bf2ea7514b1297b7b",
            "d3e20fe490359eb1c1c93a376062db09c2b6f443867adb31991e96f50aba0ab2"),
    _hex512("ef1fdfb3e81566d2f948e1a05d71e4dd488e857e335c3c7d9d721cad685e353f",
            "a9d72c82ed03d675d8b71333935203be3453eaa193e837f1220cbebc84e3d12e"),
    _hex512("4bea6bacad4747999a3f410c6ca923637f151c1f1686104a359e35d7800fffbd",
            "bfcd1747253af5a3dfff00b723271a167a56a27ea9ea63f5601758fd7c6cfe57"),
    _hex512("ae4faeae1d3ad3d96fa4c33b7a3039c02d66c4f95142a46c187f9ab49af08ec6",
            "cffaa6b71c9ab7b40af21f66c2bec6b6bf71c57236904f35fa68407a46647d6e"),
    _hex512("f4c70e16eeaac5ec51ac86febf240954399ec6c7e6bf87c9d3473e33197a93c9",
            "0992abc52d822c3706476983284a05043517454ca23c4af38886564d3a14d493"),
    _hex512("9b1f5b424d93c9a703e7aa020c6e41414eb7f8719c36de1e89b4443b4ddbc49a",
            "f4892bcb929b069069d18d2bd1a5c42f36acc2355951a8d9a47f0dd4bf02e71e"),
    _hex512("378f5a541631229b944c9ad8ec165fde3a7d3a1b258942243cd955b7e00d0984",
            "800a440bdbb2ceb17b2b8a9aa6079c540e38dc92cb1f2a607261445183235adb"),
    _hex512("abbedea680056f52382ae548b2e4f3f38941e71cff8a78db1fffe18a1b336103",
            "9fe76702af69334b7a1e6c303b7652f43698fad1153bb6c374b4c7fb98459ced"),
    _hex512("7bcd9ed0efc889fb3002c6cd635afe94d8fa6bbbebab07612001802114846679",
            "8a1d71efea48b9caefbacd1d7d476e98dea2594ac06fd85d6bcaa4cd81f32d1b"),
    _hex512("378ee767f11631bad21380b00449b17acda43c32bcdf1d77f82012d430219f9b",
            "5d80ef9d1891cc86e71da4aa88e12852faf417d5d9b21b9948bc924af11bd720"),
)  # fmt: skip

_IV512 = 0  # 0^512
_IV256 = int.from_bytes(b"\x01" * 64, "little")  # (00000001)^64


def _l_bitwise(b: int) -> int:
    """RFC 6986 l(b_63 || ... || b_0) = XOR of A_(63-i) over the set bits b_i."""
    out = 0
    for i in range(64):
        if (b >> i) & 1:
            out ^= _A[63 - i]
    return out


@functools.cache
def _l_table() -> tuple[tuple[int, ...], ...]:
    """l is linear, so l(b) is the XOR of l applied to each of b's eight bytes in place."""
    return tuple(tuple(_l_bitwise(v << (8 * j)) for v in range(256)) for j in range(8))


def _lps(a: int) -> int:
    """L(P(S(a))) on a 512-bit vector."""
    s = a.to_bytes(64, "little").translate(_PI_BYTES)  # S: a_i -> Pi'(a_i)
    p = bytes(s[t] for t in _TAU)  # P: byte i <- byte tau(i)
    table = _l_table()
    out = 0
    for w in range(8):  # L: l on each 64-bit word, word w = bytes 8w..8w+7
        word = 0
        for j in range(8):
            word ^= table[j][p[8 * w + j]]
        out |= word << (64 * w)
    return out


def _e(k: int, m: int) -> int:
    """E(K, m) = X[K_13] LPSX[K_12] ... LPSX[K_1](m), K_1 = K, K_(i+1) = LPS(K_i xor C_i)."""
    state = m
    for c in _C:
        state = _lps(k ^ state)
        k = _lps(k ^ c)
    return k ^ state


def _g(n: int, h: int, m: int) -> int:
    """The compression function g_N(h, m) = E(LPS(h xor N), m) xor h xor m."""
    return _e(_lps(h ^ n), m) ^ h ^ m


def _reference(data: bytes, iv: int) -> int:
    h, n, sigma = iv, 0, 0
    full = len(data) // 64 * 64
    for at in range(0, full, 64):  # stage 2: M = M' || m, m the low 512 bits = the next 64 bytes
        m = int.from_bytes(data[at : at + 64], "little")
        h = _g(n, h, m)
        n = (n + 512) & _MASK512
        sigma = (sigma + m) & _MASK512
    rest = data[full:]  # stage 3: m = 0^(511-|M|) || 1 || M
    m = int.from_bytes(rest + b"\x01", "little")
    h = _g(n, h, m)
    n = (n + 8 * len(rest)) & _MASK512
    sigma = (sigma + m) & _MASK512
    h = _g(0, h, n)
    return _g(0, h, sigma)


def streebog512_reference(data: bytes) -> bytes:
    """Pure-Python GOST R 34.11-2012 512-bit hash (same bytes as ``streebog512``); slow."""
    return _reference(memoryview(data).tobytes(), _IV512).to_bytes(64, "little")


def streebog256_reference(data: bytes) -> bytes:
    """Pure-Python GOST R 34.11-2012 256-bit hash (same bytes as ``streebog256``); slow."""
    return (_reference(memoryview(data).tobytes(), _IV256) >> 256).to_bytes(32, "little")
