"""A representative edits their business or association: the number stays, each change is audited."""

from __future__ import annotations

import json
import re

from sqlalchemy import select

from app.accounts.models import Role
from app.audit.models import AuditEntry
from app.businesses.models import Association, Business
from app.extensions import db
from tests.factories import make_association, make_business

EDIT = {"name": "ТОО «Жаңа атау»", "address": "Түркістан қ., Есім хан к-сі, 5", "district": "kentau",
        "sector": "agriculture"}


def audits(app, action: str) -> list[dict]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))
        return [{"actor": r.actor_label, "subject": (r.subject_type, r.subject_id), **json.loads(r.details)}
                for r in rows]


def business(app, business_id: int) -> Business:
    with app.app_context():
        record = db.session.get(Business, business_id)
        db.session.expunge(record)
        return record


def test_the_edit_form_shows_the_number_but_does_not_let_it_be_typed(app, client, signed_in):
    owner = signed_in()
    business_id = make_business(app, owner)
    number = business(app, business_id).number
    page = client.get(f"/portal/businesses/{business_id}/edit?lang=en").get_data(as_text=True)
    assert f"<dd>{number}</dd>" in page
    assert 'name="bin"' not in page and 'name="iin"' not in page and 'name="kind"' not in page
    assert 'value="ТОО «Тест' in page  # the current name, filled in
    detail = client.get(f"/portal/businesses/{business_id}").get_data(as_text=True)
    assert f'href="/portal/businesses/{business_id}/edit"' in detail


def test_editing_a_business_saves_it_and_audits_old_and_new_values(app, client, signed_in):
    owner = signed_in()
    business_id = make_business(app, owner)
    before = business(app, business_id)
    response = client.post(f"/portal/businesses/{business_id}/edit", data=EDIT)
    assert response.status_code == 302 and response.headers["Location"] == f"/portal/businesses/{business_id}"
    after = business(app, business_id)
    assert (after.name, after.address, after.district, after.sector) == tuple(EDIT.values())
    [entry] = audits(app, "business.changed")
    assert entry["actor"] == owner and entry["subject"] == ("business", str(business_id))
    assert entry["number"] == before.number
    assert entry["changes"] == {
        "name": {"from": before.name, "to": EDIT["name"]},
        "address": {"from": before.address, "to": EDIT["address"]},
        "district": {"from": "turkistan", "to": "kentau"},
        "sector": {"from": "trade", "to": "agriculture"},
    }


def test_a_forged_number_or_type_in_the_request_is_ignored(app, client, signed_in):
    owner = signed_in()
    business_id = make_business(app, owner)
    before = business(app, business_id)
    forged = EDIT | {"bin": "940140000385", "number": "940140000385", "iin": "850515401239", "kind": "individual"}
    assert client.post(f"/portal/businesses/{business_id}/edit", data=forged).status_code == 302
    after = business(app, business_id)
    assert (after.number, after.kind) == (before.number, before.kind) and after.name == EDIT["name"]
    assert "number" not in audits(app, "business.changed")[0]["changes"]


def test_a_refused_edit_keeps_what_was_typed_and_saves_nothing(app, client, signed_in):
    owner = signed_in()
    business_id = make_business(app, owner)
    before = business(app, business_id)
    response = client.post(f"/portal/businesses/{business_id}/edit?lang=en", data=EDIT | {"address": ""})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'value="ТОО «Жаңа атау»"' in page and 'href="#address"' in page and "This field is required." in page
    assert business(app, business_id).name == before.name
    assert audits(app, "business.changed") == []


def test_saving_unchanged_details_writes_no_audit_entry(app, client, signed_in):
    owner = signed_in()
    business_id = make_business(app, owner)
    b = business(app, business_id)
    data = {"name": b.name, "address": b.address, "district": b.district, "sector": b.sector}
    assert client.post(f"/portal/businesses/{business_id}/edit", data=data).status_code == 302
    assert audits(app, "business.changed") == []


def test_another_users_business_is_not_found_and_stays_unchanged(app, client, signed_in, make_user):
    other_business = make_business(app, make_user())
    before = business(app, other_business)
    signed_in()
    assert client.get(f"/portal/businesses/{other_business}/edit").status_code == 404
    assert client.post(f"/portal/businesses/{other_business}/edit", data=EDIT).status_code == 404
    assert business(app, other_business).name == before.name
    assert audits(app, "business.changed") == []


ASSOCIATION_EDIT = {"name_kk": "Түркістан фермерлерінің қауымдастығы", "name_ru": "Ассоциация фермеров Туркестана",
                    "members_count": "150", "sectors": ["agriculture", "trade"], "head_name": "Ерлан Сапаров",
                    "head_position": "Атқарушы директор"}


def association(app, association_id: int) -> Association:
    with app.app_context():
        record = db.session.get(Association, association_id)
        db.session.expunge(record)
        return record


def test_editing_an_association_saves_it_audits_it_and_keeps_the_bin(app, client, auth):
    parties = make_association(app, verified=False)
    auth.login(parties.representative)
    before = association(app, parties.association_id)
    url = f"/portal/associations/{parties.association_id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert f"<dd>{before.bin}</dd>" in page and 'name="bin"' not in page
    assert re.findall(r'<input checked id="sectors-\d+" name="sectors"[^>]* value="(\w+)">', page) == ["trade"]
    response = client.post(url, data=ASSOCIATION_EDIT | {"bin": "990140004654"})
    assert response.status_code == 302
    after = association(app, parties.association_id)
    assert after.bin == before.bin
    assert (after.name_kk, after.members_count, after.head_position) == (
        ASSOCIATION_EDIT["name_kk"], 150, "Атқарушы директор")
    assert set(after.sector_codes) == {"agriculture", "trade"}
    [entry] = audits(app, "association.changed")
    assert entry["actor"] == parties.representative and entry["number"] == before.bin
    assert entry["changes"]["members_count"] == {"from": 10, "to": 150}
    assert entry["changes"]["name_kk"] == {"from": before.name_kk, "to": ASSOCIATION_EDIT["name_kk"]}
    assert entry["changes"]["sectors"]["from"] == "trade"
    assert "bin" not in entry["changes"]


def test_an_association_edit_without_sectors_is_refused(app, client, auth):
    parties = make_association(app, verified=False)
    auth.login(parties.representative)
    data = {k: v for k, v in ASSOCIATION_EDIT.items() if k != "sectors"}
    response = client.post(f"/portal/associations/{parties.association_id}/edit?lang=en", data=data)
    assert response.status_code == 400
    assert 'value="Ерлан Сапаров"' in response.get_data(as_text=True)
    assert association(app, parties.association_id).members_count == 10


def test_another_users_association_is_not_found(app, client, signed_in):
    parties = make_association(app, verified=False)
    signed_in()
    url = f"/portal/associations/{parties.association_id}/edit"
    assert client.get(url).status_code == 404
    assert client.post(url, data=ASSOCIATION_EDIT).status_code == 404
    assert audits(app, "association.changed") == []


def test_a_supervisor_finds_the_change_in_the_audit_log(app, client, signed_in, make_user, auth):
    owner = signed_in()
    business_id = make_business(app, owner)
    client.post(f"/portal/businesses/{business_id}/edit", data=EDIT)
    auth.logout()
    auth.login(make_user(Role.SUPERVISOR))
    page = client.get("/staff/audit?lang=en&action=business.").get_data(as_text=True)
    assert "Жаңа атау" in page and "kentau" in page  # the new values, as recorded
