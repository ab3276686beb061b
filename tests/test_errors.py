"""Error pages in the user's language."""

import pytest

from app.accounts.guards import public
from tests.conftest import build_app, translated


@pytest.fixture
def failing_app(tmp_path):
    app = build_app(tmp_path / "err", PROPAGATE_EXCEPTIONS=False, MAX_CONTENT_LENGTH=1024)

    @app.route("/_boom")
    @public
    def boom():
        raise RuntimeError("boom")

    return app


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_404_in_user_language(app, client, lang):
    expected = translated(app, lang, "Page not found")
    if lang != "en":  # a real translation, not the English fallback
        assert expected != "Page not found"
    response = client.get(f"/missing?lang={lang}")
    assert response.status_code == 404
    assert expected in response.get_data(as_text=True)


def test_500_page_hides_details(failing_app):
    response = failing_app.test_client().get("/_boom?lang=en")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong on our side" in html
    assert "RuntimeError" not in html and "Traceback" not in html


def test_413_for_oversized_request(failing_app):
    response = failing_app.test_client().post("/login?lang=en", data={"email": "x" * 4096})
    assert response.status_code == 413
    assert "The file is too large" in response.get_data(as_text=True)


def test_403_for_wrong_role(client, signed_in):
    signed_in("entrepreneur")
    response = client.get("/staff/businesses?lang=en")
    assert response.status_code == 403
    assert "Access denied" in response.get_data(as_text=True)


def test_405_page(client):
    response = client.post("/?lang=en")
    assert response.status_code == 405
    assert "Action not allowed" in response.get_data(as_text=True)
