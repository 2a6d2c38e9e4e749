"""Attendance in two shapes: daily counts, and lesson-level e-journal marks (told apart by header)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl
from django.conf import settings
from django.utils.translation import gettext as _

from pumpurs.imports.headers import normalise_header
from pumpurs.imports.specs.base import (
    Check,
    Column,
    ImportSpec,
    blank,
    date_checks,
    int_checks,
    message,
    parse_date,
    parse_int,
    pupil_checks,
    required_checks,
    split_clean,
    text,
    with_parsed,
)
from pumpurs.journal.models import AttendanceDay, AttendanceMark

if TYPE_CHECKING:
    from pumpurs.imports.context import ImportContext

PERSONAL_CODE = Column("personal_code", ("personas_kods", "personas kods", "pk", "kods"))
DATE = Column("date", ("datums",))
MAX_LESSONS = 16


def _validate_daily(df: pl.DataFrame, ctx: ImportContext) -> tuple[pl.DataFrame, pl.DataFrame]:
    df = with_parsed(df, dates=("date",), ints=("lessons", "unjustified", "illness", "other_justified", "late"))
    df, checks = pupil_checks(df, ctx)
    checks += required_checks(["date"]) + date_checks("date", ctx)
    checks += int_checks("lessons", 0, MAX_LESSONS)
    for name in ("unjustified", "illness", "other_justified", "late"):
        checks += int_checks(name, 0, MAX_LESSONS, required=False)
    counts = [parse_int(n).fill_null(0) for n in ("unjustified", "illness", "other_justified")]
    total = counts[0] + counts[1] + counts[2]
    checks.append(
        Check(
            # Only when every count is itself valid: a negative cell is reported once, as negative.
            (parse_int("lessons") >= 0) & pl.all_horizontal(c >= 0 for c in counts) & (total > parse_int("lessons")),
            "lessons",
            "absences_exceed_lessons",
            message(
                _(
                    "unjustified + illness + other_justified is more than the {value} lessons of the day: "
                    "correct the counts or the number of lessons."
                ),
                text("lessons"),
            ),
        )
    )
    clean, errs = split_clean(df, checks)
    return clean.select(
        "_row",
        "pupil_id",
        parse_date("date").alias("date"),
        parse_int("lessons").alias("lessons"),
        *(parse_int(n).fill_null(0).alias(n) for n in ("unjustified", "illness", "other_justified", "late")),
    ), errs


def _validate_marks(df: pl.DataFrame, ctx: ImportContext) -> tuple[pl.DataFrame, pl.DataFrame]:
    df = with_parsed(df, dates=("date",), ints=("lesson",))
    df, checks = pupil_checks(df, ctx)
    checks += required_checks(["date", "mark", "subject"]) + date_checks("date", ctx)
    checks += int_checks("lesson", 1, MAX_LESSONS)
    marks: dict[str, str] = settings.PUMPURS_ATTENDANCE_MARKS
    mark = text("mark").str.to_lowercase()
    category = mark.replace_strict(marks, default=None, return_dtype=pl.String)
    checks.append(
        Check(
            ~blank("mark") & category.is_null(),
            "mark",
            "mark_unknown",
            message(
                _(
                    "'{value}' is not a known attendance mark; known marks: %(marks)s (setting PUMPURS_ATTENDANCE_MARKS)."
                )
                % {"marks": ", ".join(sorted(marks))},
                text("mark"),
            ),
        )
    )
    subject = _subject_expr(ctx)
    checks.append(_subject_check(subject))
    clean, errs = split_clean(df, checks)
    return clean.select(
        "_row",
        "pupil_id",
        parse_date("date").alias("date"),
        parse_int("lesson").alias("lesson"),
        subject.alias("subject_id"),
        mark.alias("mark"),
        category.alias("category"),
    ), errs


def _subject_expr(ctx: ImportContext) -> pl.Expr:
    subjects = ctx.subjects()
    normalised = (
        text("subject")
        .str.normalize("NFKD")
        .str.replace_all(r"\p{Mn}", "")
        .str.to_lowercase()
        .str.replace_all(r"[^a-z0-9]+", "_")
        .str.strip_chars("_")
    )
    return normalised.replace_strict(subjects, default=None, return_dtype=pl.Int64)


def _subject_check(subject: pl.Expr) -> Check:
    return Check(
        ~blank("subject") & subject.is_null(),
        "subject",
        "subject_unknown",
        message(
            _(
                "'{value}' is not on the list of subjects: use a subject's name as listed, or ask the national team to add it."
            ),
            text("subject"),
        ),
    )


ATTENDANCE_DAILY = ImportSpec(
    kind="attendance",
    shape="daily",
    columns=(
        PERSONAL_CODE,
        DATE,
        Column("lessons", ("stundas", "stundu_skaits")),
        Column("unjustified", ("neattaisnotas", "neattaisnoti"), required=False),
        Column("illness", ("slimības", "slimibas_del", "slimība"), required=False),
        Column("other_justified", ("citas_attaisnotas", "citi_attaisnoti", "attaisnotas"), required=False),
        Column("late", ("kavējumi", "novēlošanās", "novelosanas", "kavējums"), required=False),
    ),
    target=AttendanceDay,
    key=("pupil_id", "date"),
    values=("lessons", "unjustified", "illness", "other_justified", "late"),
    validate=_validate_daily,
    signature=("lessons",),
)

ATTENDANCE_MARKS = ImportSpec(
    kind="attendance",
    shape="lesson_marks",
    columns=(
        PERSONAL_CODE,
        DATE,
        Column("lesson", ("stunda", "stundas_nr", "stundas_numurs")),
        Column("subject", ("priekšmets", "mācību_priekšmets")),
        Column("mark", ("atzīme", "apzīmējums", "kavējuma_kods")),
    ),
    target=AttendanceMark,
    key=("pupil_id", "date", "lesson"),
    values=("subject_id", "mark", "category"),
    validate=_validate_marks,
    signature=("lesson", "mark"),
)

__all__ = ["ATTENDANCE_DAILY", "ATTENDANCE_MARKS", "normalise_header"]
