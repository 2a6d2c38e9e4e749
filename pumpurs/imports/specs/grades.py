"""Grades: 10-point scores, ``nv``, ieskaitīts / neieskaitīts, and learning levels S/T/A/P."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl
from django.utils.translation import gettext as _

from pumpurs.imports.specs.attendance import DATE, PERSONAL_CODE, _subject_check, _subject_expr
from pumpurs.imports.specs.base import (
    Check,
    Column,
    ImportSpec,
    blank,
    date_checks,
    message,
    parse_date,
    pupil_checks,
    required_checks,
    split_clean,
    text,
    with_parsed,
)
from pumpurs.journal.models import Grade

if TYPE_CHECKING:
    from pumpurs.imports.context import ImportContext


def _folded(name: str) -> pl.Expr:
    return text(name).str.normalize("NFKD").str.replace_all(r"\p{Mn}", "").str.to_lowercase()


VALUE_KINDS = {"nv": "nv", "ieskaitits": "passed", "i": "passed", "neieskaitits": "failed", "ni": "failed"}
LEVELS = {"s": "S", "t": "T", "a": "A", "p": "P"}
GRADE_KINDS = {
    "ongoing": "ongoing",
    "ikdienas": "ongoing",
    "term": "term",
    "semestra": "term",
    "semestris": "term",
    "year": "year",
    "gada": "year",
    "gads": "year",
}
PERIOD_NUMBERS = {"1": 1, "i": 1, "1.": 1, "1. semestris": 1, "2": 2, "ii": 2, "2.": 2, "2. semestris": 2}


def _validate(df: pl.DataFrame, ctx: ImportContext) -> tuple[pl.DataFrame, pl.DataFrame]:
    df = with_parsed(df, dates=("date",))
    df, checks = pupil_checks(df, ctx)
    checks += required_checks(["subject", "period", "date", "grade", "kind"]) + date_checks("date", ctx)
    value = _folded("grade")
    score = value.cast(pl.Int64, strict=False)
    value_kind = (
        pl.when(score.is_between(1, 10))
        .then(pl.lit("score"))
        .when(value.is_in(list(LEVELS)))
        .then(pl.lit("level"))
        .otherwise(value.replace_strict(VALUE_KINDS, default=None, return_dtype=pl.String))
    )
    checks.append(
        Check(
            ~blank("grade") & value_kind.is_null(),
            "grade",
            "grade_invalid",
            message(
                _(
                    "'{value}' is not a grade: use 1–10, nv, ieskaitīts, neieskaitīts, or a learning level S, T, A or P."
                ),
                text("grade"),
            ),
        )
    )
    kind = _folded("kind").replace_strict(GRADE_KINDS, default=None, return_dtype=pl.String)
    checks.append(
        Check(
            ~blank("kind") & kind.is_null(),
            "kind",
            "grade_kind_invalid",
            message(
                _("'{value}' is not a grade kind: use ongoing, term or year (ikdienas, semestra, gada)."), text("kind")
            ),
        )
    )
    subject = _subject_expr(ctx)
    checks.append(_subject_check(subject))
    number = _folded("period").replace_strict(PERIOD_NUMBERS, default=None, return_dtype=pl.Int64)
    checks.append(
        Check(
            ~blank("period") & number.is_null(),
            "period",
            "period_invalid",
            message(_("'{value}' is not a semester: write 1 or 2."), text("period")),
        )
    )
    date = parse_date("date")
    start_year = pl.when(date.dt.month() >= 8).then(date.dt.year()).otherwise(date.dt.year() - 1).cast(pl.Int64)
    periods = pl.DataFrame(
        [(start.year, n, pk) for start, _end, n, pk in ctx.periods()],
        schema={"_start_year": pl.Int64, "_number": pl.Int64, "period_id": pl.Int64},
        orient="row",
    )
    df = df.with_columns(start_year.alias("_start_year"), number.alias("_number")).join(
        periods, on=["_start_year", "_number"], how="left"
    )
    checks.append(
        Check(
            date.is_not_null() & number.is_not_null() & pl.col("period_id").is_null(),
            "period",
            "period_unknown",
            message(
                _("The calendar has no such semester for the date of this row: check the date or the school year.")
            ),
        )
    )
    clean, errs = split_clean(df, checks)
    return clean.select(
        "_row",
        "pupil_id",
        subject.alias("subject_id"),
        "period_id",
        date.alias("date"),
        kind.alias("kind"),
        value_kind.alias("value_kind"),
        pl.when(value_kind == "score").then(score).otherwise(None).alias("score"),
        pl.when(value_kind == "level").then(value.str.to_uppercase()).otherwise(pl.lit("")).alias("level"),
    ), errs


GRADES = ImportSpec(
    kind="grades",
    shape="grades",
    columns=(
        PERSONAL_CODE,
        Column("subject", ("priekšmets", "mācību_priekšmets")),
        Column("period", ("semestris", "periods")),
        DATE,
        Column("grade", ("vērtējums", "atzīme")),
        Column("kind", ("veids", "vērtējuma_veids")),
    ),
    target=Grade,
    key=("pupil_id", "subject_id", "period_id", "kind", "date"),
    values=("value_kind", "score", "level"),
    validate=_validate,
)
