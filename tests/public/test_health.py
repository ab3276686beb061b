"""The health check reports the database."""

from app import create_app
from tests.conftest import base_config


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_503_when_database_unreachable(tmp_path):
    unreachable = f"sqlite:///{tmp_path / 'no-such-dir' / 'app.db'}"
    app = create_app(base_config(tmp_path) | {"SQLALCHEMY_DATABASE_URI": unreachable})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "unreachable"}
