"""Registering businesses and associations; the dashboard; staff search."""

import pytest
from sqlalchemy import func, select

from app.businesses.models import Association, Business
from app.extensions import db

BUSINESS = {
    "kind": "legal_entity", "bin": "940140000385", "iin": "", "name": "ТОО «Оңтүстік Агро»",
    "address": "Түркістан қ., Тәуке хан даңғылы, 12", "district": "turkistan", "sector": "agriculture",
}
ASSOCIATION = {
    "bin": "990140004654", "name_kk": "Фермерлер қауымдастығы", "name_ru": "Ассоциация фермеров",
    "members_count": "120", "sectors": ["agriculture", "trade"], "head_name": "Нұрлан Әбдіров",
    "head_position": "Төраға",
}


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_register_legal_entity_and_see_it_on_dashboard(app, client, signed_in):
    signed_in()
    response = client.post("/portal/businesses/new", data=BUSINESS)
    assert response.status_code == 302
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "ТОО «Оңтүстік Агро»" in detail and "940140000385" in detail
    dashboard = client.get("/portal").get_data(as_text=True)
    assert "ТОО «Оңтүстік Агро»" in dashboard


def test_register_individual_entrepreneur_by_iin(client, signed_in, app):
    signed_in()
    data = BUSINESS | {"kind": "individual", "bin": "", "iin": "850515 401239", "name": "ИП Омаров"}
    assert client.post("/portal/businesses/new", data=data).status_code == 302
    with app.app_context():
        business = db.session.scalar(select(Business))
        assert (business.kind, business.number) == ("individual", "850515401239")


@pytest.mark.parametrize(
    ("bin", "message"),
    [
        ("940140000386", "check digit does not match"),
        ("000000000000", "does not exist"),
        ("12345", "exactly 12 digits"),
        ("", "Enter the BIN of the legal entity."),
    ],
)
def test_invalid_bin_is_refused_with_a_clear_message(app, client, signed_in, bin, message):
    signed_in()
    response = client.post("/portal/businesses/new?lang=en", data=BUSINESS | {"bin": bin})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(app, Business) == 0


def test_bin_with_wrong_structure_is_refused(app, client, signed_in):
    signed_in()
    from app.demo import with_check_digit

    wrong_type = with_check_digit("94017000038")  # type digit 7 does not exist
    response = client.post("/portal/businesses/new?lang=en", data=BUSINESS | {"bin": wrong_type})
    assert response.status_code == 400
    assert "date or type digits are wrong" in response.get_data(as_text=True)


def test_second_registration_of_same_bin_is_refused_not_500(app, client, signed_in, auth):
    signed_in()
    assert client.post("/portal/businesses/new", data=BUSINESS).status_code == 302
    auth.logout()
    signed_in()  # another entrepreneur
    response = client.post("/portal/businesses/new?lang=en", data=BUSINESS)
    assert response.status_code == 400
    assert "already registered" in response.get_data(as_text=True)
    assert count(app, Business) == 1


def test_bin_of_a_business_cannot_be_registered_as_an_association(app, client, signed_in):
    signed_in()
    client.post("/portal/businesses/new", data=BUSINESS)
    response = client.post("/portal/associations/new?lang=en", data=ASSOCIATION | {"bin": BUSINESS["bin"]})
    assert response.status_code == 400
    assert "already registered" in response.get_data(as_text=True)
    assert count(app, Association) == 0


def test_unknown_district_is_refused(app, client, signed_in):
    signed_in()
    response = client.post("/portal/businesses/new", data=BUSINESS | {"district": "almaty"})
    assert response.status_code == 400
    assert count(app, Business) == 0


def test_register_association(app, client, signed_in):
    signed_in()
    response = client.post("/portal/associations/new", data=ASSOCIATION)
    assert response.status_code == 302
    with app.app_context():
        association = db.session.scalar(select(Association))
        assert association.sector_codes == ["agriculture", "trade"]
        assert association.members_count == 120
    assert "Фермерлер қауымдастығы" in client.get("/portal").get_data(as_text=True)


@pytest.mark.parametrize("members", ["-5", "0", "abc"])
def test_association_member_count_must_be_positive_number(app, client, signed_in, members):
    signed_in()
    response = client.post("/portal/associations/new", data=ASSOCIATION | {"members_count": members})
    assert response.status_code == 400
    assert count(app, Association) == 0


def test_entrepreneur_cannot_open_someone_elses_business(app, client, signed_in, auth):
    signed_in()
    location = client.post("/portal/businesses/new", data=BUSINESS).headers["Location"]
    auth.logout()
    signed_in()
    assert client.get(location).status_code == 404
    assert "Оңтүстік" not in client.get("/portal").get_data(as_text=True)


def test_staff_search_businesses_and_associations(app, client, signed_in, auth):
    signed_in()
    client.post("/portal/businesses/new", data=BUSINESS)
    client.post("/portal/associations/new", data=ASSOCIATION)
    auth.logout()
    signed_in("officer")
    assert "Оңтүстік" in client.get("/staff/businesses?q=оңтүстік").get_data(as_text=True)
    assert "Оңтүстік" in client.get("/staff/businesses?q=9401400").get_data(as_text=True)
    assert "Оңтүстік" not in client.get("/staff/businesses?q=nothing-like-this").get_data(as_text=True)
    assert "Оңтүстік" not in client.get("/staff/businesses?district=arys").get_data(as_text=True)
    assert "Оңтүстік" in client.get("/staff/businesses?district=turkistan").get_data(as_text=True)
    assert "Фермерлер" in client.get("/staff/associations?q=АССОЦИАЦИЯ").get_data(as_text=True)
    assert "Фермерлер" not in client.get("/staff/associations?q=%25_").get_data(as_text=True)
