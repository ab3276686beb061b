"""Small-cell suppression of published count tables (pure: no Flask, no database).

The rule (written out on the public statistics page too):

- **Primary**: a count from 1 to ``threshold - 1`` (default 10, the ONS rule) is not
  published; it is shown as "< 10". Totals are counts too and follow the same rule.
- **Zeros are published.** A zero counts no one: it says that no complaint of a kind was
  received, which discloses nothing about a person, and hiding zeros would blank most of a
  small region's tables. The price is that a reader knows a suppressed small count is at
  least 1 — the check below takes that into account.
- **Secondary**: no suppressed count may be derivable from what is published — the other
  cells, the totals, the additivity of rows and columns, and what the marks themselves say
  (a "< 10" is 1 to 9; a count suppressed to protect another one is at least ``threshold``,
  because any smaller non-zero count is already primary). While some suppressed count has a
  single possible value, more counts are suppressed: the smallest single count that makes it
  undeterminable (cells before totals), else the cheapest set of counts that closes a cycle
  through it (see below). Repeat until no suppressed count is determined.

How "determined" is decided: a table with its totals is a network. In a two-way table each
row and each column is a node, and so are the row of column totals and the column of row
totals; every count is an edge between its row and its column, with the sign that makes
each node's sum zero (a total is the negated sum of its line). In a one-way table the cells
and the total are parallel edges between two nodes (one-way tables of one population,
sharing their total, are a ring: :func:`linked_one_way`). The published counts are constants; the
suppressed ones are the unknowns of a circulation with bounds (the marks). A suppressed count
can take another value exactly when a cycle through its edge exists in the residual graph
(each suppressed edge usable in the direction its bounds allow one more or one less), since
any other solution decomposes into such ±1 cycles.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass

THRESHOLD = 10

SMALL = "small"  # primary: 1 to threshold - 1, shown as "< threshold"
COMPLEMENT = "complement"  # secondary: suppressed so that a small count cannot be derived


@dataclass(frozen=True)
class Cell:
    """A published count (``mark`` None) or a suppressed one (``value`` None, ``mark`` why)."""

    value: int | None
    mark: str | None = None

    @property
    def published(self) -> bool:
        return self.mark is None


@dataclass(frozen=True)
class OneWay:
    cells: tuple[Cell, ...]
    total: Cell


@dataclass(frozen=True)
class TwoWay:
    cells: tuple[tuple[Cell, ...], ...]
    row_totals: tuple[Cell, ...]
    column_totals: tuple[Cell, ...]
    total: Cell


@dataclass(frozen=True)
class _Edge:
    tail: int
    head: int
    sign: int  # +1 for a cell, -1 for a total of a line (the grand total of a two-way table: +1)
    value: int
    margin: bool


def one_way(counts: Sequence[int], threshold: int = THRESHOLD) -> OneWay:
    """Publish ``counts`` and their total."""
    return linked_one_way([counts], threshold)[0]


def linked_one_way(columns: Sequence[Sequence[int]], threshold: int = THRESHOLD) -> list[OneWay]:
    """Publish one-way tables of the same population (equal totals), protected together.

    The total is one count shown in every table: hidden in one, hidden in all, and no
    table's cells may give it (or anything else hidden) away. As a network: table ``i``'s
    cells run from node ``i`` to node ``i + 1`` and the total closes the ring back to node 0.
    """
    tables = [[_count(value) for value in column] for column in columns]
    if not tables:
        return []
    total = sum(tables[0])
    if any(sum(table) != total for table in tables):
        raise ValueError("linked tables count the same population: their totals must be equal")
    edges = [_Edge(i, i + 1, 1, value, False) for i, table in enumerate(tables) for value in table]
    edges.append(_Edge(len(tables), 0, 1, total, True))
    marks = _protect(edges, threshold)
    published = [_cell(edge, mark) for edge, mark in zip(edges, marks, strict=True)]
    result, start = [], 0
    for table in tables:
        result.append(OneWay(tuple(published[start:start + len(table)]), published[-1]))
        start += len(table)
    return result


def two_way(counts: Sequence[Sequence[int]], threshold: int = THRESHOLD) -> TwoWay:
    """Publish a rows × columns table of ``counts`` with its row, column and grand totals."""
    rows = [[_count(value) for value in row] for row in counts]
    n_rows = len(rows)
    n_columns = len(rows[0]) if rows else 0
    if any(len(row) != n_columns for row in rows):
        raise ValueError("every row needs the same number of columns")
    total_row, first_column = n_rows, n_rows + 1
    total_column = first_column + n_columns
    edges = [_Edge(i, first_column + j, 1, rows[i][j], False) for i in range(n_rows) for j in range(n_columns)]
    edges += [_Edge(i, total_column, -1, sum(rows[i]), True) for i in range(n_rows)]
    column_sums = [sum(row[j] for row in rows) for j in range(n_columns)]
    edges += [_Edge(total_row, first_column + j, -1, column_sums[j], True) for j in range(n_columns)]
    edges.append(_Edge(total_row, total_column, 1, sum(column_sums), True))
    marks = _protect(edges, threshold)
    published = [_cell(edge, mark) for edge, mark in zip(edges, marks, strict=True)]
    interior = n_rows * n_columns
    return TwoWay(
        cells=tuple(tuple(published[i * n_columns:(i + 1) * n_columns]) for i in range(n_rows)),
        row_totals=tuple(published[interior:interior + n_rows]),
        column_totals=tuple(published[interior + n_rows:interior + n_rows + n_columns]),
        total=published[-1],
    )


def _count(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"a count is a non-negative integer, not {value!r}")
    return value


def _cell(edge: _Edge, mark: str | None) -> Cell:
    return Cell(edge.value) if mark is None else Cell(None, mark)


def _protect(edges: list[_Edge], threshold: int) -> list[str | None]:
    marks: list[str | None] = [SMALL if 0 < edge.value < threshold else None for edge in edges]
    while True:
        exposed = next((k for k in range(len(edges)) if marks[k] and _determined(edges, marks, k, threshold)), None)
        if exposed is None:
            return marks
        candidates = sorted((k for k, edge in enumerate(edges) if marks[k] is None and edge.value > 0),
                            key=lambda k: (edges[k].margin, edges[k].value, k))
        if not candidates:
            return marks  # every non-zero count is suppressed already: nothing more to hide
        # The cheapest single count that protects it; else the cheapest set closing a cycle.
        for k in candidates:
            marks[k] = COMPLEMENT
            if not _determined(edges, marks, exposed, threshold):
                break
            marks[k] = None
        else:
            path = _cheapest_cycle(edges, marks, exposed)
            for k in path or candidates[:1]:
                marks[k] = COMPLEMENT


def _cheapest_cycle(edges: list[_Edge], marks: list[str | None], k: int) -> list[int]:
    """Unsuppressed counts on the cheapest path between the ends of ``k`` (cells before totals)."""
    penalty = sum(edge.value for edge in edges) + 1
    cost = {e: (0 if marks[e] else edge.value + (penalty if edge.margin else 0))
            for e, edge in enumerate(edges) if e != k and edge.value > 0}
    around: dict[int, list[tuple[int, int]]] = {}
    for e in cost:
        around.setdefault(edges[e].tail, []).append((e, edges[e].head))
        around.setdefault(edges[e].head, []).append((e, edges[e].tail))
    start, goal = edges[k].head, edges[k].tail
    best, came = {start: 0}, {}
    queue = [(0, start)]
    while queue:
        spent, node = heapq.heappop(queue)
        if node == goal:
            path = []
            while node != start:
                e, node = came[node]
                path.append(e)
            return [e for e in path if marks[e] is None]
        if spent > best[node]:
            continue
        for e, nxt in around.get(node, ()):
            if spent + cost[e] < best.get(nxt, spent + cost[e] + 1):
                best[nxt], came[nxt] = spent + cost[e], (e, node)
                heapq.heappush(queue, (spent + cost[e], nxt))
    return []


def _bounds(mark: str, threshold: int) -> tuple[int, float]:
    return (1, threshold - 1) if mark == SMALL else (threshold, float("inf"))


def _determined(edges: list[_Edge], marks: list[str | None], k: int, threshold: int) -> bool:
    """Whether the suppressed count ``k`` has one possible value given what is published."""
    arcs: dict[int, list[int]] = {}
    for e, edge in enumerate(edges):
        if e == k or marks[e] is None:
            continue
        low, high = _bounds(marks[e], threshold)
        if low <= edge.value + edge.sign <= high:  # the flow along tail → head may grow by one
            arcs.setdefault(edge.tail, []).append(edge.head)
        if low <= edge.value - edge.sign <= high:  # ... or shrink by one (a step head → tail)
            arcs.setdefault(edge.head, []).append(edge.tail)
    edge = edges[k]
    low, high = _bounds(marks[k], threshold)
    if low <= edge.value + edge.sign <= high and _reaches(arcs, edge.head, edge.tail):
        return False
    return not (low <= edge.value - edge.sign <= high and _reaches(arcs, edge.tail, edge.head))


def _reaches(arcs: dict[int, list[int]], start: int, goal: int) -> bool:
    seen, stack = {start}, [start]
    while stack:
        node = stack.pop()
        if node == goal:
            return True
        for nxt in arcs.get(node, ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return False
