"""The small-cell rule on hand-made tables: what is hidden, and that no shown total reveals it."""

from decimal import Decimal

from pumpurs.reporting.suppression import rate, suppress_counts, suppress_table, total_shown


def test_counts_below_five_are_hidden_and_zero_and_five_are_shown() -> None:
    assert suppress_counts([0, 5, 12, 30], total_shown=False) == [0, 5, 12, 30]
    assert suppress_counts([3, 5, 12], total_shown=False) == [None, 5, 12]


def test_a_lone_hidden_cell_takes_the_smallest_other_with_it_when_the_total_is_shown() -> None:
    # Total 20 shown: 3 could be read as 20 - 5 - 12, so 5 (the smallest shown) goes too.
    assert suppress_counts([3, 5, 12]) == [None, None, 12]
    # Two hidden cells already: their sum is known, not each of them.
    assert suppress_counts([3, 4, 12]) == [None, None, 12]


def test_secondary_suppression_reaches_across_rows_and_columns() -> None:
    table = [
        [2, 10, 20],
        [7, 8, 30],
        [9, 11, 6],
    ]
    hidden = suppress_table(table)
    # 2 is hidden, then 10 (row 0), 7 (column 0) and 8 (column 1): no line keeps a lone hidden cell.
    for row in hidden:
        assert sum(cell is None for cell in row) != 1
    for c in range(3):
        assert sum(hidden[r][c] is None for r in range(3)) != 1
    assert hidden == [[None, None, 20], [None, None, 30], [9, 11, 6]]


def test_a_total_that_would_equal_the_lone_hidden_cell_is_withheld() -> None:
    values = [3, 0, 0]
    hidden = suppress_counts(values)
    assert hidden == [None, 0, 0]
    assert total_shown(values, hidden) is None
    assert total_shown([3, 4, 12], [None, None, 12]) == 19
    assert total_shown([1, 2], [None, None]) is None  # a total of 3 is itself small


def test_rates_follow_their_counts() -> None:
    assert rate(1, 3) == Decimal("33.3")
    assert rate(None, 30) is None
    assert rate(3, 0) is None
    assert rate(2, 3, places=0) == Decimal("67")
