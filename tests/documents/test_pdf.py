"""HTML → PDF: Kazakh text survives, A4 by default, the QR code is right, the fetcher is locked."""

from __future__ import annotations

import base64
import http.server
import io
import logging
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import segno
from pypdf import PdfReader

from app.documents.pdf import AssetRefused, make_url_fetcher, qr_svg_data_uri, render_pdf
from tests.documents.conftest import QR_TEXT, pdf_text, run_tool

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")
A4_POINTS = (595.28, 841.89)


def test_bilingual_text_keeps_kazakh_letters(sample_pdf: bytes, tmp_path: Path) -> None:
    text = pdf_text(sample_pdf, tmp_path)
    assert "ҚАЗАҚСТАН РЕСПУБЛИКАСЫ" in text
    assert "Өтініштің қабылданғаны туралы талон" in text
    assert "Талон о принятии обращения" in text
    assert "ә ғ қ ң ө ұ ү һ і" in text and "Ә Ғ Қ Ң Ө Ұ Ү Һ І" in text


def test_default_page_is_a4(sample_pdf: bytes) -> None:
    reader = PdfReader(io.BytesIO(sample_pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) == pytest.approx(A4_POINTS[0], abs=0.5)
    assert float(box.height) == pytest.approx(A4_POINTS[1], abs=0.5)


def test_css_page_size_wins(asset_dir: Path) -> None:
    pdf = render_pdf("<style>@page { size: A5 landscape }</style><p>x</p>", asset_dir=asset_dir)
    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    assert float(box.width) == pytest.approx(A4_POINTS[1] / 2**0.5, abs=0.5)


def test_qr_data_uri_is_a_standalone_svg_of_the_text() -> None:
    uri = qr_svg_data_uri(QR_TEXT)
    prefix = "data:image/svg+xml;base64,"
    assert uri.startswith(prefix)
    svg = base64.b64decode(uri[len(prefix):]).decode()
    assert svg.startswith("<svg") and 'xmlns="http://www.w3.org/2000/svg"' in svg and "viewBox=" in svg
    assert qr_svg_data_uri(QR_TEXT) == uri and qr_svg_data_uri(QR_TEXT + "x") != uri


def _read_pgm(data: bytes) -> tuple[int, int, bytes]:
    """Parse a binary PGM (P5) as written by pdftoppm -gray."""
    fields: list[bytes] = []
    position = 0
    while len(fields) < 4:
        while data[position:position + 1].isspace():
            position += 1
        end = position
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[position:end])
        position = end
    assert fields[0] == b"P5" and fields[3] == b"255"
    width, height = int(fields[1]), int(fields[2])
    pixels = data[position + 1:]
    assert len(pixels) == width * height
    return width, height, pixels


def test_rendered_qr_code_matches_the_encoded_text(asset_dir: Path, tmp_path: Path) -> None:
    """Rasterise the PDF with poppler and read the modules back; they must be the QR of the text."""
    qr = segno.make_qr(QR_TEXT, error="m", boost_error=False)
    assert qr.error == "M"
    modules = qr.symbol_size(border=4)[0]
    module_mm = 2
    html = (
        "<style>@page { margin: 0 } body { margin: 0 }"
        f" img {{ display: block; width: {modules * module_mm}mm; height: {modules * module_mm}mm }}</style>"
        f'<img src="{qr_svg_data_uri(QR_TEXT)}">'
    )
    pdf_path = tmp_path / "qr.pdf"
    pdf_path.write_bytes(render_pdf(html, asset_dir=asset_dir))
    dpi = 254  # 10 pixels per millimetre
    result = run_tool("pdftoppm", "-gray", "-r", str(dpi), "-singlefile", pdf_path, tmp_path / "qr")
    assert result.returncode == 0, result.stderr
    width, _height, pixels = _read_pgm((tmp_path / "qr.pgm").read_bytes())
    pixels_per_module = module_mm * dpi / 25.4

    def dark(row: int, column: int) -> bool:
        x = int((column + 0.5) * pixels_per_module)
        y = int((row + 0.5) * pixels_per_module)
        return pixels[y * width + x] < 128

    seen = [[dark(row, column) for column in range(modules)] for row in range(modules)]
    expected = [[bool(bit) for bit in row] for row in qr.matrix_iter(border=4)]
    assert seen == expected
    assert sum(map(sum, seen)) > modules  # not an empty page


def test_fetcher_refuses_everything_but_assets(tmp_path: Path) -> None:
    assets = tmp_path / "assets"
    (assets / "css").mkdir(parents=True)
    (assets / "css" / "ok.css").write_text("p { color: green }")
    outside = tmp_path / "secret.css"
    outside.write_text("p { color: red }")
    (assets / "link.css").symlink_to(outside)
    (assets / "dirlink").symlink_to(tmp_path)
    fetcher = make_url_fetcher(assets)

    response = fetcher.fetch((assets / "css" / "ok.css").as_uri())
    assert response.read() == b"p { color: green }" and response.content_type == "text/css"
    assert fetcher.fetch("data:text/css;base64,cCB7fQ==").read() == b"p {}"
    refused = [
        "file:///etc/passwd",
        "http://127.0.0.1:9/x.css",
        "https://example.com/x.css",
        "ftp://example.com/x.css",
        "gopher://example.com/",
        outside.as_uri(),
        (assets / "css" / ".." / ".." / "secret.css").as_uri(),
        (assets / "css" / "%2e%2e" / "%2e%2e" / "secret.css").as_uri().replace("%25", "%"),
        (assets / "link.css").as_uri(),
        (assets / "dirlink" / "secret.css").as_uri(),
        (assets / "css").as_uri(),  # a directory
        (assets / "missing.css").as_uri(),
        "file://evil.example.com" + quote(str(assets / "css" / "ok.css")),
        "file://" + quote(str(assets / "css" / "ok.css")) + "%00.png",
        "relative/ok.css",
    ]
    for url in refused:
        with pytest.raises(AssetRefused):
            fetcher.fetch(url)


class _RecordingHandler(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self) -> None:
        self.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b'body::before { content: "LEAKED-HTTP" }')

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def http_server() -> Iterator[str]:
    _RecordingHandler.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _RecordingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _fonts(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    result = run_tool("pdffonts", path)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_hostile_html_reaches_neither_network_nor_files(
    http_server: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assets, outside = tmp_path / "assets", tmp_path / "outside"
    assets.mkdir()
    outside.mkdir()
    (outside / "leak.css").write_text('body::after { content: "LEAKED-FILE" }')
    shutil.copy(FONT, outside / "leak.ttf")
    (assets / "escape.css").symlink_to(outside / "leak.css")
    html = f"""<!doctype html><html><head>
      <link rel="stylesheet" href="{http_server}/link.css">
      <link rel="stylesheet" href="{(outside / 'leak.css').as_uri()}">
      <link rel="stylesheet" href="../outside/leak.css">
      <link rel="stylesheet" href="escape.css">
      <style>
        @import url("{http_server}/import.css");
        @import url("file://{outside}/leak.css");
        @font-face {{ font-family: Leak; src: url("file://{outside}/leak.ttf"); }}
        @font-face {{ font-family: Leak2; src: url("{http_server}/font.ttf"); }}
        body {{ font-family: Leak, Leak2, "DejaVu Sans"; background: url("{http_server}/bg.png"); }}
      </style></head><body>
      <p>Документ құжат</p>
      <img src="file:///etc/passwd"><img src="{http_server}/img.png"><img src="https://example.com/x.png">
      <img src="../outside/leak.ttf">
      <svg width="10" height="10"><image href="{http_server}/svg.png" width="10" height="10"/></svg>
      <a rel="attachment" href="{http_server}/attachment.bin">a</a>
    </body></html>"""
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = render_pdf(html, asset_dir=assets)
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf, tmp_path)
    assert "Документ құжат" in text
    assert "LEAKED" not in text
    assert _RecordingHandler.requests == []
    fonts = _fonts(pdf, tmp_path)
    assert "DejaVu" in fonts and "Leak" not in fonts  # WeasyPrint names embedded @font-faces
    # Every resource was asked for, and the fetcher refused each one.
    refusals = "\n".join(r.getMessage() for r in caplog.records if "AssetRefused" in r.getMessage())
    for name in ("link.css", "import.css", "bg.png", "img.png", "svg.png", "attachment.bin"):
        assert f"{http_server}/{name}" in refusals, name
    for url in ("file:///etc/passwd", "https://example.com/x.png", (outside / "leak.css").as_uri(),
                (assets / "escape.css").as_uri(), (outside / "leak.ttf").as_uri()):
        assert url in refusals, url
    assert "Font-face 'Leak' cannot be loaded" in caplog.text
    assert "Font-face 'Leak2' cannot be loaded" in caplog.text


def test_allowed_assets_are_applied(tmp_path: Path) -> None:
    assets = tmp_path / "assets"
    (assets / "fonts").mkdir(parents=True)
    (assets / "document.css").write_text(
        '@import url("extra.css");'
        '@font-face { font-family: Stamp; src: url("fonts/stamp.ttf"); }'
        'h1 { font-family: Stamp; } body { font-family: "DejaVu Sans"; }'
    )
    (assets / "extra.css").write_text('body::before { content: "ASSET-CSS-APPLIED" }')
    shutil.copy(FONT, assets / "fonts" / "stamp.ttf")
    html = '<link rel="stylesheet" href="document.css"><h1>Мөр</h1><p>Құжат</p>'
    pdf = render_pdf(html, asset_dir=assets)
    assert "ASSET-CSS-APPLIED" in pdf_text(pdf, tmp_path)
    assert "Stamp" in _fonts(pdf, tmp_path)  # the @font-face file from the asset folder was embedded
    # The same stylesheet through an explicit base URL inside the asset folder.
    pdf = render_pdf(html, asset_dir=assets, base_url=assets.as_uri() + "/")
    assert "ASSET-CSS-APPLIED" in pdf_text(pdf, tmp_path)


def test_asset_dir_must_exist(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        make_url_fetcher(tmp_path / "missing")
