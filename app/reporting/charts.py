"""Bar charts drawn on the server as inline SVG: no JavaScript, nothing the CSP forbids.

The page's Content-Security-Policy allows styles only from the site's own stylesheet
(``style-src 'self'``), so a chart carries no ``style`` attribute: colours and sizes are
SVG presentation attributes (``fill``, ``font-size``), which are not styles. Each chart is
``role="img"`` with a ``<title>`` (its accessible name); the table printed beside it holds
the same numbers and is what a screen reader or a printout reads.

Bars are horizontal (long names of districts and bodies stay readable on a phone) and
every bar's length is proportional to its value: ``width = value × BAR_SPACE / largest``.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import count

from markupsafe import Markup, escape

WIDTH = 640
LABEL_SPACE = 230  # left column: the row's label
BAR_SPACE = 330  # the longest bar
ROW_HEIGHT = 22
BAR_HEIGHT = 11
TOP = 8
LABEL_CHARS = 34
COLOURS = ("#1f5f99", "#c2701c")  # the series' fills, one per series (contrast ≥ 3:1 on white)
_ids = count(1)


@dataclass(frozen=True)
class Series:
    name: str
    values: list[int | float]


def bar_chart(title: str, labels: list[str], series: list[Series]) -> Markup:
    """A horizontal bar chart: one group of bars per label, one bar per series."""
    largest = max((v for s in series for v in s.values), default=0) or 1
    per_row = ROW_HEIGHT + BAR_HEIGHT * (len(series) - 1)
    legend_height = ROW_HEIGHT if len(series) > 1 else 0
    height = TOP + legend_height + per_row * max(len(labels), 1) + TOP
    title_id = f"chart-title-{next(_ids)}"
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-labelledby="{title_id}" '
             f'viewBox="0 0 {WIDTH} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
             f'font-family="sans-serif" font-size="12">',
             f'<title id="{title_id}">{escape(title)}</title>']
    if len(series) > 1:
        x = LABEL_SPACE
        for index, one in enumerate(series):
            parts.append(f'<rect class="legend" x="{x}" y="{TOP}" width="10" height="10" '
                         f'fill="{COLOURS[index % len(COLOURS)]}"/>')
            parts.append(f'<text x="{x + 14}" y="{TOP + 9}" fill="#222">{escape(one.name)}</text>')
            x += 14 + 8 * len(one.name) + 16
    y = TOP + legend_height
    for row, label in enumerate(labels):
        short = label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1] + "…"
        parts.append(f'<text class="chart-label" x="0" y="{y + 12}" fill="#222">{escape(short)}</text>')
        for index, one in enumerate(series):
            value = one.values[row]
            width = round(value * BAR_SPACE / largest, 2)
            bar_y = y + 4 + index * BAR_HEIGHT
            parts.append(f'<rect class="bar" x="{LABEL_SPACE}" y="{bar_y}" width="{width}" height="{BAR_HEIGHT - 1}" '
                         f'fill="{COLOURS[index % len(COLOURS)]}" data-value="{value}"/>')
            parts.append(f'<text class="chart-value" x="{LABEL_SPACE + width + 4}" y="{bar_y + BAR_HEIGHT - 1}" '
                         f'font-size="10" fill="#222">{_number(value)}</text>')
        y += per_row
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it went through escape()


def _number(value: int | float) -> str:
    return f"{value:,}".replace(",", "\u202f") if isinstance(value, int) else f"{value:.1f}"
