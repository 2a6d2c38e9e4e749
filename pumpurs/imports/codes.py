"""Personal codes checked by column: the rules of ``people.personal_code`` as polars expressions.

A fact file names its pupils by personal code; checking them one by one in Python cost 2.75 s per
250 000 codes (docs/performance.md, issue 18 item 4). Here every code written with eleven ASCII
digits (all but a mistyped few) is checked at once, in the parser's order and with its messages;
anything else — a wrong length, letters, digits of another script — goes through the parser itself,
so the answer is the parser's whatever the cell holds.
"""

from __future__ import annotations

import polars as pl

from pumpurs.people.personal_code import CENTURIES, PROBLEMS, WEIGHTS, parse_personal_code

PROBLEM_SCHEMA = {"_code": pl.String, "_problem": pl.String, "_digits": pl.String}


def personal_code_problems(codes: pl.Series) -> pl.DataFrame:
    """For each code (already without spaces and dashes): ``_problem``, the parser's complaint or
    null, and ``_digits``, the canonical eleven digits that are hashed (null when invalid)."""
    frame = pl.DataFrame({"_code": codes.cast(pl.String)})
    code = pl.col("_code")
    plain = code.str.contains(r"^[0-9]{11}$")

    def digit(index: int) -> pl.Expr:
        return code.str.slice(index, 1).cast(pl.Int32)

    century = code.str.slice(6, 1).replace_strict(
        {k: v for k, v in CENTURIES.items()}, default=None, return_dtype=pl.Int32
    )
    birth = pl.concat_str(
        [
            (century + code.str.slice(4, 2).cast(pl.Int32)).cast(pl.String),
            pl.lit("-"),
            code.str.slice(2, 2),
            pl.lit("-"),
            code.str.slice(0, 2),
        ]
    ).str.to_date("%Y-%m-%d", strict=False)
    expected = (pl.lit(1101) - pl.sum_horizontal(digit(i) * w for i, w in enumerate(WEIGHTS))) % 11
    problem = (
        pl.when(code.str.starts_with("32"))
        .then(pl.lit(None, pl.String))
        .when(century.is_null())
        .then(pl.lit(str(PROBLEMS["personal_code_century"])))
        .when(birth.is_null())
        .then(pl.lit(str(PROBLEMS["personal_code_date"])))
        .when((expected == 10) | (digit(10) != expected))
        .then(pl.lit(str(PROBLEMS["personal_code_checksum"])))
        .otherwise(pl.lit(None, pl.String))
    )
    checked = frame.filter(plain).with_columns(problem.alias("_problem"))
    checked = checked.with_columns(pl.when(pl.col("_problem").is_null()).then(code).otherwise(None).alias("_digits"))
    odd = frame.filter(~plain).get_column("_code").to_list()
    if not odd:
        return checked.select(PROBLEM_SCHEMA.keys())
    return pl.concat([checked.select(PROBLEM_SCHEMA.keys()), _one_by_one(odd)], how="vertical")


def _one_by_one(codes: list[str]) -> pl.DataFrame:
    from django.core.exceptions import ValidationError

    rows: list[tuple[str, str | None, str | None]] = []
    for raw in codes:
        try:
            parsed = parse_personal_code(raw)
        except ValidationError as exc:
            rows.append((raw, exc.messages[0], None))
        else:
            rows.append((raw, None, parsed.digits))
    return pl.DataFrame(rows, schema=PROBLEM_SCHEMA, orient="row")
