"""PBI_PUBLIC_URL in development follows the address `make run` serves (HOST, PORT)."""

import subprocess
from pathlib import Path

import pytest

from app import create_app
from app.config import served_url
from app.documents import services as documents
from tests.conftest import base_config

ROOT = Path(__file__).resolve().parent.parent


def _config(tmp_path, **extra) -> dict:
    config = base_config(tmp_path)
    config.pop("PBI_PUBLIC_URL")
    return config | extra


def test_development_derives_it_from_the_served_port(tmp_path, monkeypatch):
    monkeypatch.delenv("PBI_PUBLIC_URL", raising=False)
    monkeypatch.setenv("PBI_SERVE_HOST", "127.0.0.1")
    monkeypatch.setenv("PBI_SERVE_PORT", "9123")
    app = create_app(_config(tmp_path, PBI_ENV="development"))
    assert app.config["PBI_PUBLIC_URL"] == "http://127.0.0.1:9123"
    with app.test_request_context():
        assert documents.verification_url("PBI-D-2026-000001", "ABCDE-12345").startswith(
            "http://127.0.0.1:9123/verify?number=PBI-D-2026-000001")


def test_an_explicit_address_wins_and_production_keeps_its_fallback(tmp_path, monkeypatch):
    monkeypatch.setenv("PBI_SERVE_PORT", "9123")
    monkeypatch.setenv("PBI_PUBLIC_URL", "https://pbi.example.kz")
    assert create_app(_config(tmp_path, PBI_ENV="development")).config["PBI_PUBLIC_URL"] == "https://pbi.example.kz"
    monkeypatch.delenv("PBI_PUBLIC_URL")
    assert create_app(_config(tmp_path, PBI_ENV="production")).config["PBI_PUBLIC_URL"] == "http://127.0.0.1:8000"


@pytest.mark.parametrize(("host", "port", "url"), [
    ("127.0.0.1", 8000, "http://127.0.0.1:8000"),
    ("0.0.0.0", "8080", "http://127.0.0.1:8080"),  # noqa: S104 -- a bind address, mapped to loopback
    ("::", 9000, "http://127.0.0.1:9000"),
    ("::1", 9000, "http://[::1]:9000"),
    ("localhost", None, "http://localhost:8000"),
])
def test_served_url(host, port, url):
    assert served_url(host, port) == url


def test_make_run_passes_host_and_port_to_init_and_the_server():
    plan = subprocess.run(["make", "-n", "run", "HOST=0.0.0.0", "PORT=9321"], cwd=ROOT, capture_output=True,
                          text=True, check=True, timeout=60).stdout
    init = next(line for line in plan.splitlines() if "wsgi init" in line)
    server = next(line for line in plan.splitlines() if "gunicorn" in line)
    for line in (init, server):
        assert "PBI_SERVE_HOST=0.0.0.0" in line and "PBI_SERVE_PORT=9321" in line, line
    assert "--bind 0.0.0.0:9321" in server
