"""The public API: its OpenAPI document, the registry of agreements, the statistics, problems."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

from app.agreements import queries
from app.reporting import public
from tests.conftest import translated
from tests.factories import active_agreement, make_association


@pytest.fixture
def registry(app, keys):
    """Three agreements in force; their numbers in the registry's order."""
    for _ in range(3):
        active_agreement(app, make_association(app))
    with app.app_context():
        return [row.number for row in queries.registry(per_page=50).rows]


def test_the_document_is_valid_openapi_and_describes_every_api_route(app, client):
    document = client.get("/api/v1/openapi.json?lang=en").get_json()
    validate(document)  # openapi-spec-validator: raises on any error
    described = {(method.upper(), path) for path, methods in document["paths"].items() for method in methods}
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.endpoint != "api_docs.openapi_document" \
                and rule.endpoint != "api_docs.docs":
            path = rule.rule.replace("<", "{").replace(">", "}")
            served |= {(method, path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert served <= described and ("GET", "/healthz") in described
    assert described - {("GET", "/healthz")} == served


def test_a_null_character_anywhere_is_a_documented_400_of_every_operation(app, client):
    """app.inputs refuses NUL in any request before the view: every operation must document that 400."""
    document = client.get("/api/v1/openapi.json?lang=en").get_json()
    for path, methods in document["paths"].items():
        url = path.replace("{number}", "PBI-D-2026-000001")
        for method, entry in methods.items():
            assert "400" in entry["responses"], (method, path)
            answer = client.open(url, method=method.upper(), query_string={"x": "a\x00b"})
            assert answer.status_code == 400 and answer.mimetype == "application/problem+json", (method, path)
            assert answer.mimetype in entry["responses"]["400"]["content"], (method, path)


def test_the_document_and_its_page_are_in_the_readers_language(app, client):
    for lang in ("kk", "ru", "en"):
        document = client.get(f"/api/v1/openapi.json?lang={lang}").get_json()
        summary = document["paths"]["/api/v1/agreements"]["get"]["summary"]
        assert summary == translated(app, lang, "The registry of agreements")
        page = client.get(f"/api/v1/docs?lang={lang}")
        assert page.status_code == 200 and summary in page.get_data(as_text=True)
        assert "<script" not in page.get_data(as_text=True)


def test_the_registry_is_walked_page_by_page_in_its_order(client, registry):
    seen, cursor = [], None
    for _ in range(10):
        answer = client.get("/api/v1/agreements", query_string={"limit": 1, **({"cursor": cursor} if cursor else {})})
        assert answer.status_code == 200 and answer.mimetype == "application/json"
        body = answer.get_json()
        seen += [item["number"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == registry and len(registry) == 3
    item = client.get("/api/v1/agreements?limit=100").get_json()["items"][0]
    assert item["status"] == "active" and item["document"]["number"].startswith("PBI-D-")
    assert set(item) == {"number", "status", "association", "valid_from", "valid_until", "document"}


def test_one_agreement_and_a_search(client, registry):
    one = client.get(f"/api/v1/agreements/{registry[1]}").get_json()
    assert one["number"] == registry[1]
    found = client.get("/api/v1/agreements", query_string={"q": one["association"]["bin"]}).get_json()["items"]
    assert [item["number"] for item in found] == [registry[1]]


@pytest.mark.parametrize(("path", "status", "parameter"), [
    ("/api/v1/agreements?limit=0", 400, "limit"), ("/api/v1/agreements?limit=abc", 400, "limit"),
    ("/api/v1/agreements?limit=101", 400, "limit"), ("/api/v1/agreements?q=" + "x" * 101, 400, "q"),
    ("/api/v1/agreements?cursor=bm90LWEtY3Vyc29y", 400, "cursor"), ("/api/v1/agreements?cursor=%25%25", 400, "cursor"),
    ("/api/v1/agreements/PBI-A-2026-999999", 404, None), ("/api/v1/no-such-operation", 404, None),
])
def test_refusals_are_problems_in_the_callers_language(app, client, path, status, parameter):
    for lang in ("kk", "ru", "en"):
        answer = client.get(path, headers={"Accept-Language": lang})
        assert answer.status_code == status and answer.mimetype == "application/problem+json"
        body = answer.get_json()
        assert body["status"] == status and body["type"] == "about:blank" and body["instance"] == path.split("?")[0]
        assert body.get("parameter") == parameter and body["detail"] and body["request_id"]
        if lang == "kk":
            kazakh = body["detail"]
        elif lang == "en":
            assert body["detail"] != kazakh  # written in each language


def test_the_statistics_are_the_pages_with_nothing_small_visible(app, client, keys):
    from tests.reporting.statistics_world import build

    build(app)
    body = client.get("/api/v1/statistics").get_json()
    with app.app_context():
        figures = public.figures()
    assert body["received_by_month"]["total"]["count"] == figures.by_month[0].total.value
    assert [body["received_by_month"]["rows"][f"{m:%Y-%m}"]["count"] for m in figures.months] == [
        cell.value for cell in figures.by_month[0].cells]
    counts = [cell for key, value in body.items() if key.endswith(("_month", "_district", "_type", "_decision"))
              for cell in (*value["rows"].values(), value["total"])]
    assert counts and all(c["count"] is None or c["count"] == 0 or c["count"] >= 10 for c in counts)
    assert all((c["count"] is None) == (c["suppressed"] is not None) for c in counts)
    assert body["computed_at"].endswith("+05:00")
