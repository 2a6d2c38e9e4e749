"""A batch's checks run in one pass (decision 0060): the same error rows, in the same order, as one
filter per check gave — check after check, each check's rows in the batch's order."""

from __future__ import annotations

import polars as pl

from pumpurs.imports.result import ERROR_SCHEMA
from pumpurs.imports.specs.base import Check, blank, errors_of, message, parse_int, split_clean, text, with_parsed


def _batch(counts: list[str | None]) -> pl.DataFrame:
    frame = pl.DataFrame(
        {"_row": list(range(2, 2 + len(counts))), "n": counts}, schema={"_row": pl.Int32, "n": pl.String}
    )
    return with_parsed(frame, ints=("n",))


CHECKS = [
    Check(blank("n"), "n", "required", message("The cell is empty.")),
    Check(~blank("n") & parse_int("n").is_null(), "n", "not_a_number", message("'{value}' is no number.", text("n"))),
    Check(parse_int("n") > 99, "n", "too_large", message("{value} is too large.", text("n"))),
    Check(parse_int("n") < 0, "n", "negative", message("{value} is negative.", text("n"))),
]


def test_only_the_checks_that_hold_give_rows_in_check_then_row_order() -> None:
    batch = _batch(["-4", "7", None, "x", "-1", "5"])
    clean, errors = split_clean(batch, CHECKS)
    assert errors.schema == pl.Schema(ERROR_SCHEMA)
    # "too_large" holds on no row; "negative" holds on rows 2 and 6, after the checks listed before it.
    assert errors.rows() == [
        (4, "n", "required", "The cell is empty."),
        (5, "n", "not_a_number", "'x' is no number."),
        (2, "n", "negative", "-4 is negative."),
        (6, "n", "negative", "-1 is negative."),
    ]
    assert clean.get_column("_row").to_list() == [3, 7]
    assert clean.columns == batch.columns


def test_a_clean_batch_has_no_errors_and_stays_whole() -> None:
    batch = _batch(["1", "2", "99"])
    clean, errors = split_clean(batch, CHECKS)
    assert errors.height == 0
    assert errors.schema == pl.Schema(ERROR_SCHEMA)
    assert clean.equals(batch)


def test_no_checks_or_no_rows() -> None:
    assert errors_of(_batch(["-1"]), []).schema == pl.Schema(ERROR_SCHEMA)
    assert errors_of(_batch([]), CHECKS).height == 0
