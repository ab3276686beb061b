"""The token operations: the scope table, the queue walked page by page against a plain Python
oracle, the events, the staff statistics against the statistics oracle, and no confidential
text in any answer."""

from __future__ import annotations

import json
import secrets

import pytest

from app.api.tokens import PREFIX
from app.complaints.models import ComplaintEvent
from app.extensions import db
from app.timeutil import to_local
from tests.api.token_world import bearer, build
from tests.reporting import statistics_world

# Columns: no token, a malformed header, an unknown token, revoked, expired, complaints:read, statistics:read, both.
COLUMNS = ("none", "malformed", "unknown", "revoked", "expired", "complaints", "statistics", "both")
SCOPE_TABLE = {
#                                           none malf unkn revk expd cmpl stat both
    "/api/v1/complaints":                   "401  401  401  401  401  200  403  200",
    "/api/v1/complaints/{filed}":           "401  401  401  401  401  200  403  200",
    "/api/v1/complaints/{filed}/events":    "401  401  401  401  401  200  403  200",
    "/api/v1/complaints/PBI-C-2026-999999": "401  401  401  401  401  404  403  404",
    "/api/v1/statistics/staff":             "401  401  401  401  401  403  200  200",
    "/api/v1/agreements":                   "200  200  200  200  200  200  200  200",
    "/api/v1/statistics":                   "200  200  200  200  200  200  200  200",
}


@pytest.fixture
def world(app, keys):
    return build(app)


def _headers(world, column: str) -> dict[str, str]:
    if column == "none":
        return {}
    if column == "malformed":
        return {"Authorization": "Basic dXNlcjpwYXNz"}
    if column == "unknown":
        return bearer(PREFIX + secrets.token_urlsafe(32))
    return bearer(world.secrets[column])


def test_the_scope_table(client, world):
    for path, row in SCOPE_TABLE.items():
        url = path.format(filed=world.filed[1])
        for column, expected in zip(COLUMNS, row.split(), strict=True):
            answer = client.get(url, headers=_headers(world, column))
            assert answer.status_code == int(expected), (path, column, answer.status_code, answer.get_data()[:200])
            if answer.status_code in (401, 403):
                assert answer.mimetype == "application/problem+json"
                assert answer.headers["WWW-Authenticate"].startswith('Bearer realm="PBI Registry"')
                if column != "none":
                    assert "error=" in answer.headers["WWW-Authenticate"]


def _walk(client, world, filters: dict, limit: int = 37) -> list[dict]:
    items, cursor = [], None
    for _ in range(100):
        query = {**filters, "limit": limit, **({"cursor": cursor} if cursor else {})}
        answer = client.get("/api/v1/complaints", query_string=query, headers=bearer(world.secrets["complaints"]))
        assert answer.status_code == 200, answer.get_json()
        body = answer.get_json()
        assert len(body["items"]) <= limit
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("the walk did not end")


def _oracle(rows, filters: dict) -> list:
    """The queue's rows for ``filters``, in its order, computed in Python from the loaded complaints."""
    officer = filters.get("officer")
    chosen = [c for c in rows
              if all(filters.get(name) in (None, value) for name, value in (
                  ("status", c.status), ("district", c.incident_district), ("pressure_type", c.pressure_type),
                  ("body_category", c.body_category)))
              and (officer is None or c.assigned_officer_id == officer)
              and ("covered" not in filters or (c.association_id is not None) == (filters["covered"] == "true"))]
    if filters.get("status"):
        return sorted(chosen, key=lambda c: ((c.extended_until or c.due_date), c.id))
    return sorted(chosen, key=lambda c: (0 if statistics_world.is_open(c) else 1, c.extended_until or c.due_date,
                                         c.id))


def test_the_queue_is_walked_page_by_page_as_the_oracle_orders_it(app, client, world):
    rows = statistics_world.complaints(app)
    officer = world.statistics.officers["a"]
    for filters in ({}, {"status": "in_review"}, {"district": "kentau"},
                    {"pressure_type": "seizure", "covered": "true"}, {"officer": officer},
                    {"body_category": "police", "covered": "false"}):
        expected = _oracle(rows, filters)
        items = _walk(client, world, filters)
        assert [item["number"] for item in items] == [c.number for c in expected], filters
        by_number = {c.number: c for c in expected}
        for item in items:
            c = by_number[item["number"]]
            assert item["status"] == c.status and item["district"] == c.incident_district
            assert item["due_date"] == (c.extended_until or c.due_date).isoformat()
            assert item["requested_datetime"] == to_local(c.received_at).isoformat()
            assert (item["assigned_officer"] or {}).get("id") == c.assigned_officer_id
            assert item["covered"] == (c.association_id is not None)
    assert len(_walk(client, world, {})) == len(rows)


def test_a_cursor_is_kept_to_its_filters_and_refused_when_forged(client, world):
    page = client.get("/api/v1/complaints?limit=2", headers=bearer(world.secrets["complaints"])).get_json()
    for query in (f"status=resolved&cursor={page['next_cursor']}", "cursor=bm90LWEtY3Vyc29y", "cursor=W10",
                  "cursor=WzEsIjIwMjYtMTMtMDEiLDFd", "limit=0", "limit=101", "status=lost", "due_within=61"):
        answer = client.get(f"/api/v1/complaints?{query}", headers=bearer(world.secrets["complaints"]))
        assert answer.status_code == 400 and answer.mimetype == "application/problem+json", query
        assert answer.get_json()["parameter"] in {"cursor", "limit", "status", "due_within"}, query


def test_the_events_are_the_cases_steps_without_their_texts(app, client, world):
    number = world.filed[1]
    body = client.get(f"/api/v1/complaints/{number}/events", headers=bearer(world.secrets["both"])).get_json()
    with app.app_context():
        from app.complaints.models import Complaint

        complaint_id = db.session.query(Complaint.id).filter_by(number=number).scalar()
        stored = db.session.query(ComplaintEvent).filter_by(complaint_id=complaint_id).order_by(
            ComplaintEvent.at, ComplaintEvent.id).all()
        expected = [(e.action, e.to_status, to_local(e.at).isoformat()) for e in stored]
    assert [(e["action"], e["status"], e["at"]) for e in body["items"]] == expected
    assert [e["by_department"] for e in body["items"]] == [False, True]  # filed, then taken by an officer
    assert set(body["items"][0]) == {"at", "action", "status", "by_department"}
    one = client.get(f"/api/v1/complaints/{number}", headers=bearer(world.secrets["both"])).get_json()
    assert one["updated_datetime"] == expected[-1][2] and one["status"] == "assigned"


def test_no_answer_holds_a_confidential_text(client, world):
    """Every complaint of the world (all confidential), listed, fetched one by one and with its events."""
    head = bearer(world.secrets["both"])
    items = _walk(client, world, {}, limit=100)
    texts = [json.dumps(items, ensure_ascii=False)]
    for item in items:
        assert set(item) == {"number", "status", "status_notes", "pressure_type", "body_category", "body_name",
                             "district", "covered", "assigned_officer", "requested_datetime", "updated_datetime",
                             "expected_datetime", "due_date", "overdue"}
    for number in [item["number"] for item in items][::7] + world.filed:
        texts.append(client.get(f"/api/v1/complaints/{number}", headers=head).get_data(as_text=True))
        texts.append(client.get(f"/api/v1/complaints/{number}/events", headers=head).get_data(as_text=True))
    texts.append(client.get("/api/v1/statistics/staff?period=year:2026", headers=head).get_data(as_text=True))
    everything = "\n".join(texts)
    assert world.filed[0] in everything
    for secret in world.confidential:
        assert secret not in everything, secret


def test_the_staff_statistics_are_the_oracles_figures(app, client, world):
    from app.reporting import periods
    from app.reporting.statistics import StatisticsFilter

    rows = statistics_world.complaints(app)
    for query, f in (("period=year:2026", {}), ("period=quarter:2026-Q3&district=kentau", {"district": "kentau"}),
                     ("period=month:2026-10&pressure_type=seizure", {"pressure_type": "seizure"})):
        body = client.get(f"/api/v1/statistics/staff?{query}", headers=bearer(world.secrets["statistics"])).get_json()
        period = periods.from_code(query.split("&")[0].split("=")[1])

        chosen = StatisticsFilter(period, district=f.get("district"), pressure_type=f.get("pressure_type"))
        expected = statistics_world.headline(rows, chosen, period)
        for name, api_name in (("received", "received"), ("decided", "decided"), ("confirmed", "confirmed"),
                               ("forwarded", "forwarded"), ("rejected", "rejected"),
                               ("in_term", "decided_within_term"), ("median_days", "median_working_days")):
            assert body["current"][api_name] == expected[name], (query, name)
        assert body["period_from"] == period.start.isoformat() and body["period_to"] == period.end.isoformat()
