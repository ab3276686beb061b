"""The health check reports the database."""

from sqlalchemy import event
from sqlalchemy.orm import Session

from app import create_app
from app.extensions import db
from tests.conftest import base_config, sqlite_only


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}
    assert response.mimetype == "application/json"


def test_healthz_503_when_database_unreachable(tmp_path):
    unreachable = f"sqlite:///{tmp_path / 'no-such-dir' / 'app.db'}"
    app = create_app(base_config(tmp_path) | {"SQLALCHEMY_DATABASE_URI": unreachable})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "unreachable"}


@sqlite_only("the database's folder is moved away and back")
def test_healthz_follows_the_database_going_away_and_coming_back(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    app = create_app(base_config(tmp_path) | {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'app.db'}"})
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    with app.app_context():
        db.engine.dispose()  # the pooled connections are closed: the next check must open one
    folder.rename(tmp_path / "moved")
    assert client.get("/healthz").status_code == 503
    (tmp_path / "moved").rename(folder)
    assert client.get("/healthz").status_code == 200


def test_healthz_asks_the_database_on_every_check_without_an_orm_session(app, client):
    checkouts, sessions = [], []

    def checked_out(*_args):
        checkouts.append(1)

    def session_began(*_args):
        sessions.append(1)

    with app.app_context():
        pool = db.engine.pool
    event.listen(pool, "checkout", checked_out)
    event.listen(Session, "after_begin", session_began)
    try:
        for _ in range(3):
            assert client.get("/healthz").status_code == 200
    finally:
        event.remove(pool, "checkout", checked_out)
        event.remove(Session, "after_begin", session_began)
    assert len(checkouts) == 3
    assert sessions == []
