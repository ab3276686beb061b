"""The public registry and the staff list; the start-up check of published texts."""

import shutil
from pathlib import Path

import pytest

from app import create_app
from app.agreements import queries, services
from app.config import ConfigError
from app.extensions import db
from tests.conftest import base_config
from tests.factories import active_agreement, make_association, signed_agreement

AGREEMENTS = Path(__file__).resolve().parents[2] / "agreements"


def test_app_refuses_to_start_when_a_published_text_changed(tmp_path):
    copy = tmp_path / "agreements"
    shutil.copytree(AGREEMENTS, copy)
    create_app(base_config(tmp_path) | {"PBI_AGREEMENTS_DIR": str(copy)})  # unchanged: starts
    with (copy / "pbi-standard" / "v1" / "ru.md").open("ab") as text:
        text.write(b"\n")
    with pytest.raises(ConfigError, match="changed"):
        create_app(base_config(tmp_path) | {"PBI_AGREEMENTS_DIR": str(copy)})


def test_registry_shows_agreements_that_took_effect_with_their_status(app, keys):
    active_agreement(app, make_association(app, name="Бірінші одақ"))
    ended = make_association(app, name="Екінші одақ")
    terminated = active_agreement(app, ended)
    signed_agreement(app, make_association(app, name="Үшінші одақ"), render=False)
    with app.app_context():
        services.terminate(terminated, ended.user("supervisor"), "reason")
        db.session.commit()
        page = queries.registry()
        assert [(row.association_name_kk, row.status) for row in page.rows] == [
            ("Бірінші одақ", "active"), ("Екінші одақ", "terminated")]  # active first; drafts never
        assert page.total == 2
        first, second = queries.registry(per_page=1, page=1), queries.registry(per_page=1, page=2)
        assert first.pages == 2 and first.rows[0].status == "active" and second.rows[0].status == "terminated"
        assert queries.registry(per_page=1, page=99).page == 2  # clamped, not an error
        assert [r.association_name_kk for r in queries.registry("ЕКІНШІ").rows] == ["Екінші одақ"]
        assert queries.registry_entry(queries.registry().rows[0].number).document_code


def test_staff_list_puts_agreements_awaiting_countersignature_first(app, keys):
    active_agreement(app, make_association(app))
    waiting = signed_agreement(app, make_association(app), render=False)
    with app.app_context():
        rows = queries.staff_list()
        assert rows[0].id == waiting and rows[0].status == "signed_by_association"
        assert [r.status for r in queries.staff_list("active")] == ["active"]


def test_registry_page_paginates_and_searches_over_http(app, client, keys):
    active_agreement(app, make_association(app, name="Іздеу қауымдастығы"))
    html = client.get("/registry?q=іздеу&lang=en").get_data(as_text=True)
    assert "Іздеу қауымдастығы" in html
    assert client.get("/registry?page=abc").status_code == 200
    assert client.get("/registry/PBI-A-1999-0001").status_code == 404
