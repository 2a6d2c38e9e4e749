"""Synthetic grades: ongoing grades through the semester, term grades and year grades once finished.

Grades 4–12 are 10-point scores (a few per subject a month, around 6–7 with spread, now and then
``nv``); grades 1–3 get learning levels S/T/A/P instead (about one per subject a month). A term
grade is the rounded mean of the semester's ongoing grades, a year grade the mean of the two term
grades. A drifting pupil's grades fall by up to 2.5 points as their drift rises.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from pumpurs.journal.models import Subject
from pumpurs.journal.seeding.noise import normal, uniform
from pumpurs.journal.seeding.roster import Semester

S_GRADE, S_SUBJECT_OFFSET, S_GRADE_NOISE, S_NV = 30, 31, 33, 35

# Subjects by band of grades (codes from journal/data/subjects.csv; missing or inactive ones are skipped).
BAND_SUBJECTS = {
    1: ("latviesu-valoda", "matematika", "anglu-valoda", "dabaszinibas", "socialas-zinibas"),
    2: ("latviesu-valoda", "literatura", "matematika", "anglu-valoda", "dabaszinibas", "socialas-zinibas-un-vesture"),
    3: (
        "latviesu-valoda",
        "literatura",
        "matematika",
        "anglu-valoda",
        "biologija",
        "fizika",
        "kimija",
        "latvijas-un-pasaules-vesture",
    ),
    4: (
        "latviesu-valoda",
        "literatura",
        "matematika",
        "anglu-valoda",
        "fizika",
        "kimija",
        "biologija",
        "latvijas-un-pasaules-vesture",
    ),
}
ONGOING_PER_DAY = {1: 0.05, 2: 0.09, 3: 0.09, 4: 0.09}  # per subject and school day present
NOT_GRADED = 0.004
DRIFT_GRADE_DROP = 2.5
LEVELS = ((4, "S"), (6, "T"), (8, "A"))  # score ≤ 4 → S (sācis apgūt) …, above 8 → P


def subjects_frame() -> pl.DataFrame:
    names = dict(Subject.objects.filter(is_active=True).values_list("code", "name"))
    rows = [
        (band, number, names[code])
        for band, codes in BAND_SUBJECTS.items()
        for number, code in enumerate(codes)
        if code in names
    ]
    return pl.DataFrame(rows, schema={"band": pl.Int32, "subject_no": pl.Int32, "subject": pl.String}, orient="row")


def band(effective_grade: pl.Expr) -> pl.Expr:
    return (
        pl.when(effective_grade <= 3)
        .then(1)
        .when(effective_grade <= 6)
        .then(2)
        .when(effective_grade <= 9)
        .then(3)
        .otherwise(4)
        .cast(pl.Int32)
    )


def _as_text(score: pl.Expr, is_level: pl.Expr) -> pl.Expr:
    level = pl.lit("P")
    for up_to, letter in reversed(LEVELS):
        level = pl.when(score <= up_to).then(pl.lit(letter)).otherwise(level)
    return pl.when(is_level).then(level).otherwise(score.cast(pl.String))


def grades(
    frame: pl.DataFrame, subjects: pl.DataFrame, semesters: list[Semester], today: dt.date, seed: int
) -> pl.DataFrame:
    """Ongoing, term and year grades for the pupil-days of ``frame`` (see ``model.pupil_days``)."""
    pk, d, s = pl.col("pupil_key"), pl.col("day_index"), pl.col("subject_no")
    present = frame.filter(pl.col("present")).select(
        "pupil_key", "personal_code", "date", "day_index", "semester", "year_starts_on", "ability", "g",
        band(pl.col("effective_grade")).alias("band"),
    )  # fmt: skip
    candidates = present.join(subjects, on="band", how="inner")
    chance = pl.col("band").replace_strict(ONGOING_PER_DAY, return_dtype=pl.Float64)
    ongoing = candidates.filter(uniform(seed, S_GRADE, pk, d, s) < chance).with_columns(
        (
            pl.col("ability")
            + 0.7 * normal(seed, S_SUBJECT_OFFSET, pk, s)
            - DRIFT_GRADE_DROP * pl.col("g")
            + 1.1 * normal(seed, S_GRADE_NOISE, pk, d, s)
        )
        .round()
        .clip(1, 10)
        .cast(pl.Int32)
        .alias("score"),
        ((pl.col("band") > 1) & (uniform(seed, S_NV, pk, d, s) < NOT_GRADED)).alias("nv"),
    )
    is_level = pl.col("band") == 1
    out = [
        ongoing.select(
            "personal_code",
            "subject",
            pl.col("semester").cast(pl.String).alias("period"),
            "date",
            pl.when(pl.col("nv")).then(pl.lit("nv")).otherwise(_as_text(pl.col("score"), is_level)).alias("grade"),
            pl.lit("ongoing").alias("kind"),
        )
    ]
    ends = pl.DataFrame(
        [(x.year_starts_on, x.number, x.ends_on, x.year_ends_on) for x in semesters if x.finished(today)],
        schema={"year_starts_on": pl.Date, "semester": pl.Int32, "ends_on": pl.Date, "year_ends_on": pl.Date},
        orient="row",
    )
    keys = ["pupil_key", "personal_code", "subject", "band", "year_starts_on"]
    terms = (
        ongoing.filter(~pl.col("nv"))
        .group_by(*keys, "semester")
        .agg(pl.col("score").mean().alias("mean"))
        .join(ends, on=["year_starts_on", "semester"], how="inner")
    )
    out.append(
        terms.select(
            "personal_code",
            "subject",
            pl.col("semester").cast(pl.String).alias("period"),
            pl.col("ends_on").alias("date"),
            _as_text(pl.col("mean").round().clip(1, 10).cast(pl.Int32), is_level).alias("grade"),
            pl.lit("term").alias("kind"),
        )
    )
    years = (
        terms.filter(pl.col("year_ends_on") <= today)
        .group_by(*keys, "year_ends_on")
        .agg(pl.col("mean").mean().alias("mean"), pl.len().alias("terms"))
        .filter(pl.col("terms") == 2)
    )
    out.append(
        years.select(
            "personal_code",
            "subject",
            pl.lit("2").alias("period"),
            pl.col("year_ends_on").alias("date"),
            _as_text(pl.col("mean").round().clip(1, 10).cast(pl.Int32), is_level).alias("grade"),
            pl.lit("year").alias("kind"),
        )
    )
    return pl.concat(out, how="vertical").sort("personal_code", "date", "subject", "kind")
