"""Who sees what: two entrepreneurs, an association representative, staff (no IDOR)."""

import pytest
from sqlalchemy import select

from app import transactions
from app.accounts.models import Role
from app.accounts.services import find_by_email
from app.businesses.models import Association
from app.complaints import case_actions
from app.complaints.models import Complaint, Evidence
from app.complaints.services import Upload
from app.extensions import db
from tests.factories import (
    PASSWORD,
    active_agreement,
    add_user,
    filed_complaint,
    make_association,
    make_business,
    sign_in,
)


def client_for(app, email):
    client = app.test_client()
    assert sign_in(client, email, PASSWORD).status_code == 302
    return client


@pytest.fixture
def world(app, keys):
    owner, stranger = add_user(app), add_user(app)
    business = make_business(app, owner)
    make_business(app, stranger)
    parties = make_association(app)
    active_agreement(app, parties)
    # The owner files through the association (the owner represents it too for coverage).
    with app.app_context():
        association = db.session.get(Association, parties.association_id)
        association.representatives.append(find_by_email(owner))
        db.session.commit()
    upload = Upload(b"%PDF-1.4 evidence", "evidence.pdf")
    complaint_id = filed_complaint(app, owner, business, uploads=[upload],
                                   association_id=str(parties.association_id), association_may_follow="y")
    with app.app_context():
        evidence_id = db.session.scalar(select(Evidence.id))
        talon_id = db.session.get(Complaint, complaint_id).talon_document_id
        number = db.session.get(Complaint, complaint_id).number
    return {"owner": owner, "stranger": stranger, "rep": parties.representative, "officer": parties.officer,
            "complaint": complaint_id, "evidence": evidence_id, "talon": talon_id, "number": number,
            "association": parties.association_id}


def portal_urls(w):
    c = w["complaint"]
    return [f"/portal/complaints/{c}", f"/portal/complaints/{c}/talon.pdf",
            f"/portal/complaints/{c}/documents/{w['talon']}.pdf", f"/portal/complaints/{c}/evidence/{w['evidence']}"]


def portal_posts(w):
    c = w["complaint"]
    return [(f"/portal/complaints/{c}/messages", {"body": "x"}), (f"/portal/complaints/{c}/info", {"comment": "x"}),
            (f"/portal/complaints/{c}/appeal", {"comment": "x"})]


def test_owner_sees_everything_of_their_complaint(app, world):
    owner = client_for(app, world["owner"])
    for url in portal_urls(world):
        assert owner.get(url).status_code == 200, url
    evidence = owner.get(portal_urls(world)[3])
    assert evidence.headers["Content-Disposition"].startswith("attachment; filename=")
    assert evidence.headers["X-Content-Type-Options"] == "nosniff"
    assert evidence.mimetype == "application/pdf" and "evidence.pdf" not in evidence.headers["Content-Disposition"]


@pytest.mark.parametrize("who", ["stranger", "rep"])
def test_other_entrepreneurs_get_404_for_every_route_and_file(app, world, who):
    other = client_for(app, world[who])
    for url in portal_urls(world):
        response = other.get(url)
        assert response.status_code == 404, (who, url)
        assert b"%PDF" not in response.data
    for url, data in portal_posts(world):
        assert other.post(url, data=data).status_code == 404, (who, url)
    assert world["number"] not in other.get("/portal/complaints").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Complaint, world["complaint"]).status == "registered"


def test_association_representative_sees_only_the_summary(app, world):
    rep = client_for(app, world["rep"])
    page = rep.get(f"/portal/associations/{world['association']}/complaints?lang=en").get_data(as_text=True)
    assert world["number"] in page
    with app.app_context():
        complaint = db.session.get(Complaint, world["complaint"])
        assert complaint.description not in page and complaint.body_name not in page
    assert "evidence" not in page.lower().replace("evidence.pdf", "")
    stranger = client_for(app, world["stranger"])
    assert stranger.get(f"/portal/associations/{world['association']}/complaints").status_code == 404


def test_association_does_not_see_complaints_it_may_not_follow(app, world):
    with app.app_context():
        db.session.get(Complaint, world["complaint"]).association_may_follow = False
        db.session.commit()
    rep = client_for(app, world["rep"])
    assert world["number"] not in rep.get(f"/portal/associations/{world['association']}/complaints").get_data(
        as_text=True)


def test_staff_routes_refuse_entrepreneurs_and_serve_staff(app, world):
    c = world["complaint"]
    staff_urls = [f"/staff/complaints/{c}", f"/staff/complaints/{c}/evidence/{world['evidence']}",
                  f"/staff/complaints/{c}/documents/{world['talon']}.pdf", "/staff/complaints", "/staff/"]
    owner, officer = client_for(app, world["owner"]), client_for(app, world["officer"])
    for url in staff_urls:
        assert owner.get(url).status_code == 403, url
        assert officer.get(url).status_code == 200, url
    assert officer.get(f"/staff/complaints/{c}/evidence/999999").status_code == 404
    assert officer.get("/staff/complaints/999999").status_code == 404


def test_file_of_another_complaint_is_404_even_with_a_valid_id(app, world):
    second = filed_complaint(app, world["owner"], make_business(app, world["owner"]),
                             uploads=[Upload(b"%PDF-1.4 second", "b.pdf")])
    owner = client_for(app, world["owner"])
    with app.app_context():
        other_evidence = db.session.scalar(select(Evidence.id).where(Evidence.complaint_id == second))
    assert owner.get(f"/portal/complaints/{world['complaint']}/evidence/{other_evidence}").status_code == 404
    assert owner.get(f"/portal/complaints/{second}/evidence/{other_evidence}").status_code == 200


def test_the_queue_search_does_not_reveal_another_officers_confidential_text(app, world):
    """The text of a confidential case is searched only by those who may read it (queue_search.readable_text)."""
    other_officer, supervisor = add_user(app, Role.OFFICER), add_user(app, Role.SUPERVISOR)
    with app.app_context():
        case_actions.take(find_by_email(other_officer), db.session.get(Complaint, world["complaint"]))
        transactions.commit()
    word = {"q": "куәлар"}  # a word of the description (tests.factories.complaint_form)
    officer, theirs, chief = (client_for(app, email) for email in (world["officer"], other_officer, supervisor))
    assert world["number"] not in officer.get("/staff/complaints", query_string=word).get_data(as_text=True)
    assert world["number"] in theirs.get("/staff/complaints", query_string=word).get_data(as_text=True)
    assert world["number"] in chief.get("/staff/complaints", query_string=word).get_data(as_text=True)
    by_number = officer.get("/staff/complaints", query_string={"q": world["number"]}).get_data(as_text=True)
    assert world["number"] in by_number  # found by its exact number, which reveals nothing of the text
