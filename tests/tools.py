"""The independent verifiers the tests call: Poppler's pdfsig and pdftotext."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest


def _require(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        message = f"{tool} (poppler-utils) is required; `make test` installs it as root"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def pdfsig(pdf: Path) -> str:
    """pdfsig's report (it prints certificate names cut mid-character, so decode leniently)."""
    result = subprocess.run([_require("pdfsig"), str(pdf)], capture_output=True, check=False)
    return result.stdout.decode("utf-8", "replace")


def pdftotext(pdf: Path) -> str:
    result = subprocess.run([_require("pdftotext"), "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True)
    return result.stdout.decode("utf-8")


def assert_signed_whole_and_valid(pdf: Path) -> None:
    report = pdfsig(pdf)
    assert "Signature is Valid" in report, report
    assert "Total document signed" in report, report
