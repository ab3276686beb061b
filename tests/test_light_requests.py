"""What the per-request shortcuts (P4 in BENCHMARKS.md) must not change.

The limiter's per-request hook runs only when a limit beyond a view's own is declared; a
declared one still applies. (Flask-Limiter's extension object is one per process, and
``init_app`` keeps default limits once set: each test here clears what it declared.)
"""

from __future__ import annotations

import pytest

from app.extensions import limiter
from tests.conftest import build_app


@pytest.fixture
def clear_declared_limits():
    yield
    limiter.limit_manager.set_default_limits([])
    limiter.limit_manager.set_application_limits([])


def test_without_limits_beyond_the_views_the_limiter_hook_checks_nothing(tmp_path):
    app = build_app(tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")
    client = app.test_client()
    for _ in range(5):
        response = client.get("/healthz")
        assert response.status_code == 200
        assert "X-RateLimit-Limit" not in response.headers


@pytest.mark.parametrize("setting", ["RATELIMIT_DEFAULT", "RATELIMIT_APPLICATION"])
def test_a_declared_default_or_application_limit_still_applies_to_every_view(tmp_path, setting,
                                                                             clear_declared_limits):
    app = build_app(tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://",
                    **{setting: "2 per minute"})
    client = app.test_client()
    statuses = [client.get("/healthz").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert client.get("/").status_code == (429 if setting == "RATELIMIT_APPLICATION" else 200)


def test_a_views_own_limit_still_applies(tmp_path):
    app = build_app(tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://",
                    PBI_VERIFY_LIMIT="2 per minute")
    client = app.test_client()
    statuses = [client.get("/api/v1/verify/PBI-D-2026-000001?code=x").status_code for _ in range(3)]
    assert statuses == [404, 404, 429]
    assert client.get("/healthz").status_code == 200  # another view: not counted
