"""HTML → PDF with WeasyPrint, behind a URL fetcher that cannot leave the asset folder.

Document HTML is built from templates that carry user-supplied text; even if something
slips through escaping, rendering must not read local files or reach the network. Every
resource WeasyPrint loads (stylesheets, ``@import``, images, ``@font-face`` sources, SVG
references, attachments) goes through the fetcher made by :func:`make_url_fetcher`, which
serves ``data:`` URIs and regular files inside ``asset_dir`` only.

Fonts named by family (``font-family: "DejaVu Sans"``) come from fontconfig, not the fetcher.
When the CSS sets no ``@page size``, WeasyPrint's default page is A4.
"""

from __future__ import annotations

import base64
import io
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

import segno
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
