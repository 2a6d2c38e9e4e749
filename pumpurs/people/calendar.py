"""School years and semesters: seeded from regulations where known, else the usual pattern.

Dates set by Cabinet regulation are data with a source; years whose regulation we do not hold
follow the usual pattern and are marked ``is_estimated`` so a coordinator can correct them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from pumpurs.people.models import Period, SchoolYear

FIRST_SEEDED_YEAR = 2024


@dataclass(frozen=True)
class YearDates:
    starts_on: dt.date
    semester1_ends_on: dt.date
    semester2_starts_on: dt.date
    ends_on: dt.date
    is_estimated: bool
    source: str


# DESIGN.md §4: 2024/25 runs 2.9.2024–30.5.2025, semester 1 ends 20.12.2024, semester 2 starts
# 6.1.2025 (grades 9 and 12 finish later, with their examinations).
KNOWN_YEARS: dict[int, YearDates] = {
    2024: YearDates(
        dt.date(2024, 9, 2),
        dt.date(2024, 12, 20),
        dt.date(2025, 1, 6),
        dt.date(2025, 5, 30),
        False,
        "Cabinet regulation on the 2024/25 school year (DESIGN.md §4)",
    ),
}


def _weekday_on_or_after(day: dt.date, weekday: int) -> dt.date:
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


def _weekday_on_or_before(day: dt.date, weekday: int) -> dt.date:
    return day - dt.timedelta(days=(day.weekday() - weekday) % 7)


def estimated_year(start_year: int) -> YearDates:
    """The usual pattern: start on 1 September (the Monday after, if it falls on a weekend),
    semester 1 ends on the last Friday on or before 22 December, semester 2 starts on the first
    Monday on or after 5 January, the year ends on the last Friday of May."""
    sept1 = dt.date(start_year, 9, 1)
    starts = sept1 if sept1.weekday() < 5 else _weekday_on_or_after(sept1, 0)
    return YearDates(
        starts_on=starts,
        semester1_ends_on=_weekday_on_or_before(dt.date(start_year, 12, 22), 4),
        semester2_starts_on=_weekday_on_or_after(dt.date(start_year + 1, 1, 5), 0),
        ends_on=_weekday_on_or_before(dt.date(start_year + 1, 5, 31), 4),
        is_estimated=True,
        source="",
    )


def year_dates(start_year: int) -> YearDates:
    return KNOWN_YEARS.get(start_year) or estimated_year(start_year)


def year_name(start_year: int) -> str:
    return f"{start_year}/{(start_year + 1) % 100:02d}"


def school_year_start_for(day: dt.date) -> int:
    """The school year that ``day`` belongs to; the summer belongs to the year just ended."""
    return day.year if day.month >= 8 else day.year - 1


@transaction.atomic
def school_years_ensure(*, today: dt.date) -> list[SchoolYear]:
    """Create every school year from 2024/25 up to the one containing ``today``; idempotent.

    Existing rows are left as they are, so a coordinator's corrections survive.
    """
    years = []
    for start_year in range(FIRST_SEEDED_YEAR, school_year_start_for(today) + 1):
        d = year_dates(start_year)
        year, created = SchoolYear.objects.get_or_create(
            name=year_name(start_year),
            defaults={
                "starts_on": d.starts_on,
                "ends_on": d.ends_on,
                "is_estimated": d.is_estimated,
                "source": d.source,
            },
        )
        if created:
            Period.objects.bulk_create(
                [
                    Period(
                        school_year=year,
                        number=1,
                        starts_on=d.starts_on,
                        ends_on=d.semester1_ends_on,
                        is_estimated=d.is_estimated,
                    ),
                    Period(
                        school_year=year,
                        number=2,
                        starts_on=d.semester2_starts_on,
                        ends_on=d.ends_on,
                        is_estimated=d.is_estimated,
                    ),
                ]
            )
        years.append(year)
    return years


def current_school_year(today: dt.date) -> SchoolYear | None:
    return SchoolYear.objects.filter(starts_on__lte=today).order_by("-starts_on").first()
