"""Small-cell suppression as properties over random tables.

The check of "cannot be derived" is independent of the module's network method: a linear
programme written from the table's meaning (each row and column of cells sums to its total,
the totals sum to the grand total, a "< 10" is 1 to 9, a complement at least 10), solved by
scipy's HiGHS for the smallest and the largest value of every suppressed count. The
constraint matrix of a table with its totals is totally unimodular, so both optima are
integers: a suppressed count is protected exactly when they differ.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from app.reporting import suppression
from app.reporting.suppression import COMPLEMENT, SMALL, Cell, linked_one_way, one_way, two_way

T = suppression.THRESHOLD

# Counts biased to the interesting range: zeros, small counts, counts just above the threshold.
count = st.one_of(st.just(0), st.integers(1, 9), st.integers(10, 14), st.integers(0, 60))


def _range_of(unknowns: list[tuple[str, int]], equations: list[list[tuple[int, int]]], marks: list[str]):
    """(min, max) of each unknown; ``equations``: lists of (unknown or -1 for constant, coefficient)."""
    n = len(unknowns)
    a_eq, b_eq = [], []
    for equation in equations:
        row, constant = [0.0] * n, 0.0
        for index, coefficient in equation:
            if index >= 0:
                row[index] += coefficient
            else:
                constant += coefficient
        if any(row):
            a_eq.append(row)
            b_eq.append(-constant)
    bounds = [(1, T - 1) if mark == SMALL else (T, None) for mark in marks]
    ranges = []
    for k in range(n):
        objective = [0.0] * n
        objective[k] = 1.0
        low = linprog(objective, A_eq=a_eq or None, b_eq=b_eq or None, bounds=bounds, method="highs")
        objective[k] = -1.0
        high = linprog(objective, A_eq=a_eq or None, b_eq=b_eq or None, bounds=bounds, method="highs")
        assert low.status == 0, f"the published table has no completion: {low.message}"
        ranges.append((low.fun, float("inf") if high.status == 3 else -high.fun))
    return ranges


def _term(cell: Cell, true: int, unknowns: list, marks: list, coefficient: int) -> tuple[int, int]:
    if cell.published:
        return (-1, coefficient * cell.value)
    unknowns.append(("x", true))
    marks.append(cell.mark)
    return (len(unknowns) - 1, coefficient)


def _check_published(cells: list[Cell], truths: list[int]) -> None:
    for cell, true in zip(cells, truths, strict=True):
        if cell.published:
            assert cell.value == true  # (c) what is published is the true count
            assert cell.value == 0 or cell.value >= T  # (a) no small count is visible
        else:
            assert cell.value is None
            assert cell.mark == (SMALL if 0 < true < T else COMPLEMENT)
            assert true > 0  # zeros are published, never hidden


def _check_undeterminable(unknowns, equations, marks):
    for (_, true), (low, high) in zip(unknowns, _range_of(unknowns, equations, marks), strict=True):
        assert low - 1e-6 <= true <= high + 1e-6
        assert high - low > 0.5, f"a suppressed count ({true}) is fixed by the published table"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(count, min_size=1, max_size=12))
def test_one_way_tables_hide_small_counts_and_nothing_is_derivable(counts):
    table = one_way(counts)
    total = sum(counts)
    _check_published([*table.cells, table.total], [*counts, total])
    unknowns, marks = [], []
    equation = [_term(cell, true, unknowns, marks, 1) for cell, true in zip(table.cells, counts, strict=True)]
    equation.append(_term(table.total, total, unknowns, marks, -1))
    _check_undeterminable(unknowns, [equation], marks)


# Items of one population, each falling in one row of every table (month, district, type…).
population = st.integers(1, 4).flatmap(lambda tables: st.lists(
    st.tuples(*[st.integers(0, 4)] * tables), max_size=80).map(lambda items: (tables, items)))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(population)
def test_linked_tables_of_one_population_are_protected_together(drawn):
    tables, items = drawn
    columns = [[sum(1 for item in items if item[t] == row) for row in range(5)] for t in range(tables)]
    published = linked_one_way(columns)
    assert len({table.total for table in published}) == 1  # one total, shown alike everywhere
    unknowns, marks = [], []
    total = _term(published[0].total, len(items), unknowns, marks, -1)
    _check_published([published[0].total], [len(items)])
    equations = []
    for table, column in zip(published, columns, strict=True):
        _check_published(list(table.cells), column)
        equations.append([_term(cell, true, unknowns, marks, 1) for cell, true in zip(table.cells, column, strict=True)]
                         + [total])
    _check_undeterminable(unknowns, equations, marks)


def test_a_total_hidden_for_one_table_is_not_given_away_by_another():
    months, districts = linked_one_way([[1, 10], [11, 0]])
    assert months.total.mark == COMPLEMENT and districts.total == months.total
    assert districts.cells[0].mark == COMPLEMENT  # else 11 + 0 would give the total, then the 1, away
    with pytest.raises(ValueError):
        linked_one_way([[1, 2], [4]])


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 5).flatmap(lambda columns: st.lists(st.lists(count, min_size=columns, max_size=columns),
                                                          min_size=1, max_size=5)))
def test_two_way_tables_hide_small_counts_and_nothing_is_derivable(rows):
    table = two_way(rows)
    row_sums = [sum(row) for row in rows]
    column_sums = [sum(column) for column in zip(*rows, strict=True)]
    grand = sum(row_sums)
    _check_published([cell for row in table.cells for cell in row] + [*table.row_totals, *table.column_totals,
                      table.total], [value for row in rows for value in row] + row_sums + column_sums + [grand])
    unknowns, marks = [], []
    cells = [[_term(cell, rows[i][j], unknowns, marks, 1) for j, cell in enumerate(row)]
             for i, row in enumerate(table.cells)]
    row_totals = [_term(cell, row_sums[i], unknowns, marks, -1) for i, cell in enumerate(table.row_totals)]
    column_totals = [_term(cell, column_sums[j], unknowns, marks, -1) for j, cell in enumerate(table.column_totals)]
    grand_term = _term(table.total, grand, unknowns, marks, -1)  # the totals sum to the grand total
    equations = [[*cells[i], row_totals[i]] for i in range(len(rows))]
    equations += [[row[j] for row in cells] + [column_totals[j]] for j in range(len(column_sums))]
    flip = lambda term: (term[0], -term[1])  # noqa: E731
    equations.append([flip(term) for term in row_totals] + [grand_term])
    equations.append([flip(term) for term in column_totals] + [grand_term])
    _check_undeterminable(unknowns, equations, marks)


def test_a_single_small_count_takes_the_smallest_other_cell_with_it():
    table = one_way([4, 30, 12, 0])
    assert [cell.mark for cell in table.cells] == [SMALL, None, COMPLEMENT, None]
    assert table.total == Cell(46)


def test_a_complement_that_would_still_give_the_count_away_is_passed_over():
    # 1 + x = 11 with x ≥ 10 gives x = 10 and the 1 away: the total is hidden instead.
    table = one_way([1, 10])
    assert [cell.mark for cell in table.cells] == [SMALL, None]
    assert table.total.mark == COMPLEMENT


def test_two_way_table_suppresses_in_rows_and_columns():
    table = two_way([[3, 40, 50], [20, 30, 60], [25, 35, 45]])
    assert table.cells[0][0].mark == SMALL
    hidden = {(i, j) for i, row in enumerate(table.cells) for j, cell in enumerate(row) if not cell.published}
    assert len(hidden) == 4 and (0, 0) in hidden  # a rectangle: no row or column with one hidden count
    assert table.total == Cell(308)


def test_zeros_and_large_counts_are_published_as_they_are():
    table = one_way([0, 0, 25])
    assert table.cells == (Cell(0), Cell(0), Cell(25)) and table.total == Cell(25)


@pytest.mark.parametrize("bad", [-1, 1.5, True, None])
def test_a_count_is_a_non_negative_integer(bad):
    with pytest.raises(ValueError):
        one_way([1, bad])
