"""The notification pages: one's own list, marking read, the unread count in templates."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.notifications import services
from app.notifications.models import Notification
from tests.conftest import csrf_token_from


def notify(app, user_id: int, kind: str = "message", number: str = "PBI-C-2026-000123",
           link: str = "/portal/complaints/12") -> int:
    with app.app_context():
        notification = services.notify(user_id, kind, subject_number=number, link=link, email=False)
        db.session.commit()
        return notification.id


def read_at(app, notification_id: int):
    with app.app_context():
        return db.session.scalar(select(Notification.read_at).where(Notification.id == notification_id))


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get("/notifications")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert client.post("/notifications/1/read").status_code == 302
    assert client.post("/notifications/read-all").status_code == 302


def test_list_shows_only_own_notifications_newest_first(app, client, signed_in, user_id_of, person):
    me = user_id_of(signed_in(locale="en"))
    other = person()
    notify(app, me, "message", "PBI-C-2026-000001", "/portal/complaints/1")
    notify(app, me, "overdue", "PBI-C-2026-000002", "/portal/complaints/2")
    notify(app, other, "decision", "PBI-C-2026-000999", "/portal/complaints/999")

    page = client.get("/notifications?lang=en").get_data(as_text=True)
    assert "PBI-C-2026-000999" not in page
    newer = page.index("Complaint PBI-C-2026-000002 is overdue.")
    older = page.index("New message on complaint PBI-C-2026-000001.")
    assert newer < older
    assert page.count(">New<") == 2  # both unread
    assert "You have 2 unread notifications." in page
    assert 'style="' not in page and "<script" not in page


def test_empty_list(client, signed_in):
    signed_in()
    response = client.get("/notifications?lang=en")
    assert response.status_code == 200
    assert "You have no notifications." in response.get_data(as_text=True)


def test_marking_read_redirects_to_the_link(app, client, signed_in, user_id_of):
    me = user_id_of(signed_in())
    first = notify(app, me, link="/portal/complaints/12")
    notify(app, me, link="/portal/complaints/13")

    response = client.post(f"/notifications/{first}/read")
    assert response.status_code == 302
    assert response.headers["Location"] == "/portal/complaints/12"
    assert read_at(app, first) is not None
    with app.app_context():
        assert services.unread_count(me) == 1
    page = client.get("/notifications?lang=en").get_data(as_text=True)
    assert page.count(">New<") == 1

    # Opening it again still works and keeps the first read time.
    first_read = read_at(app, first)
    assert client.post(f"/notifications/{first}/read").headers["Location"] == "/portal/complaints/12"
    assert read_at(app, first) == first_read


def test_someone_elses_notification_is_not_found(app, client, signed_in, person):
    signed_in()
    other = person()
    theirs = notify(app, other)
    response = client.post(f"/notifications/{theirs}/read")
    assert response.status_code == 404
    assert read_at(app, theirs) is None
    assert client.post("/notifications/999999/read").status_code == 404
    with app.app_context():
        assert services.unread_count(other) == 1


def test_read_all_marks_only_own(app, client, signed_in, user_id_of, person):
    me = user_id_of(signed_in())
    other = person()
    mine = [notify(app, me), notify(app, me, "status")]
    theirs = notify(app, other)
    response = client.post("/notifications/read-all")
    assert response.status_code == 302
    assert response.headers["Location"] == "/notifications"
    assert all(read_at(app, n) is not None for n in mine)
    assert read_at(app, theirs) is None


def test_unread_count_global(app, client, signed_in, user_id_of):
    assert client.get("/_test/unread-public").get_data(as_text=True) == "0"
    me = user_id_of(signed_in())
    assert client.get("/_test/unread").get_data(as_text=True) == "0"
    notify(app, me)
    notify(app, me, "status")
    assert client.get("/_test/unread").get_data(as_text=True) == "2"
    with app.app_context():
        services.mark_all_read(me)
        db.session.commit()
    assert client.get("/_test/unread").get_data(as_text=True) == "0"


def test_posts_need_the_csrf_token(app, client, signed_in, user_id_of):
    me = user_id_of(signed_in())
    notification = notify(app, me)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post(f"/notifications/{notification}/read").status_code == 400
        assert client.post("/notifications/read-all").status_code == 400
        assert read_at(app, notification) is None
        token = csrf_token_from(client.get("/notifications").get_data(as_text=True))
        response = client.post(f"/notifications/{notification}/read", data={"csrf_token": token})
        assert response.status_code == 302
        assert read_at(app, notification) is not None
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_stored_link_that_is_not_local_never_redirects_off_site(app, client, signed_in, user_id_of):
    """Rows written around notify() (e.g. by hand) still cannot make an open redirect."""
    me = user_id_of(signed_in())
    with app.app_context():
        row = Notification(user_id=me, kind="message", subject_number="PBI-C-2026-000123",
                           link="//evil.example/phish")
        db.session.add(row)
        db.session.commit()
        notification_id = row.id
    response = client.post(f"/notifications/{notification_id}/read")
    assert response.status_code == 302
    assert response.headers["Location"] == "/notifications"


def test_each_item_links_to_its_case(app, client, signed_in, user_id_of):
    me = user_id_of(signed_in(locale="en"))
    notify(app, me, "decision", "PBI-C-2026-000007", "/portal/complaints/7")
    page = client.get("/notifications?lang=en").get_data(as_text=True)
    assert '<a href="/portal/complaints/7">Open PBI-C-2026-000007</a>' in page
