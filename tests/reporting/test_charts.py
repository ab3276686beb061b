"""The server-drawn SVG bar charts: valid XML, bars proportional to values, labels, an accessible name."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from app.reporting.charts import BAR_SPACE, LABEL_SPACE, Series, bar_chart

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup) -> ET.Element:
    return ET.fromstring(str(markup))  # noqa: S314 - our own chart, no DTD


def bars(root: ET.Element) -> list[ET.Element]:
    return [rect for rect in root.iter(f"{SVG}rect") if rect.get("class") == "bar"]


def test_bars_are_proportional_to_their_values_and_the_largest_fills_the_space():
    values = [3, 12, 0, 7, 1]
    root = parse(bar_chart("Received by district", list("abcde"), [Series("Received", values)]))
    widths = [float(rect.get("width")) for rect in bars(root)]
    assert len(widths) == len(values)
    assert max(widths) == pytest.approx(BAR_SPACE)
    for width, value in zip(widths, values, strict=True):
        assert width == pytest.approx(value * BAR_SPACE / 12, abs=0.01)
        assert width >= 0
    assert {rect.get("x") for rect in bars(root)} == {str(LABEL_SPACE)}


def test_two_series_share_one_scale_and_have_a_legend():
    root = parse(bar_chart("Trend", ["2026-10", "2026-11"], [Series("Received", [10, 40]), Series("Decided", [20, 5])]))
    widths = [float(rect.get("width")) for rect in bars(root)]
    # row by row, each row's bars in series order
    assert widths == pytest.approx([10 / 40 * BAR_SPACE, 20 / 40 * BAR_SPACE, BAR_SPACE, 5 / 40 * BAR_SPACE], abs=0.01)
    texts = [text.text for text in root.iter(f"{SVG}text")]
    assert "Received" in texts and "Decided" in texts
    assert [rect.get("data-value") for rect in bars(root)] == ["10", "20", "40", "5"]


def test_the_chart_is_an_image_named_by_its_title_with_labels_and_values():
    root = parse(bar_chart("Жалобы <по> районам & типам", ["Түркістан қаласы", "Кентау қаласы"],
                           [Series("Received", [1234, 5])]))
    assert root.get("role") == "img"
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == "Жалобы <по> районам & типам"
    assert root.get("aria-labelledby") == title.get("id")
    texts = [text.text for text in root.iter(f"{SVG}text")]
    assert "Түркістан қаласы" in texts and "Кентау қаласы" in texts
    assert "1\u202f234" in texts and "5" in texts
    # No style attribute anywhere: the CSP's style-src 'self' would refuse it.
    assert all("style" not in element.attrib for element in root.iter())


def test_long_labels_are_shortened_and_an_empty_chart_is_still_valid():
    root = parse(bar_chart("Bodies", ["Управление государственных доходов по Сайрамскому району ДГД"],
                           [Series("Received", [0])]))
    label = next(t.text for t in root.iter(f"{SVG}text") if t.get("class") == "chart-label")
    assert label.endswith("…") and len(label) <= 34
    assert float(bars(root)[0].get("width")) == 0
    empty = parse(bar_chart("Nothing", [], [Series("Received", [])]))
    assert bars(empty) == [] and empty.find(f"{SVG}title").text == "Nothing"
