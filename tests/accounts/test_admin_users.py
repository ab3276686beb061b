"""Admins create staff accounts and (de)activate accounts in the web UI."""

import re

from sqlalchemy import select

from app.accounts.models import User
from app.accounts.services import find_by_email
from app.extensions import db
from tests.conftest import PASSWORD
from tests.factories import sign_in


def test_admin_creates_officer_with_one_time_password(app, client, signed_in):
    signed_in("admin")
    response = client.post("/admin/users/new?lang=en", data={
        "email": "New.Officer@Example.kz", "full_name": "Жаңа Қызметкер", "phone": "",
        "role": "officer", "locale": "kk",
    })
    assert response.status_code == 200
    password = re.search(r"<code>([^<]+)</code>", response.get_data(as_text=True)).group(1)
    with app.app_context():
        user = find_by_email("new.officer@example.kz")
        assert user.role == "officer"
    login = sign_in(app.test_client(), "new.officer@example.kz", password)
    assert login.status_code == 302
    assert login.headers["Location"] == "/staff/"


def test_admin_cannot_create_entrepreneur_or_unknown_role(app, client, signed_in):
    signed_in("admin")
    for role in ("entrepreneur", "root"):
        response = client.post("/admin/users/new", data={
            "email": f"{role}@example.kz", "full_name": "X", "role": role, "locale": "kk",
        })
        assert response.status_code == 400
    with app.app_context():
        assert find_by_email("entrepreneur@example.kz") is None


def test_duplicate_staff_email_is_refused(app, client, signed_in, make_user):
    make_user(email="taken@example.kz")
    signed_in("admin")
    response = client.post("/admin/users/new?lang=en", data={
        "email": "TAKEN@example.kz", "full_name": "X", "role": "officer", "locale": "kk",
    })
    assert response.status_code == 400
    assert "already exists" in response.get_data(as_text=True)


def test_deactivate_and_reactivate(app, client, signed_in, make_user):
    target = make_user("officer")
    signed_in("admin")
    with app.app_context():
        target_id = find_by_email(target).id
    client.post(f"/admin/users/{target_id}/active", data={"active": "0"})
    assert sign_in(app.test_client(), target, PASSWORD).status_code == 401
    client.post(f"/admin/users/{target_id}/active", data={"active": "1"})
    assert sign_in(app.test_client(), target, PASSWORD).status_code == 302


def test_admin_cannot_deactivate_self(app, client, signed_in):
    email = signed_in("admin")
    with app.app_context():
        own_id = find_by_email(email).id
    response = client.post(f"/admin/users/{own_id}/active", data={"active": "0"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, own_id).active is True
    assert client.get("/admin/users").status_code == 200


def test_unknown_user_is_404(client, signed_in):
    signed_in("admin")
    assert client.post("/admin/users/424242/active", data={"active": "0"}).status_code == 404


def test_user_list_search(app, client, signed_in, make_user):
    make_user("officer", email="findme@example.kz")
    signed_in("admin")
    html = client.get("/admin/users?q=FINDME").get_data(as_text=True)
    assert "findme@example.kz" in html
    with app.app_context():
        assert len(list(db.session.scalars(select(User)))) == 2
    assert "findme@example.kz" not in client.get("/admin/users?q=zzz").get_data(as_text=True)


def test_admin_gives_a_staff_member_a_position(app, client, signed_in):
    signed_in("admin")
    form = client.get("/admin/users/new?lang=en").get_data(as_text=True)
    assert 'name="position"' in form
    too_long = client.post("/admin/users/new?lang=en", data={
        "email": "long@example.kz", "full_name": "Ұзын Лауазым", "position": "x" * 201, "role": "officer",
        "locale": "kk"})
    assert too_long.status_code == 400 and "x" * 201 in too_long.get_data(as_text=True)
    client.post("/admin/users/new", data={
        "email": "expert@example.kz", "full_name": "Дана Әлиева", "position": "  Бас сарапшы / Главный эксперт ",
        "role": "officer", "locale": "kk"})
    with app.app_context():
        assert find_by_email("expert@example.kz").position == "Бас сарапшы / Главный эксперт"
        assert find_by_email("long@example.kz") is None
    listing = client.get("/admin/users?q=expert").get_data(as_text=True)
    assert "Дана Әлиева" in listing and "Бас сарапшы / Главный эксперт" in listing
