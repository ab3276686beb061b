"""Shared fixtures for the document-signing core: keys made once per session, a sample PDF.

External tools (pdfsig, pdftotext, pdffonts, pdftoppm, openssl) are the independent
judges; without them these tests are skipped, except in CI (``CI=true``) where they fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from app.documents.keys import KeyStore, SigningMaterial
from app.documents.pdf import qr_svg_data_uri, render_pdf
from app.documents.signing import sign_pdf

PASSPHRASE = b"test passphrase for the department keys"
QR_TEXT = "https://pbi.example.kz/verify/TRK-2026-000123"
REASON = "Өтініштің қабылданғаны туралы талон / Талон о принятии обращения"
LOCATION = "Түркістан / Туркестан"

SAMPLE_HTML = """<!doctype html>
<html lang="kk"><head><meta charset="utf-8"><title>Талон</title>
<style>
  body {{ font-family: "DejaVu Sans"; font-size: 11pt; }}
  h1 {{ font-size: 14pt; }}
</style></head>
<body>
  <h1>ҚАЗАҚСТАН РЕСПУБЛИКАСЫ</h1>
  <p>Өтініштің қабылданғаны туралы талон</p>
  <p>Талон о принятии обращения</p>
  <p>Әріптер: ә ғ қ ң ө ұ ү һ і — Ә Ғ Қ Ң Ө Ұ Ү Һ І</p>
  <p>Тіркеу нөмірі / Регистрационный номер: TRK-2026-000123</p>
  <img alt="QR" src="{qr}" style="width: 30mm; height: 30mm">
</body></html>
"""


def require_tool(name: str) -> str:
    """Path of a command-line tool; skip the test without it (fail in CI)."""
    path = shutil.which(name)
    if path:
        return path
    message = f"{name} is not installed (scripts/system-deps.sh installs poppler-utils)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message + " — CI must run these tests")
    pytest.skip(message)


def run_tool(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run a tool (skipping if it is missing) with a timeout; text output, exit code not checked."""
    executable = require_tool(str(args[0]))
    return subprocess.run(
        [executable, *map(str, args[1:])],
        capture_output=True,
        encoding="utf-8",
        errors="replace",  # pdfsig cuts long names in the middle of a UTF-8 sequence
        timeout=60,
        check=False,
    )


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "text.pdf"
    path.write_bytes(pdf)
    result = run_tool("pdftotext", "-enc", "UTF-8", path, "-")
    assert result.returncode == 0, result.stderr
    return result.stdout


def pdfsig(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "pdfsig.pdf"
    path.write_bytes(pdf)
    result = run_tool("pdfsig", "-nocert", path)
    return result.stdout + result.stderr


@pytest.fixture(scope="session")
def department(tmp_path_factory: pytest.TempPathFactory) -> KeyStore:
    """The department's key store, initialised once for the whole session. Do not rotate it."""
    store = KeyStore(tmp_path_factory.mktemp("department") / "keys", PASSPHRASE)
    assert store.initialize()
    return store


@pytest.fixture(scope="session")
def signer(department: KeyStore) -> SigningMaterial:
    return department.current_signer()


@pytest.fixture(scope="session")
def foreign(tmp_path_factory: pytest.TempPathFactory) -> KeyStore:
    """Someone else's root and signing key (same names, different keys)."""
    store = KeyStore(tmp_path_factory.mktemp("foreign") / "keys", b"another passphrase")
    store.initialize()
    return store


@pytest.fixture(scope="session")
def asset_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("assets")


@pytest.fixture(scope="session")
def sample_pdf(asset_dir: Path) -> bytes:
    """A rendered, unsigned bilingual receipt with a QR code."""
    return render_pdf(SAMPLE_HTML.format(qr=qr_svg_data_uri(QR_TEXT)), asset_dir=asset_dir)


@pytest.fixture(scope="session")
def signed_pdf(sample_pdf: bytes, signer: SigningMaterial) -> bytes:
    return sign_pdf(sample_pdf, signer, reason=REASON, location=LOCATION)
