"""HTML → PDF with WeasyPrint, behind a URL fetcher that cannot leave the asset folder.

Document HTML is built from templates that carry user-supplied text; even if something
slips through escaping, rendering must not read local files or reach the network. Every
resource WeasyPrint loads (stylesheets, ``@import``, images, ``@font-face`` sources, SVG
references, attachments) goes through the fetcher made by :func:`make_url_fetcher`, which
serves ``data:`` URIs and regular files inside ``asset_dir`` only.

Fonts named by family (``font-family: "DejaVu Sans"``) come from fontconfig, not the fetcher.
When the CSS sets no ``@page size``, WeasyPrint's default page is A4.

QR codes are segno's, module for module. Most of segno's time goes into choosing the data
mask: it applies each of the eight masks and scores the result (ISO/IEC 18004:2015 7.8.3)
one module at a time, through two Python calls per module. :func:`_best_mask` makes the
same choice — the same masked matrices, the same four penalty scores, the same tie-break
— with whole rows at once (bytes, integers and regular expressions), about four times
faster; it is installed into segno for the version it was checked against, and
``tests/documents/test_fast_issuance.py`` compares it with segno's own on many inputs.
"""

from __future__ import annotations

import base64
import functools
import io
import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import segno
from segno import encoder as segno_encoder
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse, path2url

_DATA_SCHEME = "data"
_FILE_SCHEME = "file"
_QR_SCALE = 4  # SVG user units per module
_QR_BORDER = 4  # quiet zone in modules, as the QR standard requires


class AssetRefused(Exception):
    """The renderer asked for a resource outside the allowed asset folder."""


class _AssetOnlyFetcher(URLFetcher):
    """A WeasyPrint fetcher that serves ``data:`` URIs and files under one folder, nothing else."""

    def __init__(self, asset_dir: Path) -> None:
        # The parent's fetch() is only used for data: URIs; allowed_protocols fences it anyway.
        super().__init__(allowed_protocols=(_DATA_SCHEME, _FILE_SCHEME), allow_redirects=False)
        self.asset_dir = Path(asset_dir).resolve(strict=True)
        if not self.asset_dir.is_dir():
            raise NotADirectoryError(f"asset_dir {asset_dir} is not a directory")

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == _DATA_SCHEME:
            return super().fetch(url, headers)  # decoded in memory by urllib's DataHandler
        if scheme != _FILE_SCHEME:
            raise AssetRefused(f"refused to fetch {url[:200]!r}: only data: URIs and local assets")
        path = self._resolve(url)
        body = path.read_bytes()
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        headers_out = {"Content-Type": content_type}
        return URLFetcherResponse(path2url(str(path)), body, headers_out)

    def _resolve(self, url: str) -> Path:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise AssetRefused(f"refused remote file URL {url[:200]!r}")
        raw_path = unquote(parts.path)
        if "\x00" in raw_path:
            raise AssetRefused("refused a file URL containing a NUL byte")
        # resolve() follows symlinks and removes '..', so the containment check sees the
        # real target; a symlink inside asset_dir pointing elsewhere is refused.
        try:
            path = Path(raw_path).resolve(strict=True)
        except (OSError, RuntimeError):
            raise AssetRefused(f"asset not found: {url[:200]!r}") from None
        if not path.is_relative_to(self.asset_dir) or not path.is_file():
            raise AssetRefused(f"refused {url[:200]!r}: not a file inside the asset folder")
        return path


def make_url_fetcher(asset_dir: Path) -> URLFetcher:
    """A WeasyPrint URL fetcher limited to ``data:`` URIs and files inside ``asset_dir``.

    Anything else (http, https, ftp, ``file://`` outside ``asset_dir``, ``..`` escapes,
    symlinks pointing out) raises :class:`AssetRefused`; WeasyPrint logs it and renders
    the document without that resource.
    """
    return _AssetOnlyFetcher(asset_dir)


def render_pdf(html: str, *, asset_dir: Path, base_url: str | None = None) -> bytes:
    """Render ``html`` to PDF bytes; relative URLs resolve against ``base_url`` or ``asset_dir``."""
    fetcher = make_url_fetcher(asset_dir)
    if base_url is None:
        base_url = path2url(str(fetcher.asset_dir))  # a directory URL, with trailing slash
    document = HTML(string=html, base_url=base_url, url_fetcher=fetcher)
    pdf = document.write_pdf()
    if not isinstance(pdf, bytes):  # pragma: no cover - write_pdf() without target returns bytes
        raise TypeError("WeasyPrint did not return PDF bytes")
    return pdf


# -- QR codes: segno's mask choice, row by row ---------------------------------------------

_SEGNO_CHECKED = "1.6.6"  # the segno release _best_mask was compared with
_segno_best_mask = segno_encoder.find_and_apply_best_mask  # segno's own, kept for the tests
_SEPARATOR = b"\xff"  # between lines; never a module value (modules are 0..3 while masking)
# N1: a run of 5 or more equal modules (values above 1 only where segno left a cell unset).
_RUN_OF_FIVE = re.compile(rb"\x00{5,}|\x01{5,}|\x02{5,}|\x03{5,}")
_FINDER_LIKE = bytes((1, 0, 1, 1, 1, 0, 1))  # N3: dark-light-dark-dark-dark-light-dark


@dataclass(frozen=True)
class _MaskTables:
    """What scoring a matrix of one size needs: each mask as an integer, and the N2 fence."""

    masks: tuple[int, ...]  # whole matrix, one byte per module, row after row: 1 = flip
    no_left_or_up: int  # 0xff at row 0 and column 0, where a module has no 2x2 block above-left


@functools.lru_cache(maxsize=64)
def _mask_tables(size: int) -> _MaskTables:
    """The 8 QR data masks over the encoding region, found exactly as segno finds it."""
    function = segno_encoder.make_matrix(size, size)
    segno_encoder.add_finder_patterns(function, size, size)
    segno_encoder.add_alignment_patterns(function, size, size)
    function[-8][8] = 0x1
    masks = tuple(
        int.from_bytes(bytes(
            1 if function[i][j] > 0x1 and pattern(i, j) else 0 for i in range(size) for j in range(size)
        ), "big")
        for pattern in segno_encoder.get_data_mask_functions(False)
    )
    fence = bytes(0xFF if i == 0 or j == 0 else 0 for i in range(size) for j in range(size))
    return _MaskTables(masks, int.from_bytes(fence, "big"))


def _finder_like_score(line: bytes, size: int) -> int:
    """N3 for one row or column, exactly as segno counts it."""
    count = 0
    index = line.find(_FINDER_LIKE)
    while index != -1:
        offset = index + 7
        if index in (0, size - 7) or not any(line[max(index - 4, 0):min(index, size)]) \
                or not any(line[max(offset, 0):min(offset + 4, size)]):
            count += 40
        else:
            offset = index + 4
        index = line.find(_FINDER_LIKE, offset)
    return count


def _penalty(matrix: int, size: int, fence: int) -> int:
    """segno's ``evaluate_mask`` (N1 + N2 + N3 + N4) of a masked matrix given as one integer."""
    modules = matrix.to_bytes(size * size, "big")
    rows = [modules[i * size:(i + 1) * size] for i in range(size)]
    columns = [modules[j::size] for j in range(size)]
    lines = _SEPARATOR.join(rows + columns)
    runs = _RUN_OF_FIVE.findall(lines)  # N1: 3 + (length - 5) for each run
    score = sum(map(len, runs)) - 2 * len(runs)
    # N2: 3 for each module equal to its left, upper and upper-left neighbours (a 2x2 block
    # of one colour). Byte-wise XOR is zero where two modules are equal; shifting by one
    # byte brings the left neighbour, by one row the upper one.
    row_bits = 8 * size
    left = matrix ^ (matrix >> 8)
    differs = left | (left >> row_bits) | (matrix ^ (matrix >> row_bits)) | fence
    score += 3 * differs.to_bytes(size * size, "big").count(0)
    if _FINDER_LIKE in lines:  # N3, on the lines that have the pattern at all
        width = size + 1
        candidates = {match.start() // width for match in re.finditer(re.escape(_FINDER_LIKE), lines)}
        score += sum(_finder_like_score(lines[n * width:n * width + size], size) for n in candidates)
    percent = float(sum(modules)) / (size**2)  # N4, segno's arithmetic
    return score + 10 * int(abs(percent * 100 - 50) / 5)


def _best_mask(matrix, width, height, proposed_mask=None):
    """Drop-in for segno's ``find_and_apply_best_mask``: the same (mask, matrix), faster."""
    if proposed_mask is not None or width != height or width < 21:  # Micro QR, given mask
        return _segno_best_mask(matrix, width, height, proposed_mask)
    tables = _mask_tables(width)
    unmasked = int.from_bytes(b"".join(matrix), "big")
    best_score, best_pattern = None, 0
    for number, mask in enumerate(tables.masks):
        score = _penalty(unmasked ^ mask, width, tables.no_left_or_up)
        if best_score is None or score < best_score:  # the first of equal scores wins, as in segno
            best_score, best_pattern = score, number
    modules = (unmasked ^ tables.masks[best_pattern]).to_bytes(width * width, "big")
    return best_pattern, tuple(bytearray(modules[i * width:(i + 1) * width]) for i in range(width))


if segno.__version__ == _SEGNO_CHECKED:
    segno_encoder.find_and_apply_best_mask = _best_mask


def qr_svg_data_uri(text: str) -> str:
    """A QR code (error correction M) for ``text`` as a ``data:image/svg+xml`` URI for ``<img src>``."""
    qr = segno.make_qr(text, error="m", boost_error=False)
    buffer = io.BytesIO()
    qr.save(buffer, kind="svg", scale=_QR_SCALE, border=_QR_BORDER, xmldecl=False)  # has xmlns
    width, height = qr.symbol_size(scale=_QR_SCALE, border=_QR_BORDER)
    # A viewBox as well as the intrinsic size, so CSS can resize the code without clipping it.
    svg = buffer.getvalue().replace(b"<svg ", f'<svg viewBox="0 0 {width} {height}" '.encode(), 1)
    encoded = base64.b64encode(svg).decode("ascii")
    return f"data:image/svg+xml;base64,{encoded}"
