"""Staff statistics: every figure against a plain Python oracle, who sees which workload, the page."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event

from app.extensions import db
from app.reporting import periods
from app.reporting.statistics import TOP_BODIES, StatisticsFilter, figures, nearest_rank
from tests.reporting import statistics_world as oracle
from tests.reporting.statistics_world import TODAY, build, complaints


@pytest.fixture
def world(app):
    return build(app)


PERIODS = {
    "quarter": periods.quarter(date(2026, 10, 5)),
    "month": periods.month(date(2026, 10, 1)),
    "year": periods.year(2026),
    "range": periods.Period(date(2026, 6, 15), date(2026, 10, 31)),
}


def filters(world) -> dict[str, dict]:
    return {
        "none": {}, "district": {"district": "kentau"}, "pressure": {"pressure_type": "seizure"},
        "category": {"body_category": "police"}, "body": {"body_name": oracle.BODIES[0]},
        "officer": {"officer_id": world.officers["a"]}, "covered": {"covered": True}, "not covered": {"covered": False},
        "combined": {"district": "turkistan", "covered": False, "pressure_type": "bribe_extortion"},
    }


def _headline(h) -> dict:
    return {name: getattr(h, name) for name in (
        "received", "decided", "confirmed", "partially_confirmed", "not_confirmed", "forwarded", "rejected", "in_term",
        "median_days", "p90_days", "extended", "appeals", "appeals_waiting", "appeals_reconsidering",
        "appeals_redecided", "amount_count", "amount_sum", "amount_median")}


def _table(rows) -> dict:
    return {row.key: (row.received, row.decided) for row in rows}


def check_against_oracle(app, world, f: StatisticsFilter) -> None:
    rows = complaints(app)
    with app.app_context():
        result = figures(f, TODAY)
    assert _headline(result.current) == oracle.headline(rows, f, f.period)
    assert result.previous.period == f.period.previous()
    assert _headline(result.previous) == oracle.headline(rows, f, f.period.previous())
    assert result.open_now == sum(1 for c in rows if oracle.matches(c, f) and oracle.is_open(c))
    assert result.overdue_now == sum(1 for c in rows if oracle.matches(c, f) and oracle.is_overdue(c, TODAY))
    months = oracle.breakdown(rows, f, oracle.month_of_received)
    decided_months = oracle.breakdown(rows, f, lambda c: f"{c.decided_on:%Y-%m}" if c.decided_on else None)
    expected_months = {key: (months.get(key, (0, 0))[0], decided_months.get(key, (0, 0))[1])
                       for key in [f"{m:%Y-%m}" for m in f.period.months()]}
    assert _table(result.months) == expected_months
    assert [row.key for row in result.months] == [f"{m:%Y-%m}" for m in f.period.months()]
    assert _table(result.districts) == oracle.breakdown(rows, f, lambda c: c.incident_district)
    assert _table(result.pressure_types) == oracle.breakdown(rows, f, lambda c: c.pressure_type)
    assert _table(result.body_categories) == oracle.breakdown(rows, f, lambda c: c.body_category)
    bodies = oracle.breakdown(rows, f, lambda c: c.body_name)
    top = sorted(bodies.items(), key=lambda item: (-item[1][0], -item[1][1], item[0]))[:TOP_BODIES]
    assert [(row.key, (row.received, row.decided)) for row in result.bodies] == top
    assert {w.officer_id: (w.open, w.overdue, w.decided) for w in result.workload} == oracle.workload(rows, f, TODAY)
    for change in result.comparison:
        assert change.current == getattr(result.current, change.name)
        assert change.previous == getattr(result.previous, change.name)


@pytest.mark.parametrize("period", PERIODS)
def test_every_figure_matches_the_oracle_for_each_period(app, world, period):
    check_against_oracle(app, world, StatisticsFilter(PERIODS[period]))


@pytest.mark.parametrize("name", ["district", "pressure", "category", "body", "officer", "covered", "not covered",
                                  "combined"])
def test_every_figure_matches_the_oracle_for_each_filter(app, world, name):
    check_against_oracle(app, world, StatisticsFilter(PERIODS["year"], **filters(world)[name]))


def test_the_generated_data_exercises_every_figure(app, world):
    """Guard of the oracle tests: each figure is non-zero somewhere, so none passes by being empty."""
    with app.app_context():
        h = figures(StatisticsFilter(periods.Period(date(2025, 1, 1), date(2026, 12, 31))), TODAY)
    assert [name for name, value in _headline(h.current).items() if not value] == []
    assert h.open_now and h.overdue_now and len(h.bodies) == TOP_BODIES and len(h.workload) == 3


def test_a_quarter_is_compared_with_the_previous_quarter_and_a_range_with_the_days_before_it(app, world):
    with app.app_context():
        result = figures(StatisticsFilter(periods.quarter(date(2026, 11, 1))), TODAY)
    assert (result.previous.period.start, result.previous.period.end) == (date(2026, 7, 1), date(2026, 9, 30))
    received = next(change for change in result.comparison if change.name == "received")
    assert received.delta == result.current.received - result.previous.received
    if result.previous.received:
        assert received.percent == pytest.approx(100 * received.delta / result.previous.received)
    ranged = periods.Period(date(2026, 3, 10), date(2026, 3, 19))
    assert (ranged.previous().start, ranged.previous().end) == (date(2026, 2, 28), date(2026, 3, 9))


def test_an_officer_sees_only_their_own_workload_row_and_the_department_totals(app, world):
    f = StatisticsFilter(PERIODS["year"])
    with app.app_context():
        everyone = figures(f, TODAY)
        own = figures(f, TODAY, only_officer=world.officers["b"])
    assert [w.officer_id for w in own.workload] == [world.officers["b"]]
    assert own.workload == [w for w in everyone.workload if w.officer_id == world.officers["b"]]
    assert own.current == everyone.current and own.open_now == everyone.open_now
    assert own.districts == everyone.districts


def test_the_figures_take_a_fixed_small_number_of_queries(app, world):
    statements = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
        figures(StatisticsFilter(PERIODS["year"]), TODAY)
        figures(StatisticsFilter(PERIODS["month"], district="kentau"), TODAY)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) <= 2 * 22, selects


@pytest.mark.parametrize(("values", "median", "p90"), [
    ({}, None, None), ({7: 1}, 7, 7), ({v: 1 for v in range(1, 11)}, 5, 9),
    ({1: 1, 2: 1, 3: 1, 4: 1}, 2, 4), ({0: 5, 30: 1}, 0, 30), ({3: 2, 9: 2}, 3, 9),
])
def test_nearest_rank_percentiles(values, median, p90):
    assert nearest_rank(values, 50) == median
    assert nearest_rank(values, 90) == p90


# --- the page ------------------------------------------------------------------------------

def _svgs(html: str) -> list:
    import re
    import xml.etree.ElementTree as ET

    return [ET.fromstring(svg) for svg in re.findall(r"<svg .*?</svg>", html, re.S)]  # noqa: S314 - our page


def _figure_cell(html: str, name: str) -> str:
    import re

    row = re.search(rf'<tr data-figure="{name}"><th scope="row">[^<]*</th>\s*<td>([^<]*)</td>', html)
    assert row, name
    return row.group(1).replace("\u202f", "").replace(" ", "")


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_the_page_shows_the_figures_charts_and_tables_in_each_language(app, client, auth, world, lang):
    from tests.conftest import translated

    auth.login(world.officer_emails["c"])
    response = client.get(f"/staff/statistics?period=year:2026&lang={lang}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    title = translated(app, lang, "Statistics")
    assert f"<h1>{title}</h1>" in html
    if lang != "en":
        assert title != "Statistics"
        assert translated(app, lang, "Officers' workload") != "Officers' workload"
    with app.app_context():
        expected = figures(StatisticsFilter(periods.year(2026)), oracle.local_today())
    assert _figure_cell(html, "received") == str(expected.current.received)
    assert _figure_cell(html, "decided") == str(expected.current.decided)
    svgs = _svgs(html)
    assert len(svgs) == 6  # month, district, type, kind of body, body, workload
    assert all(svg.get("role") == "img" and svg.find("{http://www.w3.org/2000/svg}title").text for svg in svgs)
    assert ' style="' not in "".join(html.split("<svg")[1:])
    assert html.count('class="table-scroll"') >= 7
    assert 'href="/staff/statistics"' in html  # the menu's link


def test_supervisors_see_every_officers_workload_and_an_officer_only_their_own(app, client, auth, world):
    auth.login(world.officer_emails["c"])
    html = client.get("/staff/statistics?period=year:2026").get_data(as_text=True)
    assert {f'data-officer="{officer}"' in html for officer in world.officers.values()} == {True}
    auth.logout()
    auth.login(world.officer_emails["a"])
    html = client.get("/staff/statistics?period=year:2026").get_data(as_text=True)
    own, others = world.officers["a"], [world.officers["b"], world.officers["c"]]
    assert f'data-officer="{own}"' in html and not any(f'data-officer="{o}"' in html for o in others)
    with app.app_context():
        department = figures(StatisticsFilter(periods.year(2026)), oracle.local_today())
    assert _figure_cell(html, "received") == str(department.current.received)  # the totals stay department-wide
    refused = client.get(f"/staff/statistics?period=year:2026&officer={others[0]}")
    assert refused.status_code == 400
    assert client.get(f"/staff/statistics?period=year:2026&officer={own}").status_code == 200


@pytest.mark.parametrize(("query", "field"), [
    ("period=month:2026-13", "period"), ("period=quarter:2026-Q5", "period"), ("period=nonsense", "period"),
    ("period=range&from=2026-10-01&to=2026-09-01", "to"), ("period=range&from=2026-02-30&to=2026-03-01", "from"),
    ("period=range&from=&to=2026-03-01", "from"), ("period=range&from=1000-01-01&to=2026-03-01", "from"),
    ("period=range&from=2000-01-01&to=2026-03-01", "to"), ("district=atlantis", "district"),
    ("pressure_type=x", "pressure_type"), ("body_category=x", "body_category"), ("officer=abc", "officer"),
    ("officer=99999999999999999999", "officer"), ("officer=424242", "officer"), ("covered=maybe", "covered"),
    ("body=" + "я" * 301, "body"),
])
def test_bad_filters_are_refused_with_400_a_message_beside_the_field_and_the_values_kept(app, client, auth, world,
                                                                                       query, field):
    auth.login(world.officer_emails["c"])
    response = client.get(f"/staff/statistics?{query}&lang=en")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'id="{field}-error"' in html and 'class="error-summary"' in html
    assert 'data-figure="received"' not in html
    if field in ("district", "to", "from") and "=" in query:
        typed = dict(part.split("=", 1) for part in query.split("&"))
        if typed.get(field):
            assert f'value="{typed[field]}"' in html or field == "district"


def test_a_range_and_every_filter_are_accepted_and_kept_in_the_form(app, client, auth, world):
    auth.login(world.officer_emails["c"])
    body = oracle.BODIES[0]
    response = client.get("/staff/statistics", query_string={
        "period": "range", "from": "2026-06-15", "to": "2026-10-31", "district": "kentau",
        "pressure_type": "seizure", "body_category": "police", "body": body, "officer": world.officers["a"],
        "covered": "no"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="2026-06-15"' in html and 'value="2026-10-31"' in html and f'value="{body}"' in html
    assert '<option value="kentau" selected>' in html and '<option value="no" selected>' in html
    with app.app_context():
        expected = figures(StatisticsFilter(periods.Period(date(2026, 6, 15), date(2026, 10, 31)), district="kentau",
                                            pressure_type="seizure", body_category="police", body_name=body,
                                            officer_id=world.officers["a"], covered=False), oracle.local_today())
    assert _figure_cell(html, "received") == str(expected.current.received)


def test_decisions_made_through_the_workflow_are_counted_on_their_day(app, keys):
    """The write path's decision clock (main's 0008) feeds the figures: no generated columns here."""
    from app import transactions
    from app.accounts.services import find_by_email
    from app.complaints import case_actions
    from app.complaints.models import Complaint
    from app.timeutil import local_today
    from tests.factories import add_user, filed_complaint, make_business

    owner, officer_email = add_user(app), add_user(app, "officer")
    business_id = make_business(app, owner)
    ids = [filed_complaint(app, owner, business_id) for _ in range(3)]
    with app.app_context():
        officer = find_by_email(officer_email)
        decisions = (lambda c: case_actions.resolve(officer, c, "confirmed", "Расталды. " * 5),
                     lambda c: case_actions.reject(officer, c, "Құзыретке жатпайды."))
        for complaint_id, decide in zip(ids[:2], decisions, strict=True):
            complaint = db.session.get(Complaint, complaint_id)
            case_actions.take(officer, complaint)
            case_actions.start_review(officer, complaint)
            decide(complaint)
            transactions.commit()
        today = local_today()
        result = figures(StatisticsFilter(periods.month(today)), today)
    h = result.current
    assert (h.received, h.decided, h.confirmed, h.rejected, h.forwarded) == (3, 2, 1, 1, 0)
    assert (h.in_term, result.open_now) == (2, 1) and h.median_days is not None and h.median_days <= 1
    assert h.amount_sum == 3 * 500_000 and h.amount_median == 500_000
    assert [(w.open, w.decided) for w in result.workload] == [(0, 2)]
