"""School years and semesters, and the one answer to "which semester is it?".

Dates set by Cabinet regulation are data with a source; years whose regulation we do not hold
follow the usual pattern and are marked ``is_estimated`` so a coordinator can correct them.

Every page, command and task asks this module which semester a day belongs to
(docs/calendar.md). A day is in a semester, in the break between the two semesters of a year, in
the summer between two years, or before the first semester the calendar holds. Two questions have
two answers in a holiday:

* **the semester a day speaks of** (:func:`semester_on`) — the one under way, or in a holiday the
  one that ended last: the watch list, the questionnaire, reviews (they happen in January and
  June), notices and the indicator refresh all look back at it;
* **the semester to plan for** (:func:`planning_semester_on`) — the one under way, or in a
  holiday the next one: support plans are drawn up for it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

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
        "Ministru kabineta noteikumi par 2024./2025. mācību gadu",  # stored data: in Latvian (DESIGN.md §4)
    ),
}


# --- Weekdays ------------------------------------------------------------------------------------

MONDAY, FRIDAY = 0, 4


def is_weekday(day: dt.date) -> bool:
    """Monday to Friday (school days, before any holiday of the school's own)."""
    return day.weekday() < 5


def _weekday_on_or_after(day: dt.date, weekday: int) -> dt.date:
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


def _weekday_on_or_before(day: dt.date, weekday: int) -> dt.date:
    return day - dt.timedelta(days=(day.weekday() - weekday) % 7)


def weekday_on_or_before(day: dt.date, floor: dt.date | None = None) -> dt.date:
    """The latest Monday–Friday on or before ``day``, but never earlier than ``floor`` (a weekend
    ``floor`` itself is returned when no weekday lies between)."""
    latest = day - dt.timedelta(days=max(0, day.weekday() - FRIDAY))
    return latest if floor is None else max(latest, min(floor, day))


def weekdays_between(first: dt.date, last: dt.date) -> int:
    """How many Monday–Friday days ``first`` … ``last`` (both included) holds; 0 when reversed."""
    if last < first:
        return 0
    weeks, rest = divmod((last - first).days + 1, 7)
    return weeks * 5 + sum(1 for n in range(rest) if is_weekday(first + dt.timedelta(days=weeks * 7 + n)))


def estimated_year(start_year: int) -> YearDates:
    """The usual pattern: start on 1 September (the Monday after, if it falls on a weekend),
    semester 1 ends on the last Friday on or before 22 December, semester 2 starts on the first
    Monday on or after 5 January, the year ends on the last Friday of May."""
    sept1 = dt.date(start_year, 9, 1)
    starts = sept1 if is_weekday(sept1) else _weekday_on_or_after(sept1, MONDAY)
    return YearDates(
        starts_on=starts,
        semester1_ends_on=_weekday_on_or_before(dt.date(start_year, 12, 22), FRIDAY),
        semester2_starts_on=_weekday_on_or_after(dt.date(start_year + 1, 1, 5), MONDAY),
        ends_on=_weekday_on_or_before(dt.date(start_year + 1, 5, 31), FRIDAY),
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


def _last_year_to_ensure(today: dt.date) -> int:
    """The year containing ``today`` — and from June, when next year's plans are drawn up, the next
    one too (so the summer has a semester to plan for)."""
    current = school_year_start_for(today)
    return current + 1 if today.month in (6, 7) else current


@transaction.atomic
def school_years_ensure(*, today: dt.date, include_next: bool = False) -> list[SchoolYear]:
    """Create every school year from 2024/25 up to the one containing ``today`` (in June and July
    also the next one; with ``include_next`` the next one on any day); idempotent.

    ``include_next`` is what a fresh installation asks for (``pumpurs calendar ensure``): the next
    year exists from day one, estimated unless the regulation is known, so that imports and the
    year-end rollover have a year to point at. Existing rows are left as they are, so a national
    coordinator's corrections survive.
    """
    last = school_year_start_for(today) + 1 if include_next else _last_year_to_ensure(today)
    years = []
    for start_year in range(FIRST_SEEDED_YEAR, last + 1):
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


# --- Which semester is it? ------------------------------------------------------------------------


class Phase(StrEnum):
    """Where a day falls in the calendar."""

    IN_SEMESTER = "in_semester"
    BREAK = "break"  # between the two semesters of a school year (Christmas, New Year)
    SUMMER = "summer"  # after a school year's last day, before the next one starts
    BEFORE = "before"  # before the first semester the calendar holds (or no calendar at all)


@dataclass(frozen=True)
class CalendarDay:
    """The calendar's whole answer for one day: see the module docstring."""

    day: dt.date
    phase: Phase
    semester: Period | None  # the semester the day speaks of: under way, or the one that ended last
    planning: Period | None  # the semester to plan for: under way, or the next one

    @property
    def in_semester(self) -> bool:
        return self.phase == Phase.IN_SEMESTER


def school_year_on(day: dt.date) -> SchoolYear | None:
    """The school year under way on ``day``; in the summer the one just ended (its classes,
    enrolments and reviews are still the school's business until the next year starts)."""
    return SchoolYear.objects.filter(starts_on__lte=day).order_by("-starts_on").first()


def semester_on(day: dt.date) -> Period | None:
    """The semester ``day`` speaks of: the one under way, or in a holiday the one that ended last
    (it is still assessed, reviewed and watched). ``None`` before the calendar's first semester."""
    return Period.objects.filter(starts_on__lte=day).select_related("school_year").order_by("-starts_on").first()


def planning_semester_on(day: dt.date) -> Period | None:
    """The semester to plan for on ``day``: the one under way, or in a holiday the next one.
    ``None`` when the calendar does not hold it yet (a year nobody has set up)."""
    return Period.objects.filter(ends_on__gte=day).select_related("school_year").order_by("starts_on").first()


def calendar_on(day: dt.date) -> CalendarDay:
    """Both answers for ``day`` and where it falls; two small indexed reads."""
    semester = semester_on(day)
    planning = planning_semester_on(day)
    if semester is None:
        phase = Phase.BEFORE
    elif semester.ends_on >= day:
        phase = Phase.IN_SEMESTER
    elif planning is not None and planning.school_year_id == semester.school_year_id:
        phase = Phase.BREAK
    else:
        phase = Phase.SUMMER
    return CalendarDay(day=day, phase=phase, semester=semester, planning=planning)
