"""Who gets facts and on which days: the seeded pupils and the school days of the chosen semesters."""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass

import polars as pl

from pumpurs.core import crypto
from pumpurs.people.calendar import is_weekday, school_year_on
from pumpurs.people.models import Enrolment, Period, SchoolYear

ROSTER_SCHEMA = {
    "pupil_key": pl.UInt64,  # the personal code's eleven digits as a number: stable across databases
    "personal_code": pl.String,
    "grade": pl.Int32,
    "vocational": pl.Boolean,
    "timetable_key": pl.UInt64,
    "enrolled_from": pl.Date,
    "from_year_start": pl.Boolean,
}


@dataclass(frozen=True)
class Semester:
    number: int
    starts_on: dt.date
    ends_on: dt.date
    year_starts_on: dt.date
    year_ends_on: dt.date
    grade_offset: int  # 0 for the current school year, -1 for the one before

    def finished(self, today: dt.date) -> bool:
        return self.ends_on <= today


def semesters_for(preset: str, today: dt.date) -> list[Semester]:
    """Gulbene: every semester of the previous and the current school year (up to ``today``);
    national: the latest semester that has begun (up to ``today``; after it ends, the whole of it)."""
    current = school_year_on(today)
    if current is None:
        return []
    years = [current]
    if preset == "gulbene":
        previous = SchoolYear.objects.filter(starts_on__lt=current.starts_on).order_by("-starts_on").first()
        if previous is not None:
            years.insert(0, previous)
    periods = Period.objects.filter(school_year__in=years, starts_on__lte=today).select_related("school_year")
    out = [
        Semester(
            number=p.number,
            starts_on=p.starts_on,
            ends_on=p.ends_on,
            year_starts_on=p.school_year.starts_on,
            year_ends_on=p.school_year.ends_on,
            grade_offset=0 if p.school_year_id == current.pk else -1,
        )
        for p in sorted(periods, key=lambda p: p.starts_on)
    ]
    return out[-1:] if preset == "national" else out


def school_days(semesters: list[Semester], today: dt.date) -> pl.DataFrame:
    """Weekdays inside the semesters, up to ``today``; ``t`` runs from 0 to 1 over the whole span.

    Public holidays and school holidays inside a semester are ignored (every weekday counts):
    the facts are synthetic, and a few extra days change nothing a reader would notice.
    """
    rows = []
    for s in semesters:
        day = s.starts_on
        last = min(s.ends_on, today)
        while day <= last:
            if is_weekday(day):
                rows.append((day, s.number, s.year_starts_on, s.grade_offset))
            day += dt.timedelta(days=1)
    frame = pl.DataFrame(
        rows,
        schema={"date": pl.Date, "semester": pl.Int32, "year_starts_on": pl.Date, "grade_offset": pl.Int32},
        orient="row",
    )
    n = max(frame.height - 1, 1)
    return frame.with_row_index("day_index").with_columns(
        pl.col("day_index").cast(pl.Int64),
        (pl.col("day_index").cast(pl.Float64) / n).alias("t"),
        pl.col("date").dt.weekday().cast(pl.Int32).alias("weekday"),
        pl.col("date").dt.month().cast(pl.Int32).alias("month"),
    )


def roster(year_starts_on: dt.date, today: dt.date) -> pl.DataFrame:
    """Every pupil with an open enrolment that began by ``today``, sorted by personal code.

    Personal codes are decrypted here (the CSV files carry them, as a school's export would):
    about 17 µs a pupil, a few seconds for the national preset.
    """
    rows = []
    timetable: dict[tuple[str, str], int] = {}
    enrolments = Enrolment.objects.filter(ends_on__isnull=True, starts_on__lte=today).values_list(
        "pupil__personal_code_encrypted", "class_group__grade", "institution__kind", "institution__code",
        "class_group__name", "starts_on",
    )  # fmt: skip
    for encrypted, grade, kind, school, klass, starts_on in enrolments.iterator(chunk_size=20_000):
        code = crypto.decrypt(encrypted)
        key = timetable.get((school, klass))
        if key is None:
            key = timetable[(school, klass)] = zlib.crc32(f"{school}/{klass}".encode())
        rows.append(
            (
                int(code),
                f"{code[:6]}-{code[6:]}",
                grade,
                kind == "vocational",
                key,
                starts_on,
                starts_on <= year_starts_on,
            )
        )
    return pl.DataFrame(rows, schema=ROSTER_SCHEMA, orient="row").sort("pupil_key")
