"""The audit page: who may see it, filters, pages, and the chain check.

Signing in is itself audited ("auth.login"), so the lists below leave out the rows of
the test's own signed-in user.
"""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlalchemy import text

from app.accounts.models import Role
from app.audit.services import head_state, record
from app.extensions import db
from tests.audit.conftest import drop_audit_triggers

PAGES = ("/staff/audit", "/staff/audit/verify")
ROW = re.compile(r"<tr>\s*<td>(\d+)</td>.*?<td>([^<]*)</td>\s*<td data-action=\"([^\"]+)\">", re.S)


def add(app, *entries) -> None:
    with app.app_context():
        for action, actor, details in entries:
            record(action, actor_id=1, actor_label=actor, subject_type="complaint", subject_id=42,
                   details=details, at=datetime(2026, 3, 1, 4, 5))
        db.session.commit()


def shown(html: str, viewer: str) -> list[str]:
    """The actions listed, newest first, other than the viewer's own."""
    return [action for _id, actor, action in ROW.findall(html) if actor != viewer]


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("role", [Role.ENTREPRENEUR, Role.OFFICER])
@pytest.mark.parametrize("url", PAGES)
def test_entrepreneurs_and_officers_are_refused(client, signed_in, role, url):
    signed_in(role)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.ADMIN])
def test_supervisors_and_admins_see_the_log(app, client, signed_in, role):
    add(app, ("complaint.transition", "officer1@demo.pbi.kz", {"from": "new", "to": "in_review"}),
        ("evidence.read", "supervisor1@demo.pbi.kz", {"file": "фото.jpg", "pages": [1, 2]}))
    viewer = signed_in(role)
    response = client.get("/staff/audit?lang=en")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert shown(html, viewer) == ["evidence.read", "complaint.transition"]
    assert "officer1@demo.pbi.kz" in html and "supervisor1@demo.pbi.kz" in html
    assert '<span class="meta">file:</span> <span class="hash-like">фото.jpg</span>' in html
    assert '<span class="meta">pages:</span> <span class="hash-like">[1,2]</span>' in html
    assert "new → Under consideration" in html  # an unknown status as stored, a known one in words
    assert "01.03.2026 09:05" in html  # 04:05 UTC is 09:05 in Almaty
    assert 'datetime="2026-03-01T04:05:00Z"' in html
    assert "Complaint 42" in html
    assert 'href="/staff/audit/verify"' in html and "Check the chain" in html
    assert "The audit log is intact" not in html  # the chain is only checked on request
    for name in ("action", "actor", "subject_type", "subject_id", "since", "until"):
        assert f'<label for="{name}">' in html
    assert "<script" not in html and "style=" not in html


def test_filters(app, client, signed_in):
    add(app, ("auth.login", "officer1@demo.pbi.kz", {}),
        ("complaint.transition", "officer2@demo.pbi.kz", {}),
        ("complaint.assigned", "supervisor1@demo.pbi.kz", {}))
    viewer = signed_in(Role.SUPERVISOR)

    def page(query: str) -> str:
        response = client.get(f"/staff/audit?lang=en&{query}")
        assert response.status_code == 200
        return response.get_data(as_text=True)

    html = page("action=complaint.")
    assert shown(html, viewer) == ["complaint.assigned", "complaint.transition"]
    assert '<option selected value="complaint.">' in html
    assert shown(page("actor=Officer2"), viewer) == ["complaint.transition"]
    html = page("action=auth.login&actor=officer1&since=2026-03-01&until=2026-03-01")
    assert shown(html, viewer) == ["auth.login"]
    assert '<option selected value="auth.login">Sign-in and access: Signed in</option>' in html  # an exact action
    assert shown(page("since=2026-03-02&until=2026-03-03"), viewer) == []
    assert len(shown(page("subject_type=complaint&subject_id=42"), viewer)) == 3
    assert shown(page("subject_type=complaint&subject_id=43"), viewer) == []


def test_a_bad_filter_is_shown_and_ignored(app, client, signed_in):
    add(app, ("auth.login", "officer1@demo.pbi.kz", {}))
    viewer = signed_in(Role.ADMIN)
    response = client.get("/staff/audit?lang=en&since=yesterday&action=DROP%20TABLE")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert shown(html, viewer) == ["auth.login"]
    assert "field-invalid" in html and 'id="since-error"' in html and 'id="action-error"' in html


def test_pages_keep_filters_and_do_not_shift(app, client, signed_in):
    add(app, *[("complaint.transition", f"officer{n}@demo.pbi.kz", {"n": n}) for n in range(1, 56)])
    viewer = signed_in(Role.SUPERVISOR)
    with app.app_context():
        newest = head_state()[0]
    html = client.get("/staff/audit?lang=en&action=complaint.").get_data(as_text=True)
    assert len(shown(html, viewer)) == 50 and "Page 1 of 2" in html
    next_link = re.search(r'<a href="([^"]+)">Next page</a>', html).group(1).replace("&amp;", "&")
    assert "action=complaint." in next_link and f"upto={newest}" in next_link and "page=2" in next_link
    add(app, ("complaint.transition", "late@demo.pbi.kz", {}))
    html = client.get(next_link + "&lang=en").get_data(as_text=True)
    assert len(shown(html, viewer)) == 5
    assert "late@demo.pbi.kz" not in html and "officer5@demo.pbi.kz" in html
    assert "officer6@demo.pbi.kz" not in html


def test_the_verify_page_shows_the_chain_status(app, client, signed_in):
    add(app, ("auth.login", "officer1@demo.pbi.kz", {}), ("auth.logout", "officer1@demo.pbi.kz", {}),
        ("auth.login", "officer2@demo.pbi.kz", {}))
    viewer = signed_in(Role.ADMIN)
    html = client.get("/staff/audit/verify?lang=en").get_data(as_text=True)
    assert "verdict-valid" in html and "The audit log is intact" in html
    assert "entries checked" in html
    assert shown(html, viewer)  # the log is listed below the verdict

    with app.app_context():
        drop_audit_triggers("audit_log_no_update")
        db.session.execute(text("UPDATE audit_log SET actor_label = 'someone@else.kz' WHERE id = 2"))
        db.session.commit()
    html = client.get("/staff/audit/verify?lang=en").get_data(as_text=True)
    assert "verdict-invalid" in html and "The audit log has been altered" in html
    assert "First broken entry: No. 2." in html
    assert "row 2: hash does not match its content" in html
